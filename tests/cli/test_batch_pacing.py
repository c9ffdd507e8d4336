"""When the batch polls a job: the policy's schedule, informed by this batch's finished jobs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import islice
from pathlib import Path

import pytest
from click.testing import CliRunner
from runcomfy_models._runtime import PollPolicy
from runcomfy_models._runtime.cli import cli
from runcomfy_models._runtime.cli.batch.pacing import MIN_SAMPLES, PollPacer, run_seconds
from runcomfy_models._runtime.emulator import RunningEmulator
from runcomfy_models._runtime.job_types import JobResult

from .support import FAST, REFRAME, TOKEN, reframe_line, write_jsonl

POLICY = PollPolicy(initial=0.5, factor=2.0, max_interval=3.0)
START = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def _finished(seconds: float) -> JobResult:
    return JobResult(
        request_id="r",
        state="succeeded",
        created_at=START.isoformat(),
        finished_at=(START + timedelta(seconds=seconds)).isoformat(),
    )


def _waits(pacer: PollPacer, *, just_submitted: bool, count: int = 6) -> list[float]:
    return list(islice(pacer.waits(just_submitted=just_submitted), count))


def test_without_finished_jobs_the_policy_alone_decides() -> None:
    pacer = PollPacer(POLICY)
    assert pacer.estimate is None
    assert _waits(pacer, just_submitted=True) == [0.5, 1.0, 2.0, 3.0, 3.0, 3.0]
    # A job picked up from the journal may have ended long ago: polled at once.
    assert _waits(pacer, just_submitted=False) == [0.0, 0.5, 1.0, 2.0, 3.0, 3.0]


def test_the_first_poll_waits_until_a_quarter_of_recent_jobs_had_finished() -> None:
    pacer = PollPacer(PollPolicy(initial=0.5, factor=2.0, max_interval=60.0))
    for seconds in (40.0, 41.0, 42.0)[: MIN_SAMPLES - 1]:
        pacer.record(_finished(seconds))
    assert pacer.estimate is None
    for seconds in (44.0, 60.0, 43.0, 45.0, 90.0):
        pacer.record(_finished(seconds))
    # Seven of these eight jobs took at least 41 s: polling before that is mostly wasted.
    assert pacer.estimate == 41.0
    assert _waits(pacer, just_submitted=True) == [41.0, 1.0, 2.0, 4.0, 8.0, 16.0]
    assert _waits(pacer, just_submitted=False)[:2] == [0.0, 0.5]


def test_the_first_poll_never_waits_longer_than_the_longest_interval() -> None:
    # With quick failures among long jobs, a quick job is still seen within --poll-interval
    # (POLICY's longest interval: 3 s), as plain polling would see it.
    pacer = PollPacer(POLICY)
    for seconds in [5.0] * 10 + [60.0] * 40:
        pacer.record(_finished(seconds))
    assert pacer.estimate == 60.0
    assert _waits(pacer, just_submitted=True) == [3.0, 1.0, 2.0, 3.0, 3.0, 3.0]


def test_the_estimate_never_brings_the_first_poll_forward() -> None:
    pacer = PollPacer(POLICY)
    for _ in range(MIN_SAMPLES):
        pacer.record(_finished(0.1))
    assert pacer.estimate == 0.1
    assert _waits(pacer, just_submitted=True, count=2) == [0.5, 1.0]


def test_the_estimate_follows_recent_jobs() -> None:
    pacer = PollPacer(POLICY)
    for _ in range(200):
        pacer.record(_finished(30.0))
    for _ in range(200):
        pacer.record(_finished(5.0))
    assert pacer.estimate == 5.0


def test_results_without_usable_times_teach_nothing() -> None:
    pacer = PollPacer(POLICY)
    unusable = [
        JobResult(request_id="r", state="succeeded"),
        JobResult(request_id="r", state="failed", created_at=START.isoformat()),
        JobResult(request_id="r", state="succeeded", created_at="yesterday", finished_at="now"),
        _finished(-3.0),
        _finished(10 * 86_400.0),
    ]
    for result in unusable * MIN_SAMPLES:
        pacer.record(result)
    assert pacer.estimate is None


@pytest.mark.parametrize(
    ("created", "finished", "seconds"),
    [
        ("2026-01-02T03:04:05.000+00:00", "2026-01-02T03:04:35.250+00:00", 30.25),
        ("2026-01-02T03:04:05Z", "2026-01-02T04:04:05+01:00", 0.0),
        ("2026-01-02T03:04:05", "2026-01-02T03:04:06", 1.0),
        ("2026-01-02T03:04:05", "2026-01-02T03:04:06+00:00", None),
        ("2026-01-02T03:04:05Z", None, None),
    ],
)
def test_run_seconds(created: str, finished: str | None, seconds: float | None) -> None:
    result = JobResult(request_id="r", state="succeeded", created_at=created, finished_at=finished)
    assert run_seconds(result) == seconds


def test_a_batch_polls_its_later_jobs_once_they_are_likely_done(
    emu: RunningEmulator, tmp_path: Path
) -> None:
    lines, concurrency, run = 12, 4, 0.6
    emu.set_timings(run_seconds=run)
    inputs = write_jsonl(tmp_path / "in.jsonl", [reframe_line(i) for i in range(lines)])
    # --poll-interval 1: polls after 0.5 s, then 0.75 s (capped at 1 s) and so on.
    options = [*FAST[:4], "--poll-interval", "1"]
    args = ["--base-url", emu.base_url, *options, "batch", REFRAME, str(inputs)]
    args += ["--concurrency", str(concurrency)]
    result = CliRunner().invoke(cli, args, env={"RUNCOMFY_API_TOKEN": TOKEN})
    assert result.exit_code == 0, result.stderr
    routes = emu.stats()["routes"]
    assert routes["submit"] == lines
    # Polled blind, a job of 0.6 s is asked about twice (at 0.5 s and 1.25 s): so are the jobs
    # submitted before four have finished, at most two per worker. The later ones are first
    # polled when a quarter of the recent jobs had finished, after 0.6 s: once each.
    blind = 2 * concurrency
    assert routes["result"] <= 2 * blind + (lines - blind)
