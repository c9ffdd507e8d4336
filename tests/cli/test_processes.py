"""The command line as a real process: Ctrl-C, lazy imports, shell completion, the emulator."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from runcomfy_models._runtime.emulator import RunningEmulator

from .support import REFRAME_ARGS, cli_command, cli_env

_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _wait_for(predicate: object, what: str, limit: float = 30.0) -> None:
    deadline = time.monotonic() + limit
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)


@pytest.mark.parametrize(
    ("timings", "outcome", "jobs_state"),
    [
        ({"queue_seconds": 600.0}, "cancelled", "cancelled"),
        ({"queue_seconds": 0.0, "run_seconds": 600.0}, "not_cancellable", "in_progress"),
    ],
)
def test_ctrl_c_cancels_and_reports_the_real_outcome(
    emu: RunningEmulator, timings: dict[str, float], outcome: str, jobs_state: str
) -> None:
    emu.set_timings(**timings)
    process = subprocess.Popen(
        cli_command("run", *REFRAME_ARGS, "--json"),
        env=cli_env(emu.base_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for(lambda: emu.stats()["routes"]["status"] >= 1, "the first status poll")
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 130, stderr
    record = json.loads(stdout.strip().splitlines()[-1])
    assert record["status"] == "interrupted"
    assert record["cancel"] == outcome
    request_id = record["request_id"]
    assert request_id in stderr
    assert "Traceback" not in stderr
    if outcome == "not_cancellable":
        assert "billed" in stderr
    stats = emu.stats()
    assert stats["routes"]["cancel"] == 1
    assert stats["jobs"][jobs_state] == 1


def _running_the_command(pid: int) -> bool:
    """Whether the process is inside the command: pydantic's compiled core, loaded while the
    command imports what it runs, is mapped. (Before the command starts, the interpreter
    itself handles Ctrl-C, as for any Python program.)"""
    try:
        return "_pydantic_core" in Path(f"/proc/{pid}/maps").read_text(encoding="utf-8")
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="needs /proc/PID/maps")
@pytest.mark.parametrize("delay", [0.0, 0.03, 0.06, 0.1, 0.15, 0.2, 0.3, 0.5, 0.8])
def test_ctrl_c_at_any_moment_exits_130_without_a_traceback(
    emu: RunningEmulator, delay: float
) -> None:
    """From start-up through submitting to waiting: the same ending, and never two jobs.

    The moments are counted from when the command's own code runs, not from when the process
    started: under load the interpreter alone may take longer than any fixed delay."""
    emu.set_timings(queue_seconds=600.0)
    process = subprocess.Popen(
        cli_command("run", *REFRAME_ARGS),
        env=cli_env(emu.base_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for(lambda: _running_the_command(process.pid), "the command to start")
        time.sleep(delay)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert "Interrupted" in stderr
    assert emu.stats()["routes"]["submit"] <= 1


_PROBE = """
import json, sys
from click.shell_completion import ShellComplete
from runcomfy_models._runtime.cli import cli

def loaded():
    return sorted(name for name in sys.modules if name.startswith("runcomfy_models.")
                  and not name.startswith("runcomfy_models._runtime")
                  and name != "runcomfy_models._registry")

complete = ShellComplete(cli, {}, "runcomfy-models", "_RUNCOMFY_MODELS_COMPLETE")
run_ids = [item.value for item in complete.get_completions(["run"], "wan-ai/wan-3.0/image")]
batch_ids = [item.value for item in complete.get_completions(["batch"], "ideogram/")]
after_completion = loaded()
cli.main(["run", "--help"], standalone_mode=False)
cli.main(["models"], standalone_mode=False)
after_listing = loaded()
options = [item.value for item in complete.get_completions(
    ["run", "ideogram/ideogram-v3/reframe"], "--rend")]
print(json.dumps({"run": run_ids, "batch": batch_ids, "completion": after_completion,
                  "listing": after_listing, "options": options, "after_options": loaded()}))
"""


def test_model_modules_are_imported_only_when_used() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True, timeout=60
    )
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["run"] == ["wan-ai/wan-3.0/image-to-video"]
    assert probe["batch"] == ["ideogram/ideogram-v3/reframe"]
    assert probe["completion"] == []
    assert probe["listing"] == []
    assert probe["options"] == ["--rendering-speed"]
    imported = [name for name in probe["after_options"] if "._commands." in name]
    assert imported[-1] == "runcomfy_models._commands.ideogram.ideogram_v3.reframe"
    assert not [name for name in probe["after_options"] if "wan" in name]


def test_emulator_command_serves_until_interrupted() -> None:
    process = subprocess.Popen(
        cli_command(
            "emulator",
            "--port",
            "0",
            "--token",
            "tok-emu",
            "--fault",
            "catalog:status=503,times=1",
        ),
        env=cli_env("http://127.0.0.1:1"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        base_url = line.rsplit(" ", 1)[-1].strip()
        assert base_url.startswith("http://127.0.0.1:"), line
        headers = {"Authorization": "Bearer tok-emu"}
        with httpx.Client(base_url=base_url, headers=headers, timeout=10) as http:
            assert http.get("/v1/models").status_code == 503
            assert http.get("/v1/models").json()["total"] >= 7
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert "tok-emu" not in line + stderr
