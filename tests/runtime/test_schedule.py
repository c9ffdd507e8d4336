"""The learned poll schedule and the machine's job timing history."""

from __future__ import annotations

import multiprocessing
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from runcomfy_models._runtime import PollPolicy
from runcomfy_models._runtime.emulator import RunningEmulator
from runcomfy_models._runtime.job_types import JobResult
from runcomfy_models._runtime.schedule import Schedule, Window, target_lag
from runcomfy_models._runtime.timings import (
    KEEP,
    TimingHistory,
    default_history,
    history_folder,
)

from .drivers import Driver
from .helpers import IMAGE_MODEL, IMAGE_PAYLOAD

POLICY = PollPolicy()  # every 2 s, as RunComfy's CLI
START = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def finished(seconds: float) -> JobResult:
    return JobResult(
        request_id="r",
        state="succeeded",
        created_at=START.isoformat(),
        finished_at=(START + timedelta(seconds=seconds)).isoformat(),
    )


def simulate(schedule: Schedule, duration: float, queue: float = 0.0) -> tuple[int, float]:
    """Polls (after the first, immediate one) until a job of ``queue + duration`` s is seen done,
    and how late."""
    elapsed, polls = 0.0, 0
    while elapsed < queue + duration:
        elapsed += schedule.next_sleep(elapsed, queued=elapsed < queue)
        polls += 1
    return polls, elapsed - (queue + duration)


def test_without_history_it_is_the_policy() -> None:
    schedule = Schedule(POLICY, [1.0, 2.0])  # too few to trust
    assert schedule.window is None
    assert [schedule.next_sleep(0.0) for _ in range(3)] == [2.0, 2.0, 2.0]


def test_window_percentiles() -> None:
    assert Window.of([5.0, 1.0, 3.0]) == Window(low=1.0, median=3.0, high=5.0)
    many = [float(i) for i in range(1, 101)]
    assert Window.of(many) == Window(low=11.0, median=51.0, high=91.0)


@pytest.mark.parametrize("duration", [1.0, 3.7, 8.2, 21.5, 60.0, 300.0])
def test_with_a_known_duration_the_job_is_found_at_once_with_few_requests(
    duration: float,
) -> None:
    schedule = Schedule(POLICY, [duration] * 5)
    polls, lag = simulate(schedule, duration)
    assert lag <= target_lag(duration)
    assert polls <= max(1, duration / 2.0)  # never more than fixed 2 s polling


@given(
    history=st.lists(st.floats(0.5, 400.0), min_size=3, max_size=40),
    duration=st.floats(0.1, 600.0),
    queue=st.floats(0.0, 120.0),
)
def test_every_wait_is_positive_and_bounded_once_a_job_may_be_done(
    history: list[float], duration: float, queue: float
) -> None:
    schedule = Schedule(POLICY, history)
    elapsed = 0.0
    while elapsed < queue + duration:
        sleep = schedule.next_sleep(elapsed, queued=elapsed < queue)
        assert sleep > 0
        window = schedule.window
        assert window is not None
        if elapsed >= window.low + queue:
            assert sleep <= POLICY.max_interval + 1e-9
        elapsed += sleep


def test_a_queued_job_moves_the_window_and_is_still_polled_within_the_cap() -> None:
    schedule = Schedule(POLICY, [10.0] * 5)
    assert schedule.next_sleep(0.0, queued=True) == 2.0  # stays in touch while queued
    # Seen queued at 30 s: it cannot finish before 30 + 10 s; the first poll then comes a
    # quarter second past the latest finish seen (10 s), well within the lag of 0.5 s.
    assert schedule.next_sleep(30.0, queued=True, queue_position=2) == 2.0
    assert schedule.next_sleep(31.0) == pytest.approx(9.25)


# -- the history --------------------------------------------------------------------------


@pytest.fixture
def history(tmp_path: Path) -> Iterator[TimingHistory]:
    store = TimingHistory(tmp_path / "cache" / "timings.sqlite3")
    yield store
    store.close()


def test_the_history_keeps_the_latest_durations_per_model(history: TimingHistory) -> None:
    assert history.durations("a/b") == []
    for i in range(KEEP + 10):
        history.record("a/b", finished(float(i)))
    history.record("c/d", finished(99.0))
    history.record("a/b", JobResult(request_id="r", state="failed"))
    assert history.durations("a/b") == [float(i) for i in range(10, KEEP + 10)]
    assert history.durations("c/d") == [99.0]


def _record_many(path: str, model: str) -> None:
    store = TimingHistory(Path(path))
    for i in range(20):
        store.record(model, finished(float(i)))
    store.close()


def test_several_processes_share_the_history(tmp_path: Path) -> None:
    path = tmp_path / "timings.sqlite3"
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_record_many, args=(str(path), f"m/{n % 2}")) for n in range(4)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    store = TimingHistory(path)
    assert len(store.durations("m/0")) == 40 and len(store.durations("m/1")) == 40
    store.close()


def test_a_broken_history_file_turns_learning_off_and_never_fails(tmp_path: Path) -> None:
    path = tmp_path / "timings.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    store = TimingHistory(path)
    store.record("a/b", finished(3.0))
    assert store.durations("a/b") == []
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(path).execute("SELECT 1 FROM jobs")


def test_where_the_history_lives_and_how_to_turn_it_off(tmp_path: Path) -> None:
    assert history_folder({"RUNCOMFY_CACHE_DIR": str(tmp_path)}) == tmp_path
    assert history_folder({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "runcomfy-models"
    assert default_history({"RUNCOMFY_TIMING_HISTORY": "off"}) is None
    on = default_history({"RUNCOMFY_CACHE_DIR": str(tmp_path)})
    assert on is not None and on.path == tmp_path / "timings.sqlite3"


# -- wait() learns and uses it -------------------------------------------------------------


def test_wait_learns_a_models_duration_and_then_polls_at_its_expected_finish(
    emu: RunningEmulator,
    new_driver: object,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RUNCOMFY_TIMING_HISTORY", "on")
    monkeypatch.setenv("RUNCOMFY_CACHE_DIR", str(tmp_path))
    emu.set_timings(run_seconds=0.4)
    driver: Driver = new_driver(poll=PollPolicy(initial=0.25, factor=1.0, max_interval=0.25))  # type: ignore[operator]
    for _ in range(3):  # no history yet: every 0.25 s
        driver.wait(driver.submit(IMAGE_MODEL, IMAGE_PAYLOAD), timeout=20)
    assert driver.client.timings is not None
    assert len(driver.client.timings.durations(IMAGE_MODEL)) == 3
    before = emu.stats()["routes"]["status"]
    driver.wait(driver.submit(IMAGE_MODEL, IMAGE_PAYLOAD), timeout=20)
    # One poll at once, one at the expected finish (0.4 s), perhaps one more 0.25 s later.
    assert emu.stats()["routes"]["status"] - before <= 3
