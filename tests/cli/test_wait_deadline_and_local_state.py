"""``run`` and ``wait`` against local state that fails and answers that never end."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

from runcomfy_models._runtime.emulator import FaultRule, RunningEmulator

from .support import REFRAME_ARGS, cli_command, cli_env


def _cli(emu: RunningEmulator, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        cli_command(*args),
        env=cli_env(emu.base_url, **env),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in done.stderr
    return done


def _record(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    record: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return record


def test_a_cache_folder_that_cannot_be_checked_never_costs_the_paid_job(
    emu: RunningEmulator, tmp_path: Path
) -> None:
    emu.set_timings(run_seconds=0.1)
    for folder in (str(tmp_path / ("x" * 5000)), str(tmp_path / "file" / "cache")):
        (tmp_path / "file").write_text("a file where a folder should be")
        done = _cli(
            emu,
            "run",
            *REFRAME_ARGS,
            "--json",
            RUNCOMFY_CACHE_DIR=folder,
            RUNCOMFY_TIMING_HISTORY="on",
        )
        assert done.returncode == 0, done.stderr
        assert _record(done)["status"] == "succeeded"
    assert emu.stats()["routes"]["submit"] == 2


def test_a_history_full_of_junk_never_costs_the_paid_job(
    emu: RunningEmulator, tmp_path: Path
) -> None:
    import sqlite3

    db = sqlite3.connect(tmp_path / "timings.sqlite3")
    db.execute("CREATE TABLE runs (id INTEGER PRIMARY KEY, key TEXT, seconds)")
    key = 'ideogram/ideogram-v3/reframe {"resolution":"1024:1024 (1:1)"}'
    junk: list[object] = ["text", None, b"blob", 1e308, float("inf"), *[86_400.0] * 3]
    db.executemany("INSERT INTO runs (key, seconds) VALUES (?, ?)", [(key, v) for v in junk])
    db.commit()
    db.close()
    emu.set_timings(run_seconds=0.1)
    # Three legal values of a day: --poll-interval still caps every sleep, the first one too.
    done = _cli(
        emu, "run", *REFRAME_ARGS, "--timeout", "20", "--json", RUNCOMFY_CACHE_DIR=str(tmp_path)
    )
    assert done.returncode == 0, done.stderr
    assert _record(done)["status"] == "succeeded"


def test_wait_timeout_bounds_a_result_body_that_drips(emu: RunningEmulator) -> None:
    started = _record(_cli(emu, "run", *REFRAME_ARGS, "--no-wait", "--json"))
    # Every /result answer arrives 4 bytes a second: over a minute for one answer.
    emu.add_fault(FaultRule(route="result", kind="drip", delay=1.0))
    began = time.monotonic()
    late = _cli(emu, "wait", started["request_id"], "--timeout", "2", "--json")
    took = time.monotonic() - began
    assert late.returncode == 75, late.stderr
    assert _record(late)["status"] == "timeout"
    assert took < 30  # not a timing assertion: the answer alone would take over a minute
