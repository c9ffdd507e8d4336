"""A user's own script against the emulator, as the README tells it: any token works, and
without one the error says what to set."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from runcomfy_models._runtime.emulator import running_emulator

FIRST = """
from runcomfy_models.ideogram.ideogram_v3 import reframe
out = reframe.run(image="https://example.com/cat.png", resolution="1152:864 (4:3)")
print(out.image.url)
"""


WRONG_RESOLUTION = """
from runcomfy_models.ideogram.ideogram_v3 import reframe
reframe.run(image="https://example.com/cat.png", resolution="1152x864")
"""


def _script(tmp_path: Path, text: str = FIRST, **env: str) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "first.py"
    script.write_text(text, encoding="utf-8")
    clean = {k: v for k, v in os.environ.items() if not k.startswith("RUNCOMFY_")}
    return subprocess.run(
        [sys.executable, str(script)],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )


def test_without_a_token_the_error_says_what_to_set_and_that_any_token_works(
    tmp_path: Path,
) -> None:
    with running_emulator(queue_seconds=0.0, run_seconds=0.0) as emu:
        failed = _script(tmp_path, RUNCOMFY_BASE_URL=emu.base_url)
        assert failed.returncode != 0
        last = failed.stderr.strip().splitlines()[-1]
        assert "MissingTokenError" in last
        assert "RUNCOMFY_API_TOKEN" in last
        assert f"A local emulator ({emu.base_url}) accepts any token" in last
        worked = _script(tmp_path, RUNCOMFY_BASE_URL=emu.base_url, RUNCOMFY_API_TOKEN="local-test")
        assert worked.returncode == 0, worked.stderr
        assert worked.stdout.startswith(emu.base_url)


def test_against_runcomfy_itself_no_emulator_advice(tmp_path: Path) -> None:
    failed = _script(tmp_path, RUNCOMFY_BASE_URL="https://model-api.runcomfy.net")
    assert "MissingTokenError" in failed.stderr
    assert "emulator" not in failed.stderr


def test_an_uncaught_input_error_shows_our_short_message_only(tmp_path: Path) -> None:
    failed = _script(
        tmp_path,
        WRONG_RESOLUTION,
        RUNCOMFY_BASE_URL="http://127.0.0.1:9",
        RUNCOMFY_API_TOKEN="local-test",
    )
    assert failed.returncode == 1
    last = failed.stderr.strip().splitlines()[-1]
    assert last.startswith("runcomfy_models._runtime.errors.InvalidInputError: Invalid input")
    assert "resolution: '1152x864' is not allowed" in last
    assert "did you mean" in last.lower()
    # No chained report: pydantic's dump and the "direct cause" banner are not printed.
    assert "validation error" not in failed.stderr
    assert "pydantic" not in failed.stderr
    assert "above exception" not in failed.stderr
    assert len(failed.stderr) < 1500, failed.stderr
