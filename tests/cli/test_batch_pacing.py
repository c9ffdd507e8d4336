"""When the batch polls a job: the learned schedule, fed by this batch's finished jobs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from runcomfy_models._runtime import PollPolicy
from runcomfy_models._runtime.cli import cli
from runcomfy_models._runtime.cli.batch.pacing import PollPacer
from runcomfy_models._runtime.emulator import RunningEmulator
from runcomfy_models._runtime.job_types import JobResult
from runcomfy_models._runtime.schedule import MIN_SAMPLES
from runcomfy_models._runtime.timings import TimingHistory

from .support import FAST, REFRAME, TOKEN, reframe_line, write_jsonl

POLICY = PollPolicy(initial=0.5, factor=2.0, max_interval=3.0)
START = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def _finished(seconds: float, state: str = "succeeded") -> JobResult:
    return JobResult(
        request_id="r",
        state=state,  # type: ignore[arg-type]
        created_at=START.isoformat(),
        finished_at=(START + timedelta(seconds=seconds)).isoformat(),
    )


def test_without_finished_jobs_the_policy_alone_decides() -> None:
    schedule = PollPacer(POLICY).schedule(just_submitted=True)
    assert [schedule.next_sleep(0.0) for _ in range(5)] == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_after_a_few_jobs_a_new_one_is_first_polled_at_its_expected_finish() -> None:
    pacer = PollPacer(POLICY)
    for seconds in (40.0, 41.0, 42.0)[: MIN_SAMPLES - 1]:
        pacer.record(_finished(seconds))
    assert pacer.schedule(just_submitted=True).window is None
    pacer.record(_finished(44.0))
    schedule = pacer.schedule(just_submitted=True)
    # Nothing to find before the quickest finish (40 s): the first poll finds any job that
    # ended by 40 s + the lag (5% of the median, 41 s), then one every lag.
    assert schedule.next_sleep(0.0) == pytest.approx(42.05)
    assert schedule.next_sleep(42.05) == pytest.approx(2.05)
    # A job picked up from the journal is of unknown age: the policy alone.
    assert pacer.schedule(just_submitted=False).window is None


def test_failed_jobs_and_unusable_times_teach_nothing() -> None:
    pacer = PollPacer(POLICY)
    unusable = [
        JobResult(request_id="r", state="succeeded"),
        JobResult(request_id="r", state="failed", created_at=START.isoformat()),
        JobResult(request_id="r", state="succeeded", created_at="yesterday", finished_at="now"),
        _finished(-3.0),
        _finished(10 * 86_400.0),
        _finished(5.0, "failed"),
    ]
    for result in unusable * MIN_SAMPLES:
        pacer.record(result)
    assert pacer.durations == []


def test_the_batch_starts_from_the_machines_history_and_adds_to_it(tmp_path: Path) -> None:
    history = TimingHistory(tmp_path / "timings.sqlite3")
    for seconds in (10.0, 11.0, 12.0):
        history.record(REFRAME, _finished(seconds))
    pacer = PollPacer(POLICY, model_id=REFRAME, timings=history)
    assert pacer.durations == [10.0, 11.0, 12.0]
    assert pacer.schedule(just_submitted=True).next_sleep(0.0) == pytest.approx(10.55)
    pacer.record(_finished(13.0))
    assert history.durations(REFRAME) == [10.0, 11.0, 12.0, 13.0]


def test_a_batch_polls_its_later_jobs_once_they_are_likely_done(
    emu: RunningEmulator, tmp_path: Path
) -> None:
    lines, concurrency, run = 12, 4, 0.6
    emu.set_timings(run_seconds=run)
    inputs = write_jsonl(tmp_path / "in.jsonl", [reframe_line(i) for i in range(lines)])
    # --poll-interval 1: polls every second until the batch has seen a few jobs finish.
    options = [*FAST[:4], "--poll-interval", "1"]
    args = ["--base-url", emu.base_url, *options, "batch", REFRAME, str(inputs)]
    args += ["--concurrency", str(concurrency)]
    result = CliRunner().invoke(cli, args, env={"RUNCOMFY_API_TOKEN": TOKEN})
    assert result.exit_code == 0, result.stderr
    routes = emu.stats()["routes"]
    assert routes["submit"] == lines
    # Polled blind, a job of 0.6 s is asked about once (at 1 s): so are the jobs submitted
    # before three have finished, at most two per worker. The later ones are first polled at
    # their expected finish (0.6 s), then every half second: one or two polls each.
    blind = 2 * concurrency
    assert routes["result"] <= blind + 2 * (lines - blind)
