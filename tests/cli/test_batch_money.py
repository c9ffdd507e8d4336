"""``batch`` and money: costs per line and in total, ``--max-cost`` (with faults), estimates.

The shipped schemas carry no price, so ``--max-cost`` and ``--dry-run`` read it from the
catalog entry, where the emulator stands in $0.04 per output for image models and $0.1 per
second for video models; its jobs cost what that price says.
"""

from __future__ import annotations

import io
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from runcomfy_models._runtime import RunComfy
from runcomfy_models._runtime.cli.batch.journal import Journal
from runcomfy_models._runtime.cli.batch.progress import Progress
from runcomfy_models._runtime.cli.batch.reader import input_hash
from runcomfy_models._runtime.emulator import FaultRule, RunningEmulator

from .support import (
    IMAGE_URL,
    REFRAME,
    TOKEN,
    WAN,
    RecordingApi,
    cli_command,
    cli_env,
    invoke,
    read_results,
    reframe_line,
    write_jsonl,
)

LTX = "lightricks/ltx-2.5/image-to-video/fast"
EDIT = "wan-ai/wan-2.7/edit"
PER_IMAGE = 0.04
PER_SECOND = 0.1


def _batch(emu: RunningEmulator, *args: str, retries: int = 3) -> tuple[int, str]:
    result = invoke(["--max-retries", str(retries), "batch", *args], base_url=emu.base_url)
    assert "Traceback" not in result.stderr, result.stderr
    return result.exit_code, result.stderr


def _submits(emu: RunningEmulator) -> int:
    return int(emu.stats()["routes"]["submit"])


def test_budget_stops_before_the_line_that_would_pass_it(
    emu: RunningEmulator, tmp_path: Path
) -> None:
    inputs = write_jsonl(tmp_path / "in.jsonl", [reframe_line(i) for i in range(20)])
    code, stderr = _batch(emu, REFRAME, str(inputs), "--concurrency", "4", "--max-cost", "0.3")
    assert code == 1
    assert _submits(emu) == 7  # 7 x $0.04 = $0.28; an eighth would make $0.32
    records = read_results(tmp_path / "in.jsonl.results.jsonl")
    assert [record["line"] for record in records] == list(range(1, 21))
    done = [record for record in records if record["state"] == "done"]
    left = [record for record in records if record["state"] == "not_sent"]
    assert len(done) == 7 and len(left) == 13
    assert all(record["cost"] == PER_IMAGE == record["estimate"] for record in done)
    assert all(record["estimate"] == PER_IMAGE and record["cost"] is None for record in left)
    assert all("--max-cost" in record["error"] or "budget" in record["error"] for record in left)
    assert "20 lines: 7 done, 13 not sent; cost $0.28" in stderr
    assert "13 line(s) left, estimated $0.52 for 13 line(s) at $0.04 per output" in stderr

    # The journal remembers the money: the same budget sends nothing more.
    code, stderr = _batch(emu, REFRAME, str(inputs), "--max-cost", "0.3")
    assert code == 1 and _submits(emu) == 7
    # A larger one sends the rest, each line once.
    code, stderr = _batch(emu, REFRAME, str(inputs), "--concurrency", "4", "--max-cost", "1")
    assert code == 0, stderr
    assert _submits(emu) == 20
    assert "20 lines: 20 done; cost $0.8" in stderr
    records = read_results(tmp_path / "in.jsonl.results.jsonl")
    assert len({record["request_id"] for record in records}) == 20


def test_budget_holds_through_faults(emu: RunningEmulator, tmp_path: Path) -> None:
    """Submits whose outcome is unknown count at their estimate: the budget is never passed."""
    inputs = write_jsonl(tmp_path / "in.jsonl", [reframe_line(i) for i in range(60)])
    for rule in (
        FaultRule("submit", "status", status=503, times=2),
        FaultRule("submit", "drop_after", times=2),
        FaultRule("submit", "status", status=429, times=5),
        FaultRule("result", "status", status=503, times=10),
        FaultRule("result", "drop_before", times=5),
    ):
        emu.add_fault(rule)
    budget = 1.0
    code, stderr = _batch(
        emu, REFRAME, str(inputs), "--concurrency", "8", "--max-cost", str(budget), retries=8
    )
    assert code == 1
    records = read_results(tmp_path / "in.jsonl.results.jsonl")
    states = [record["state"] for record in records]
    unknown = states.count("unknown")
    assert unknown >= 2
    # Every job that may exist counts: done lines, and unknown ones at their estimate.
    assert _submits(emu) * PER_IMAGE <= budget + 1e-9
    assert (states.count("done") + unknown) * PER_IMAGE <= budget + 1e-9
    assert states.count("done") + unknown == round(budget / PER_IMAGE)
    done = [record for record in records if record["state"] == "done"]
    assert len({record["request_id"] for record in done}) == len(done)
    assert "line(s) left" in stderr


