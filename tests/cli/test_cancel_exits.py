"""``cancel``: an exit code and a message for each outcome (subprocesses, as scripts see them)."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator

import pytest
from runcomfy_models._runtime.cli.printing import text_lines
from runcomfy_models._runtime.emulator import RunningEmulator, running_emulator
from runcomfy_models._runtime.emulator.shapes import VARIANTS

from .support import REFRAME_ARGS, TOKEN, cli_command, cli_env, invoke, last_json


def _submit(emu: RunningEmulator) -> str:
    request_id: str = last_json(
        invoke(["run", *REFRAME_ARGS, "--no-wait", "--json"], base_url=emu.base_url)
    )["request_id"]
    return request_id


def _cancel(emu: RunningEmulator, request_id: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cli_command("cancel", request_id, "--json"),
        env=cli_env(emu.base_url),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_queued_job_is_cancelled_exit_0(emu: RunningEmulator) -> None:
    emu.set_timings(queue_seconds=600.0)
    done = _cancel(emu, _submit(emu))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["outcome"] == "cancelled"


def test_a_running_job_is_too_late_exit_3(emu: RunningEmulator) -> None:
    emu.set_timings(queue_seconds=0.0, run_seconds=600.0)
    request_id = _submit(emu)
    time.sleep(0.1)
    late = _cancel(emu, request_id)
    assert late.returncode == 3, late.stderr
    record = json.loads(late.stdout)
    assert record["outcome"] == "not_cancellable" and record["status"] == "in_progress"
    assert "finished" not in record
    # It knows the job is running: it says so, not "running or done".
    assert _headline(record).endswith(
        "It could not be cancelled: it is running, so it will finish and be billed"
    )
    text = subprocess.run(
        cli_command("cancel", request_id),
        env=cli_env(emu.base_url),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert text.returncode == 3
    assert "it is running, so it will finish and be billed" in text.stdout
    assert "running or done" not in text.stdout


def test_a_finished_job_says_so_exit_3(emu: RunningEmulator) -> None:
    emu.set_timings(queue_seconds=0.0, run_seconds=0.0)
    request_id = _submit(emu)
    assert invoke(["result", request_id], base_url=emu.base_url).exit_code == 0
    late = _cancel(emu, request_id)
    assert late.returncode == 3, late.stderr
    record = json.loads(late.stdout)
    assert record["outcome"] == "not_cancellable" and record["finished"] is True
    assert "failed" not in late.stdout + late.stderr
    assert _headline(record).endswith("It has already finished: there is nothing to cancel")


@pytest.fixture
def requested_only() -> Iterator[RunningEmulator]:
    with running_emulator(token=TOKEN, shapes=VARIANTS["cancel-requested"]) as emu:
        yield emu


def test_an_unconfirmed_cancel_exit_4(requested_only: RunningEmulator) -> None:
    requested_only.set_timings(queue_seconds=600.0)
    asked = _cancel(requested_only, _submit(requested_only))
    assert asked.returncode == 4, asked.stderr
    assert json.loads(asked.stdout)["outcome"] == "requested"
    assert "requested but not confirmed" in _headline(json.loads(asked.stdout))


def _headline(record: dict[str, object]) -> str:
    """What a terminal shows first for a cancel record."""
    return next(iter(text_lines(record)))
