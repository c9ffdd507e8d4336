"""The machine's run-time history: keyed, checked on read, written in batches, never fatal."""

from __future__ import annotations

import logging
import multiprocessing
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from runcomfy_models._runtime.job_types import JobResult
from runcomfy_models._runtime.run_seen import RunSeen, job_seconds
from runcomfy_models._runtime.timings import (
    KEEP,
    MemoryTimings,
    TimingHistory,
    default_history,
    history_folder,
    timing_key,
    valid_seconds,
)

START = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def finished(seconds: float | None, state: str = "succeeded") -> JobResult:
    return JobResult(
        request_id="r",
        state=state,  # type: ignore[arg-type]
        created_at=START.isoformat() if seconds is not None else None,
        finished_at=(START + timedelta(seconds=seconds)).isoformat() if seconds else None,
    )


@pytest.fixture
def history(tmp_path: Path) -> Iterator[TimingHistory]:
    store = TimingHistory(tmp_path / "cache" / "timings.sqlite3")
    yield store
    store.close()


# -- keys ---------------------------------------------------------------------------------


def test_the_key_is_the_model_and_the_values_of_its_timing_inputs() -> None:
    inputs = ("duration", "resolution")
    five = timing_key("m/v", {"prompt": "a", "duration": 5, "resolution": "720p"}, inputs)
    assert five == timing_key("m/v", {"resolution": "720p", "duration": 5, "prompt": "b"}, inputs)
    assert five != timing_key("m/v", {"duration": 10, "resolution": "720p"}, inputs)
    assert timing_key("m/v", {"prompt": "a"}, inputs) == "m/v"  # defaults: the model's own key
    assert timing_key("m/v", {"duration": 5}) == "m/v"  # no timing inputs named
    long = timing_key("m/v", {"duration": "x" * 1000}, inputs)
    assert len(long) < 120 and long.startswith("m/v #")


# -- the store ----------------------------------------------------------------------------


def test_the_history_keeps_the_latest_run_times_per_key(history: TimingHistory) -> None:
    assert history.durations("a") == []
    for i in range(1, KEEP + 11):
        history.record("a", float(i))
    history.record("b", 99.0)
    history.record("a", float("nan"))
    # Queued writes are seen before they reach the file...
    assert history.durations("a") == [float(i) for i in range(11, KEEP + 11)]
    history.flush()
    # ...and by another reader once written.
    other = TimingHistory(history.path)
    assert other.durations("a") == [float(i) for i in range(11, KEEP + 11)]
    assert other.durations("b") == [99.0]
    other.close()


def test_a_key_is_read_from_the_file_once_then_kept_in_memory(tmp_path: Path) -> None:
    path = tmp_path / "timings.sqlite3"
    first, second = TimingHistory(path), TimingHistory(path)
    first.record("a", 1.0)
    first.flush()
    assert second.durations("a") == [1.0]
    first.record("a", 2.0)
    first.flush()
    second.record("a", 3.0)
    # The second process keeps what it read and what it learned; the next one sees all.
    assert second.durations("a") == [1.0, 3.0]
    second.flush()
    third = TimingHistory(path)
    assert third.durations("a") == [1.0, 2.0, 3.0]
    for store in (first, second, third):
        store.close()


def test_values_that_are_not_run_times_are_ignored_on_read(history: TimingHistory) -> None:
    history.record("a", 1.0)
    history.flush()
    db = sqlite3.connect(history.path)
    hostile: list[object] = [
        "3.5",
        None,
        b"\x00\x01",
        1e308,
        float("inf"),
        -1.0,
        0.0,
        86_400.5,
        86_400.0,
        2.0,
    ]
    # SQLite stores whatever it is given in a REAL column (and NOT NULL is dropped here).
    db.execute("CREATE TABLE loose AS SELECT * FROM runs")
    db.execute("DROP TABLE runs")
    db.execute("CREATE TABLE runs (id INTEGER PRIMARY KEY, key TEXT, seconds)")
    db.execute("INSERT INTO runs SELECT * FROM loose")
    db.executemany("INSERT INTO runs (key, seconds) VALUES ('a', ?)", [(v,) for v in hostile])
    db.commit()
    db.close()
    fresh = TimingHistory(history.path)
    assert fresh.durations("a") == [1.0, 86_400.0, 2.0]
    fresh.close()


def test_a_broken_history_file_turns_learning_off_with_one_debug_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "timings.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    store = TimingHistory(path)
    with caplog.at_level(logging.DEBUG, logger="runcomfy_models"):
        assert store.durations("a") == []
        store.record("a", 3.0)
        store.flush()
        assert store.durations("a") == []
    assert store.broken
    assert len([r for r in caplog.records if "turned off" in r.getMessage()]) == 1
    assert path.read_bytes() == b"this is not a database" * 100


@pytest.mark.parametrize(
    "folder",
    ["x" * 5000, "a\x00b"],
    ids=["over-long path", "NUL in the path"],
)
def test_a_cache_folder_that_cannot_even_be_checked_turns_learning_off(
    tmp_path: Path, folder: str
) -> None:
    history = default_history({"RUNCOMFY_CACHE_DIR": str(tmp_path / folder)})
    assert history is not None
    assert history.durations("a") == []
    history.record("a", 3.0)
    history.flush()
    assert history.durations("a") == [] and history.broken