def test_per_second_costs_follow_each_lines_duration(emu: RunningEmulator, tmp_path: Path) -> None:
    rows = [
        {"prompt": "a", "image_url": IMAGE_URL, "duration": 4},
        {"prompt": "b", "image_url": IMAGE_URL, "duration": 12},
        {"prompt": "c", "image_url": IMAGE_URL},  # the schema's default: 5 seconds
    ]
    inputs = write_jsonl(tmp_path / "in.jsonl", rows)
    code, stderr = _batch(emu, WAN, str(inputs), "--dry-run")
    assert code == 0
    assert (
        "Estimated cost of the valid lines: $2.1 for 3 line(s) at $0.1 per second; balance: "
        in stderr
    )
    assert (
        "--max-cost $2.1: every line fits."
        in _batch(emu, WAN, str(inputs), "--dry-run", "--max-cost", "2.1")[1]
    )
    assert "would stop" in _batch(emu, WAN, str(inputs), "--dry-run", "--max-cost", "2")[1]
    assert _submits(emu) == 0
    code, stderr = _batch(emu, WAN, str(inputs), "--max-cost", "2.1")
    assert code == 0, stderr
    records = read_results(tmp_path / "in.jsonl.results.jsonl")
    assert [record["cost"] for record in records] == [0.4, 1.2, 0.5]
    assert [record["estimate"] for record in records] == [0.4, 1.2, 0.5]
    assert "cost $2.1" in stderr


def test_per_output_estimates_count_the_images_asked_for(
    emu: RunningEmulator, tmp_path: Path
) -> None:
    rows = [
        {"prompt": "a", "image_urls": [IMAGE_URL], "num_images": 3},
        {"prompt": "b", "image_urls": [IMAGE_URL]},
    ]
    inputs = write_jsonl(tmp_path / "in.jsonl", rows)
    code, stderr = _batch(emu, EDIT, str(inputs), "--dry-run")
    assert (
        "Estimated cost of the valid lines: $0.16 for 2 line(s) at $0.04 per output; balance: "
        in stderr
    )
    code, stderr = _batch(emu, EDIT, str(inputs), "--max-cost", "0.16")
    assert code == 0, stderr
    records = read_results(tmp_path / "in.jsonl.results.jsonl")
    assert [record["cost"] for record in records] == [0.12, 0.04]


def test_lines_of_unknown_cost_are_counted_and_never_sent_under_a_budget(
    emu: RunningEmulator, tmp_path: Path
) -> None:
    rows = [
        {"prompt": "a", "image_url": IMAGE_URL, "duration": "auto"},
        {"prompt": "b", "image_url": IMAGE_URL, "duration": "10"},
        {"prompt": "c", "image_url": IMAGE_URL, "duration": "auto"},
    ]
    inputs = write_jsonl(tmp_path / "in.jsonl", rows)
    code, stderr = _batch(emu, LTX, str(inputs), "--dry-run")
    assert code == 0
    assert (
        "Estimated cost of the valid lines: $1 for 1 line(s) at $0.1 per second; 2 line(s) unknown"
        in stderr
    )
    code, stderr = _batch(emu, LTX, str(inputs), "--max-cost", "5")
    assert code == 1
    assert _submits(emu) == 1
    states = [record["state"] for record in read_results(tmp_path / "in.jsonl.results.jsonl")]
    assert states == ["not_sent", "done", "not_sent"]
    assert "cannot be estimated" in stderr
    # Without a budget they are sent; the cost is what RunComfy reports.
    code, stderr = _batch(emu, LTX, str(inputs))
    assert code == 0 and _submits(emu) == 3


def test_an_unknown_price_without_a_token_is_said_in_the_estimate(
    emu: RunningEmulator, tmp_path: Path
) -> None:
    inputs = write_jsonl(tmp_path / "in.jsonl", [reframe_line(1), reframe_line(2)])
    result = invoke(["batch", REFRAME, str(inputs), "--dry-run"], token=None)
    assert result.exit_code == 0
    assert (
        "Estimated cost of the valid lines: unknown at unknown; 2 line(s) unknown (the model's price is unknown)"
        in (result.stderr)
    )


