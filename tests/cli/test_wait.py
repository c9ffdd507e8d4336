"""``wait REQUEST_ID``: follows a job started with ``run --no-wait``, ending as ``run`` would."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from runcomfy_models._runtime.emulator import RunningEmulator

from .support import REFRAME_ARGS, cli_command, cli_env


def _cli(emu: RunningEmulator, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        cli_command(*args), env=cli_env(emu.base_url), capture_output=True, text=True, timeout=60
    )
    assert "Traceback" not in done.stderr
    return done


def _record(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    record: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return record


def _started(emu: RunningEmulator) -> str:
    started = _record(_cli(emu, "run", *REFRAME_ARGS, "--no-wait", "--json"))
    assert started["hint"] == f"Follow it with: runcomfy-models wait {started['request_id']}"
    request_id: str = started["request_id"]
    return request_id


def test_wait_follows_a_job_to_its_files_like_run(emu: RunningEmulator, tmp_path: Path) -> None:
    emu.set_timings(queue_seconds=0.2, run_seconds=0.2)
    request_id = _started(emu)
    done = _cli(emu, "wait", request_id, "--download", str(tmp_path / "out"), "--json")
    assert done.returncode == 0, done.stderr
    record = _record(done)
    ran = _record(_cli(emu, "run", *REFRAME_ARGS, "--json"))
    # The same record as run's, but wait does not know the model: no model_id, never a null.
    assert set(record) == {*ran, "saved"} - {"model_id"}
    assert ran["model_id"] == REFRAME_ARGS[0]
    assert record["status"] == "succeeded" and record["request_id"] == request_id
    (saved,) = record["saved"]
    assert Path(saved).read_bytes().startswith(b"\x89PNG")
    assert emu.stats()["routes"]["submit"] == 2  # wait never submits


def test_wait_exit_codes_match_run(emu: RunningEmulator) -> None:
    emu.set_outcome("failed")
    failed = _cli(emu, "wait", _started(emu), "--json")
    assert failed.returncode == 1
    assert _record(failed)["status"] == "failed"
    emu.set_outcome("succeeded")
    emu.set_timings(queue_seconds=600.0)
    late = _cli(emu, "wait", _started(emu), "--timeout", "0.3", "--json")
    assert late.returncode == 75
    assert _record(late)["status"] == "timeout"
    unknown = _cli(emu, "wait", "no-such-request")
    assert unknown.returncode == 65