def test_a_history_in_a_folder_that_is_a_file_turns_learning_off(tmp_path: Path) -> None:
    (tmp_path / "cache").write_text("a file, not a folder")
    store = TimingHistory(tmp_path / "cache" / "timings.sqlite3")
    store.record("a", 3.0)
    store.flush()
    assert store.broken and store.durations("a") == []


def _record_many(path: str, key: str) -> None:
    store = TimingHistory(Path(path))
    for i in range(1, 21):
        store.record(key, float(i))
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


def test_where_the_history_lives_and_how_to_turn_it_off(tmp_path: Path) -> None:
    assert history_folder({"RUNCOMFY_CACHE_DIR": str(tmp_path)}) == tmp_path
    assert history_folder({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "runcomfy-models"
    assert default_history({"RUNCOMFY_TIMING_HISTORY": "off"}) is None
    on = default_history({"RUNCOMFY_CACHE_DIR": str(tmp_path)})
    assert on is not None and on.path == tmp_path / "timings.sqlite3"


def test_memory_timings_keep_the_latest_valid_run_times() -> None:
    memory = MemoryTimings()
    for i in range(1, KEEP + 6):
        memory.record("a", float(i))
    memory.record("a", -3.0)
    memory.record(None, 3.0)
    assert memory.durations("a") == [float(i) for i in range(6, KEEP + 6)]
    assert memory.durations(None) == []


@given(st.one_of(st.floats(allow_nan=True), st.integers(), st.text(), st.none(), st.booleans()))
def test_a_valid_run_time_is_a_finite_number_above_zero_up_to_a_day(value: object) -> None:
    seconds = valid_seconds(value)
    if seconds is not None:
        assert 0 < seconds <= 86_400 and not isinstance(value, bool | str)


# -- what a job teaches -------------------------------------------------------------------


def test_a_job_seen_running_at_its_first_poll_teaches_the_servers_run_time() -> None:
    seen = RunSeen(from_submit=True)
    seen.saw("in_progress", 0.05)
    assert seen.run_seconds(finished(3.7), elapsed=4.4) == pytest.approx(3.7)


def test_queue_time_seen_is_not_learned_as_run_time() -> None:
    seen = RunSeen(from_submit=True)
    for at in (0.0, 2.0, 28.0):
        seen.saw("in_queue", at)
    seen.saw("in_progress", 30.0)
    seen.saw("in_queue", 31.0)  # a late word changes nothing once it was seen running
    assert seen.run_seconds(finished(28.0 + 0.3), elapsed=31.8) == pytest.approx(0.3)


def test_without_server_timestamps_the_client_clock_measures_the_run() -> None:
    seen = RunSeen(from_submit=True)
    seen.saw("in_queue", 0.0)
    seen.saw("in_progress", 2.0)
    assert seen.run_seconds(finished(None), elapsed=6.5) == pytest.approx(6.5)


@pytest.mark.parametrize(
    ("from_submit", "states", "result"),
    [
        (True, ["in_queue"], finished(5.0)),  # never seen running
        (False, ["in_progress"], finished(5.0)),  # picked up already running: queue unseen
        (False, [], finished(5.0)),  # picked up already done
        (True, ["in_progress"], finished(5.0, "failed")),
    ],
)
def test_what_was_not_seen_teaches_nothing(
    from_submit: bool, states: list[str], result: JobResult
) -> None:
    seen = RunSeen(from_submit=from_submit)
    for at, state in enumerate(states):
        seen.saw(state, float(at))
    assert seen.run_seconds(result, elapsed=40.0) is None


def test_a_job_first_polled_at_its_expected_end_teaches_the_servers_time_up_to_that_poll() -> None:
    seen = RunSeen(from_submit=True, polled_at_once=False)
    assert seen.run_seconds(finished(0.48), elapsed=0.525) == pytest.approx(0.48)  # faster
    # A queue wait inside the server's time can only lengthen it up to the poll, no further.
    assert seen.run_seconds(finished(9.0), elapsed=0.525) == pytest.approx(0.525)
    # A job polled at once and never seen running still teaches nothing.
    assert RunSeen(from_submit=True).run_seconds(finished(0.48), elapsed=0.525) is None


def test_a_job_first_polled_late_but_seen_waiting_teaches_nothing_it_did_not_see() -> None:
    seen = RunSeen(from_submit=True, polled_at_once=False)
    seen.saw("in_queue", 0.525)
    assert seen.run_seconds(finished(0.9), elapsed=1.0) is None


def test_server_timestamps_that_make_no_sense_leave_the_client_clock_to_measure() -> None:
    seen = RunSeen(from_submit=True)
    seen.saw("in_progress", 0.0)
    assert seen.run_seconds(finished(10 * 86_400.0), elapsed=40.0) == pytest.approx(40.0)


def test_a_job_picked_up_while_queued_teaches_by_the_clients_clock() -> None:
    seen = RunSeen(from_submit=False)
    seen.saw("in_queue", 0.0)
    seen.saw("in_progress", 2.0)
    # created_at says it waited long before it was picked up: that is not its run time.
    assert seen.run_seconds(finished(300.0), elapsed=7.0) == pytest.approx(7.0)


def test_server_durations_are_read_only_when_sane() -> None:
    assert job_seconds(finished(3.0)) == pytest.approx(3.0)
    unreadable = JobResult(request_id="r", state="succeeded", created_at="x", finished_at="y")
    assert job_seconds(unreadable) is None
    assert job_seconds(finished(-3.0)) is None
