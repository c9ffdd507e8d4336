"""The command line and every file a job returns: audio, URLs under unnamed keys, and the exit
code of ``--download`` when a succeeded job's output holds no file (run, wait, result, batch)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from runcomfy_models._runtime.cli import exits
from runcomfy_models._runtime.emulator import OUTPUT_VARIANTS, RunningEmulator, running_emulator
from runcomfy_models._runtime.emulator.outputs import SEED

from .support import TOKEN, invoke, last_json, read_results, write_jsonl

AUDIO = "bytedance/seed-audio-1.0/text-to-audio"


@pytest.fixture
def no_file_emu() -> Iterator[RunningEmulator]:
    """An emulator whose succeeded jobs return ``{"seed": ...}``: nothing to download."""
    with running_emulator(token=TOKEN, shapes=OUTPUT_VARIANTS["output-no-file"]) as emu:
        yield emu


@pytest.fixture
def unknown_key_emu() -> Iterator[RunningEmulator]:
    with running_emulator(token=TOKEN, shapes=OUTPUT_VARIANTS["output-unknown-key"]) as emu:
        yield emu


def _is_wav(path: Path) -> bool:
    data = path.read_bytes()
    return data[:4] == b"RIFF" and data[8:12] == b"WAVE"


def test_run_downloads_an_audio_result(emu: RunningEmulator, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["run", AUDIO, "--prompt", "Hello", "--json", "--download", str(out)]
    result = invoke(args, base_url=emu.base_url)
    assert result.exit_code == 0, result.stderr
    record = last_json(result)
    assert record["files"] == [record["output"]["audio"]]
    (saved,) = record["saved"]
    assert Path(saved).parent == out and Path(saved).suffix == ".wav"
    assert _is_wav(Path(saved))


def test_run_downloads_a_url_under_an_unnamed_key_and_keeps_every_key(
    unknown_key_emu: RunningEmulator, tmp_path: Path
) -> None:
    args = ["run", AUDIO, "--prompt", "Hello", "--json", "--download", str(tmp_path)]
    result = invoke(args, base_url=unknown_key_emu.base_url)
    assert result.exit_code == 0, result.stderr
    record = last_json(result)
    assert record["output"]["seed"] == SEED
    assert record["files"] == [record["output"]["audio_url"]]
    assert _is_wav(Path(record["saved"][0]))


def test_run_download_of_an_output_with_no_file_exits_5_with_the_raw_output(
    no_file_emu: RunningEmulator, tmp_path: Path
) -> None:
    args = ["run", AUDIO, "--prompt", "Hello", "--json", "--download", str(tmp_path / "out")]
    result = invoke(args, base_url=no_file_emu.base_url)
    assert result.exit_code == exits.NO_FILES == 5
    record = last_json(result)
    assert record["status"] == "succeeded" and record["output"] == {"seed": SEED}
    assert record["files"] == [] and record["saved"] == []
    assert record["error"] == "the output holds no file to download"
    assert record["request_id"] in result.stderr
    assert f'{{"seed": {SEED}}}' in result.stderr
    # Without --download nothing was asked to be saved: a success.
    plain = invoke(["run", AUDIO, "--prompt", "Hello", "--json"], base_url=no_file_emu.base_url)
    assert plain.exit_code == 0, plain.stderr
    assert last_json(plain)["output"] == {"seed": SEED}


def test_wait_and_result_download_of_an_output_with_no_file_exit_5(
    no_file_emu: RunningEmulator, tmp_path: Path
) -> None:
    url = no_file_emu.base_url
    submitted = invoke(["run", AUDIO, "--prompt", "Hi", "--no-wait", "--json"], base_url=url)
    request_id = last_json(submitted)["request_id"]
    waited = invoke(["wait", request_id, "--json", "--download", str(tmp_path)], base_url=url)
    assert waited.exit_code == exits.NO_FILES
    assert last_json(waited)["request_id"] == request_id
    shown = invoke(["result", request_id, "--json", "--download", str(tmp_path)], base_url=url)
    assert shown.exit_code == exits.NO_FILES
    assert last_json(shown)["output"] == {"seed": SEED}
    assert request_id in shown.stderr


def test_batch_keeps_the_raw_output_of_a_line_with_no_known_key(
    unknown_key_emu: RunningEmulator, tmp_path: Path
) -> None:
    inputs = write_jsonl(tmp_path / "in.jsonl", [{"prompt": "one"}, {"prompt": "two"}])
    out = tmp_path / "out"
    args = ["batch", AUDIO, str(inputs), "--download", str(out)]
    result = invoke(args, base_url=unknown_key_emu.base_url)
    assert result.exit_code == 0, result.stderr
    results = read_results(tmp_path / "in.jsonl.results.jsonl")
    for record in results:
        assert record["state"] == "done"
        assert set(record["output"]) == {"audio_url", "seed"}
        assert record["files"] == [record["output"]["audio_url"]]
        assert _is_wav(Path(record["paths"][0]))
    with sqlite3.connect(tmp_path / "in.jsonl.journal.db") as db:
        stored = [json.loads(text) for (text,) in db.execute("SELECT output FROM lines")]
    assert stored == [r["output"] for r in results]


def test_batch_download_of_outputs_with_no_file_exits_5_and_keeps_them(
    no_file_emu: RunningEmulator, tmp_path: Path
) -> None:
    inputs = write_jsonl(tmp_path / "in.jsonl", [{"prompt": "one"}, {"prompt": "two"}])
    args = ["batch", AUDIO, str(inputs), "--download", str(tmp_path / "out")]
    result = invoke(args, base_url=no_file_emu.base_url)
    assert result.exit_code == exits.NO_FILES, result.stderr
    results = read_results(tmp_path / "in.jsonl.results.jsonl")
    assert [r["state"] for r in results] == ["no_file", "no_file"]
    for record in results:
        assert record["output"] == {"seed": SEED} and record["files"] == []
        assert record["request_id"] in result.stderr
        assert record["error"] == "the output holds no file to download"
    assert "2 no file" in result.stderr
    # A rerun sends nothing again and says the same.
    again = invoke(args, base_url=no_file_emu.base_url)
    assert again.exit_code == exits.NO_FILES
    assert no_file_emu.stats()["routes"]["submit"] == 2
    # Without --download the same outputs are a success.
    plain = write_jsonl(tmp_path / "plain.jsonl", [{"prompt": "three"}])
    done = invoke(["batch", AUDIO, str(plain)], base_url=no_file_emu.base_url)
    assert done.exit_code == 0, done.stderr
    assert read_results(tmp_path / "plain.jsonl.results.jsonl")[0]["output"] == {"seed": SEED}


def test_models_shows_and_filters_by_kind() -> None:
    listed = invoke(["models", "--json", "--kind", "audio"])
    assert listed.exit_code == 0, listed.stderr
    models = json.loads(listed.stdout)
    ids = {m["model_id"] for m in models}
    assert AUDIO in ids and "acestep-ai/ace-step/audio-inpaint" in ids
    assert {m["output_kind"] for m in models} == {"audio"}
    assert next(m for m in models if m["model_id"] == AUDIO)["categories"] == ["text-to-audio"]
    text = invoke(["models"])  # text in a pipe as on a terminal
    row = next(line for line in text.stdout.splitlines() if line.startswith(AUDIO + " "))
    assert row.split()[1] == "audio"
