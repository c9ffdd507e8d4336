"""A batch killed with SIGKILL midway resumes with every line accounted for exactly once."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest
from runcomfy_models._runtime.emulator import RunningEmulator

from .support import REFRAME, cli_command, cli_env, invoke, read_results, reframe_line, write_jsonl

LINES = 120


def _submits(emu: RunningEmulator) -> int:
    return int(emu.stats()["routes"]["submit"])


@pytest.mark.slow
def test_kill_9_midway_then_resume_sends_no_duplicate(emu: RunningEmulator, tmp_path: Path) -> None:
    inputs = write_jsonl(tmp_path / "in.jsonl", [reframe_line(i) for i in range(LINES)])
    emu.set_timings(run_seconds=0.15)
    process = subprocess.Popen(
        cli_command("batch", REFRAME, str(inputs), "--concurrency", "6"),
        env=cli_env(emu.base_url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while _submits(emu) < LINES // 3:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the batch ended or stalled early: {process.communicate()[1]!r}")
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == -signal.SIGKILL
    killed_at = _submits(emu)
    assert killed_at < LINES, "the batch finished before it could be killed"

    result = invoke(["batch", REFRAME, str(inputs), "--concurrency", "6"], base_url=emu.base_url)
    assert "Traceback" not in result.stderr
    records = read_results(tmp_path / "in.jsonl.results.jsonl")
    assert [record["line"] for record in records] == list(range(1, LINES + 1))
    done = [record for record in records if record["state"] == "done"]
    unknown = [record for record in records if record["state"] == "unknown"]
    assert len(done) + len(unknown) == LINES
    assert len({record["request_id"] for record in done}) == len(done)
    # Each job on the server belongs to one done line, except at most one per line
    # whose submit was in flight at the kill (reported unknown, not resent).
    assert len(done) <= _submits(emu) <= len(done) + len(unknown)
    assert result.exit_code == (0 if not unknown else 1)

    if unknown:
        before = _submits(emu)
        again = invoke(["batch", REFRAME, str(inputs), "--resubmit-unknown"], base_url=emu.base_url)
        assert again.exit_code == 0, again.stderr
        assert _submits(emu) - before == len(unknown)
        records = read_results(tmp_path / "in.jsonl.results.jsonl")
        assert {record["state"] for record in records} == {"done"}
    else:
        assert _submits(emu) == LINES
    stats = emu.stats()
    assert stats["jobs"]["succeeded"] == _submits(emu)


def test_ctrl_c_stops_gracefully_and_the_rerun_resumes(
    emu: RunningEmulator, tmp_path: Path
) -> None:
    lines = 40
    inputs = write_jsonl(tmp_path / "in.jsonl", [reframe_line(i) for i in range(lines)])
    emu.set_timings(run_seconds=1.0)
    process = subprocess.Popen(
        cli_command("batch", REFRAME, str(inputs), "--concurrency", "4"),
        env=cli_env(emu.base_url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while _submits(emu) < 4 or emu.stats()["routes"]["result"] < 4:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the batch ended or stalled early: {process.communicate()[1]!r}")
            time.sleep(0.01)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 130, stderr
    assert "rerun the same command to resume" in stderr
    assert "Traceback" not in stderr
    first = _submits(emu)
    assert first == 4
    running = read_results(tmp_path / "in.jsonl.results.jsonl")
    assert [record["state"] for record in running] == ["running"] * 4

    emu.set_timings(run_seconds=0)
    result = invoke(["batch", REFRAME, str(inputs), "--concurrency", "8"], base_url=emu.base_url)
    assert result.exit_code == 0, result.stderr
    assert _submits(emu) == lines
    records = read_results(tmp_path / "in.jsonl.results.jsonl")
    assert [record["line"] for record in records] == list(range(1, lines + 1))
    assert {record["state"] for record in records} == {"done"}
