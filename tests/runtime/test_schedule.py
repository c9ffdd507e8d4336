"""The learned poll schedule: windows, regimes, caps and the request budget (pure, no clock)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from runcomfy_models._runtime import PollPolicy
from runcomfy_models._runtime.schedule import (
    Schedule,
    Window,
    current_runs,
    target_lag,
    windows_of,
)

POLICY = PollPolicy()  # every 2 s, as RunComfy's CLI; every sleep at most 30 s


def simulate(schedule: Schedule, run: float, queue: float = 0.0) -> tuple[int, float]:
    """Polls (after the first, immediate one) until a job that queues ``queue`` s and runs
    ``run`` s is seen done, and how late."""
    elapsed, polls = 0.0, 0
    while elapsed < queue + run:
        elapsed += schedule.next_sleep(elapsed, queued=elapsed < queue)
        polls += 1
    return polls, elapsed - (queue + run)


def fixed_polls(end: float, interval: float = 2.0) -> int:
    """What polling every ``interval`` s spends on a job that ends ``end`` s after its submit."""
    return math.ceil(end / interval)


def learn(
    history: list[float], runs: list[float], *, queue: float = 0.0
) -> list[tuple[int, float]]:
    """Polls and lag of each job in turn, each learning its run time as ``wait`` does."""
    seen = []
    for run in runs:
        seen.append(simulate(Schedule(POLICY, history), run, queue))
        history.append(run)
    return seen


def test_without_history_it_is_the_policy() -> None:
    schedule = Schedule(POLICY, [1.0, 2.0])  # too few to trust
    assert schedule.window is None
    assert [schedule.next_sleep(0.0) for _ in range(3)] == [2.0, 2.0, 2.0]


def test_window_percentiles() -> None:
    assert Window.of([5.0, 1.0, 3.0]) == Window(low=1.0, median=3.0, high=5.0)
    many = [float(i) for i in range(1, 101)]
    assert Window.of(many[-20:]) == Window(low=83.0, median=91.0, high=99.0)


@pytest.mark.parametrize("duration", [1.0, 3.7, 8.2, 21.5, 60.0, 300.0])
def test_with_a_known_duration_the_job_is_found_at_once_with_few_requests(
    duration: float,
) -> None:
    polls, lag = simulate(Schedule(POLICY, [duration] * 5), duration)
    assert lag <= target_lag(duration)
    assert polls <= fixed_polls(duration)


def test_history_values_that_are_not_run_times_are_ignored() -> None:
    junk = [math.nan, math.inf, -math.inf, -1.0, 0.0, 1e308, 86_400.5, True]
    assert current_runs([*junk, 5.0, *junk, 5.0, 5.0]) == [5.0, 5.0, 5.0]
    assert Schedule(POLICY, junk * 3).window is None


def test_three_runs_at_a_new_run_time_start_a_new_regime() -> None:
    old, new = [3.7] * 20, [12.3] * 3
    assert current_runs(old + new[:2]) == (old + new[:2])[-20:]  # two may be a fluke
    assert current_runs(old + new) == new
    assert current_runs(old + new + [12.0, 12.5]) == [*new, 12.0, 12.5]
    # Within the lag of the old window: the same regime.
    assert len(current_runs(old + [3.9] * 3)) == 20


@pytest.mark.parametrize(("before", "after"), [(3.7, 12.3), (12.3, 3.7), (60.0, 20.0)])
def test_after_three_runs_at_a_new_run_time_the_lag_is_back_on_target(
    before: float, after: float
) -> None:
    """Every job stays within fixed polling's requests plus two; from the fourth job at the
    new run time on (and in fact from the second: the newest runs get a window of their own
    until they make a regime), the lag is within max(0.5 s, 5%)."""
    rounds = learn([before] * 20, [after] * 8)
    for polls, _ in rounds:
        assert polls <= fixed_polls(after) + 2
    for _, lag in rounds[1:]:
        assert lag <= target_lag(after) + 1e-9


def test_the_newest_runs_that_left_the_window_get_a_window_of_their_own() -> None:
    old = [3.7] * 10
    assert windows_of(old) == (Window(3.7, 3.7, 3.7),)
    assert windows_of([*old, 12.3]) == (Window(3.7, 3.7, 3.7), Window(12.3, 12.3, 12.3))
    assert windows_of([*old, 12.0, 12.6]) == (Window(3.7, 3.7, 3.7), Window(12.0, 12.6, 12.6))
    assert windows_of([*old, 1.0, 1.2, 1.1]) == (Window(1.0, 1.1, 1.2),)  # a new regime
    assert windows_of([*old, 3.9]) == (Window.of([*old, 3.9]),)  # within the lag: the same


def test_a_job_is_looked_for_in_both_windows_never_in_the_gap() -> None:
    schedule = Schedule(POLICY, [3.7] * 10 + [12.3])
    elapsed, polls = 0.0, []
    while elapsed < 12.3:
        elapsed += schedule.next_sleep(elapsed)
        polls.append(round(elapsed, 2))
    assert polls == [3.95, 4.45, 12.61]


def test_a_job_that_outlives_its_window_is_polled_at_the_policys_interval_at_once() -> None:
    schedule = Schedule(POLICY, [3.7] * 5)
    elapsed, sleeps = 0.0, []
    while elapsed < 30.0:
        sleep = schedule.next_sleep(elapsed)
        sleeps.append((elapsed, sleep))
        elapsed += sleep
    late = [sleep for at, sleep in sleeps if at >= 3.7 + target_lag(3.7)]
    assert late and all(sleep == pytest.approx(2.0) for sleep in late)


def test_the_policys_max_interval_caps_every_sleep_the_first_included() -> None:
    capped = PollPolicy(initial=1.0, max_interval=5.0)
    schedule = Schedule(capped, [86_400.0] * 3)  # legal, but a day
    assert schedule.next_sleep(0.0) == 5.0
    assert schedule.next_sleep(5.0) == 5.0
    # The default policy still polls a job that is expected to run for a day every 30 s.
    assert Schedule(POLICY, [86_400.0] * 3).next_sleep(0.0) == 30.0


def test_a_queued_job_moves_the_window_and_is_polled_at_the_policys_pace() -> None:
    schedule = Schedule(POLICY, [10.0] * 5)
    assert schedule.next_sleep(0.0, queued=True) == 2.0  # stays in touch while queued
    # Seen queued at 30 s: it cannot finish before 30 + 10 s; the first poll then comes a
    # quarter second past the latest finish seen (10 s), well within the lag of 0.5 s.
    assert schedule.next_sleep(30.0, queued=True, queue_position=2) == 2.0
    assert schedule.next_sleep(32.0) == pytest.approx(8.25)


@given(
    history=st.lists(
        st.one_of(st.floats(0.05, 600.0), st.floats(allow_nan=True, allow_infinity=True)),
        max_size=60,
    ),
    run=st.floats(0.01, 900.0),
    queue=st.sampled_from([0.0, 0.0, 3.0, 45.0]),
)
def test_a_job_never_costs_more_than_fixed_polling_plus_two_requests(
    history: list[float], run: float, queue: float
) -> None:
    schedule = Schedule(POLICY, history)
    elapsed, polls = 0.0, 0
    while elapsed < queue + run:
        sleep = schedule.next_sleep(elapsed, queued=elapsed < queue)
        assert 0 < sleep <= POLICY.max_interval
        elapsed += sleep
        polls += 1
    assert polls <= fixed_polls(queue + run) + 2


# -- the batch's tighter pacing -----------------------------------------------------------------


def test_the_first_poll_can_wait_for_the_expected_end_only_with_history() -> None:
    assert Schedule(POLICY, [1.0, 2.0]).first_sleep(0.0) is None
    # Runs that all took the same time: a batch polls when they end, no later.
    same = Schedule(POLICY, [0.5] * 5, min_lag=0.05, tight=True)
    assert same.first_sleep(0.0) == pytest.approx(0.5)
    assert same.first_sleep(0.3) == pytest.approx(0.2)
    assert same.first_sleep(0.495) is None  # already there: poll at once
    # A narrow window: one poll, as far past its end as the window is wide.
    close = Schedule(POLICY, [0.5, 0.51, 0.52] * 2, min_lag=0.05, tight=True)
    assert close.first_sleep(0.0) == pytest.approx(0.54)
    # A wider one: its start and a lag.
    wide = Schedule(POLICY, [0.45, 0.5, 0.55] * 2, min_lag=0.05, tight=True)
    assert wide.first_sleep(0.0) == pytest.approx(0.5)
    # wait's own schedule pays at least half a second, and a half lag past the end.
    assert Schedule(POLICY, [0.5] * 5).first_sleep(0.0) == pytest.approx(0.75)


def test_the_first_sleep_keeps_the_policys_cap() -> None:
    capped = PollPolicy(initial=0.5, factor=2.0, max_interval=3.0)
    assert Schedule(capped, [40.0] * 5, min_lag=0.05, tight=True).first_sleep(0.0) == 3.0


@given(
    st.lists(st.floats(min_value=0.05, max_value=20.0), min_size=3, max_size=20),
    st.floats(min_value=0.0, max_value=1.0),
)
def test_a_tight_schedule_finds_a_job_ending_in_its_window_within_three_polls(
    runs: list[float], where: float
) -> None:
    """(Runs of at most 20 s: longer, the policy's 30 s cap on a sleep can add a poll.)"""
    schedule = Schedule(POLICY, runs, min_lag=0.05, tight=True)
    window = schedule.windows[0]
    end = window.low + where * (window.high - window.low)
    sleep = schedule.first_sleep(0.0)
    elapsed, polls = (sleep or 0.0), 1
    while elapsed < end:
        elapsed += schedule.next_sleep(elapsed)
        polls += 1
    assert polls <= 3
    lag = max(0.05, 0.05 * window.median, (window.high - window.low) / 2)
    assert elapsed - end <= min(lag, POLICY.max_interval) + 1e-9
