"""Batch files from anyone: each hostile line is a clear error with line and column, never a
traceback; nothing is sent unless --skip-invalid, and then the other lines go on."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from runcomfy_models._runtime.cli.batch.reader import parse_line
from runcomfy_models._runtime.emulator import RunningEmulator

from .support import PNG, REFRAME, SQUARE, cli_command, cli_env, reframe_line

HOSTILE: list[tuple[bytes, str]] = [
    (b"[" * 100_000, "nested too deep (over 500 levels at column 500)"),
    (b'{"seed": ' + b"7" * 10_000 + b"}", "an integer with too many digits (column 10)"),
    (b'{"image": "\xff\xfe"}', "not valid UTF-8 text (column 12)"),
    (b'{"image": "\\ud800"}', "a lone surrogate escape (column 12) is not text"),
    ("\ufeff{}".encode(), "starts with a byte order mark (U+FEFF, column 1)"),
    (b'{"seed": 1, "seed": 2}', "repeats the key 'seed' (column 13); each key may appear once"),
    (b'{"image": "https://exa', "the line ends at column 23 before the JSON does"),
]


def test_each_hostile_line_is_one_problem_with_its_column() -> None:
    for raw, expected in HOSTILE:
        data, problem = parse_line(raw + b"\n")
        assert data is None
        assert problem is not None and expected in problem, (raw[:40], problem)


def _run(emu: RunningEmulator, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cli_command("--max-retries", "2", "batch", *args),
        env=cli_env(emu.base_url),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_hostile_lines_are_listed_and_with_skip_invalid_the_others_go_on(
    emu: RunningEmulator, tmp_path: Path
) -> None:
    good = (json.dumps(reframe_line(0)) + "\n").encode()
    inputs = tmp_path / "in.jsonl"
    inputs.write_bytes(good + b"".join(raw + b"\n" for raw, _ in HOSTILE) + good)
    refused = _run(emu, REFRAME, str(inputs))
    assert refused.returncode == 65, refused.stderr
    assert "Traceback" not in refused.stderr
    for number, (_, expected) in enumerate(HOSTILE, start=2):
        assert f"line {number}: " in refused.stderr
        assert expected in refused.stderr
    assert emu.stats()["routes"]["submit"] == 0
    sent = _run(emu, REFRAME, str(inputs), "--skip-invalid")
    assert sent.returncode == 1, sent.stderr
    assert "Traceback" not in sent.stderr
    assert emu.stats()["routes"]["submit"] == 2


def test_local_files_are_read_only_below_the_inputs_folder(
    emu: RunningEmulator, tmp_path: Path
) -> None:
    batch = tmp_path / "batch"
    batch.mkdir()
    (batch / "cat.png").write_bytes(PNG)
    (tmp_path / "secret.png").write_bytes(PNG)
    (batch / "link.png").symlink_to(tmp_path / "secret.png")
    lines = [
        {"image": "cat.png", "resolution": SQUARE},
        {"image": "/etc/hostname", "resolution": SQUARE},
        {"image": "../secret.png", "resolution": SQUARE},
        {"image": "link.png", "resolution": SQUARE},
    ]
    inputs = batch / "in.jsonl"
    inputs.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    refused = _run(emu, REFRAME, str(inputs), "--dry-run")
    assert refused.returncode == 65, refused.stderr
    rule = "files in batch lines are read only below the inputs file's folder"
    for number in (2, 3, 4):
        line = next(text for text in refused.stderr.splitlines() if f"line {number}:" in text)
        assert rule in line
    assert "line 1:" not in refused.stderr
    allowed = _run(emu, REFRAME, str(inputs), "--dry-run", "--files-from", str(tmp_path))
    assert "line 3:" not in allowed.stderr and "line 4:" not in allowed.stderr
    assert "line 2:" in allowed.stderr


def test_repeated_keys_are_found_nested_and_text_that_looks_like_a_key_is_not_one() -> None:
    assert parse_line(b'{"style": {"a": 1, "a" : 2}}')[1] == (
        "repeats the key 'a' (column 20); each key may appear once"
    )
    assert parse_line(b'{"prompt": "say \\":\\" twice", "seed": 1}') == (
        {"prompt": 'say ":" twice', "seed": 1},
        None,
    )