def test_a_journal_of_an_earlier_version_gains_the_estimate_column(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    db.executescript(
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        "INSERT INTO meta VALUES ('model_id', 'm'), ('format', '1');"
        "CREATE TABLE lines (line INTEGER PRIMARY KEY, hash TEXT NOT NULL, state TEXT NOT NULL,"
        " request_id TEXT, output TEXT, files TEXT, paths TEXT, error TEXT, cost REAL,"
        " changed INTEGER NOT NULL DEFAULT 0, updated_at REAL NOT NULL);"
        "INSERT INTO lines VALUES (1, 'h', 'done', 'r1', '{}', '[]', NULL, NULL, 0.5, 0, 0);"
        "INSERT INTO lines VALUES (2, 'h', 'submitted', 'r2', NULL, NULL, NULL, NULL, NULL, 0, 0);"
    )
    db.commit()
    db.close()
    journal = Journal(path, "m")
    try:
        row = journal.get(2)
        assert row is not None and row.estimate is None
        # A job that may exist with no cost and no estimate: the budget cannot count it.
        assert journal.money() == (0.5, 0.0, 1)
    finally:
        journal.close()


def test_kill_9_midway_keeps_the_budget_and_sends_nothing_twice(
    emu: RunningEmulator, tmp_path: Path
) -> None:
    lines, budget = 80, "1.2"  # room for 30 jobs
    inputs = write_jsonl(tmp_path / "in.jsonl", [reframe_line(i) for i in range(lines)])
    emu.set_timings(run_seconds=0.15)
    args = ("batch", REFRAME, str(inputs), "--concurrency", "6", "--max-cost", budget)
    process = subprocess.Popen(
        cli_command(*args),
        env=cli_env(emu.base_url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while _submits(emu) < 12:
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
    assert _submits(emu) < 30, "the batch reached its budget before it could be killed"

    code, stderr = _batch(emu, *args[1:])
    assert code == 1
    records = read_results(tmp_path / "in.jsonl.results.jsonl")
    assert [record["line"] for record in records] == list(range(1, lines + 1))
    states = [record["state"] for record in records]
    done, unknown = states.count("done"), states.count("unknown")
    assert states.count("not_sent") == lines - done - unknown
    assert done + unknown == 30
    assert _submits(emu) * PER_IMAGE <= float(budget) + 1e-9
    assert done <= _submits(emu) <= done + unknown
    done_ids = [record["request_id"] for record in records if record["state"] == "done"]
    assert len(set(done_ids)) == done
    assert f"{lines - 30} line(s) left" in stderr


def test_the_progress_line_shows_the_running_total() -> None:
    progress = Progress(10, stream=io.StringIO(), enabled=False)
    progress.finished("done")
    assert "cost" not in progress.describe()
    progress.cost = 0.12
    assert progress.describe() == "1 done, cost $0.12"


def test_jobs_of_an_earlier_run_are_followed_after_the_budget_stops(
    emu: RunningEmulator, tmp_path: Path
) -> None:
    """The budget ends the sending, never the following of jobs already paid for."""
    rows = [reframe_line(i) for i in range(10)]
    inputs = write_jsonl(tmp_path / "in.jsonl", rows)
    client = RunComfy(token=TOKEN, base_url=emu.base_url)
    journal = Journal(tmp_path / "in.jsonl.journal.db", REFRAME)
    try:
        job = client.submit(REFRAME, rows[9])
        journal.mark_prepared(10, input_hash(rows[9]), PER_IMAGE)
        journal.mark_submitted(10, job.request_id)
    finally:
        journal.close()
        client.close()
    code, stderr = _batch(emu, REFRAME, str(inputs), "--max-cost", "0.1")
    assert code == 1
    records = read_results(tmp_path / "in.jsonl.results.jsonl")
    states = [record["state"] for record in records]
    # Line 10's job counts at its estimate until it ends: $0.04 + one line = $0.08; a
    # second line would make $0.12.
    assert states == ["done", *["not_sent"] * 8, "done"]
    assert records[9]["request_id"] == job.request_id and records[9]["cost"] == PER_IMAGE
    assert _submits(emu) == 2
    assert "8 line(s) left, estimated $0.32" in stderr


def test_a_budget_for_a_model_of_unknown_price_sends_nothing(
    recorder: RecordingApi, tmp_path: Path
) -> None:
    """An API whose catalog gives no price: --max-cost refuses at once, nothing is sent."""
    inputs = write_jsonl(tmp_path / "in.jsonl", [reframe_line(1)])
    result = invoke(["batch", REFRAME, str(inputs), "--max-cost", "10"], base_url=recorder.base_url)
    assert result.exit_code == 65
    assert "--max-cost needs a price" in result.stderr and "unknown" in result.stderr
    assert recorder.bodies == []
    assert not (tmp_path / "in.jsonl.journal.db").exists()
