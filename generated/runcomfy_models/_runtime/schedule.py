"""When to poll a job: as a person who knows the model would, from how long its jobs ran.

Polling blind at a fixed interval ``i`` finds a finished job ``i/2`` late on
average and spends one request per ``i`` seconds of waiting. Knowing that this
model's jobs (with these timing inputs) run between ``low`` and ``high`` seconds
here, a poll before ``low`` is wasted and a job still running after ``high`` is
late. So a :class:`Schedule` first polls at ``min(high + lag/2, low + lag)`` (a
job ending in the window is then found at most ``lag`` late, and a narrow window
costs one poll; a batch's room past ``high`` is the window's width), then
every ``lag`` seconds until ``high + lag``. ``lag`` is the
lag worth paying: half a second, or 5% of the expected run time for long jobs.

Three rules keep it honest when run times change:

- *Recent runs weigh more.* The window is taken over the last ``RECENT`` runs of
  the current *regime*: once ``SHIFT_RUNS`` runs in a row land outside the window
  of the runs before them (on the same side, by more than the lag), the older
  runs are forgotten. So after 3 runs at a new run time the window is theirs.
  Until then the newest runs that left the window get a window of their own, and
  a job is looked for in both, earliest first (never in the gap between them).
- *Outliving the windows ends the guessing.* Once a job is still running after
  the last ``high + lag``, polling returns at once to the policy's fixed interval.
- *Never much dearer than fixed polling.* A poll never comes before the policy's
  fixed polling would have made two fewer polls, so a job costs at most two
  requests more than polling at the policy's interval (by default every 2 s, as
  RunComfy's own CLI polls); and the policy's ``max_interval`` caps every sleep,
  the first one included.

Without history, it follows the policy. While a job is seen waiting in the
queue it polls at the policy's pace, and the window starts from the last moment
the job was seen queued (it cannot finish before it runs).

This module is pure: no clock, no I/O. Run times come from :mod:`.timings`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from .config import PollPolicy
from .timings import KEEP, valid_seconds

__all__ = ["MIN_SAMPLES", "Schedule", "Window", "current_runs", "target_lag", "windows_of"]

# How many runs of a key the schedule needs before it trusts them.
MIN_SAMPLES: Final = 3
# The window looks at this many of the latest runs of the current regime.
RECENT: Final = 20
# This many runs in a row outside the window of the runs before them start a new regime.
SHIFT_RUNS: Final = 3
# The lag worth paying: this share of the expected run time, but at least MIN_LAG seconds.
LAG_SHARE: Final = 0.05
MIN_LAG: Final = 0.5
# How many polls a job may be ahead of the policy's fixed polling.
EXTRA_POLLS: Final = 2
# The shortest sleep it asks for (a wait that rounds to nothing would poll in a loop).
MIN_SLEEP: Final = 0.01


def target_lag(expected: float, floor: float = MIN_LAG) -> float:
    """How late a finished job may be found, for a job expected to run ``expected`` seconds
    (at least ``floor``)."""
    return max(floor, LAG_SHARE * expected)


@dataclass(frozen=True)
class Window:
    """Where a key's runs usually end, in seconds after they start."""

    low: float
    median: float
    high: float

    @classmethod
    def of(cls, durations: Sequence[float]) -> Window | None:
        """The 10th, 50th and 90th percentiles of past run times; None with too few."""
        if len(durations) < MIN_SAMPLES:
            return None
        ordered = sorted(durations)

        def at(share: float) -> float:
            return ordered[min(len(ordered) - 1, math.floor(share * len(ordered)))]

        return cls(low=ordered[0] if len(ordered) < 10 else at(0.1), median=at(0.5), high=at(0.9))


def current_runs(durations: Sequence[float]) -> list[float]:
    """The valid run times of the current regime (oldest first), at most ``RECENT`` of them."""
    runs = [s for s in (valid_seconds(d) for d in durations) if s is not None][-KEEP:]
    start = 0
    for first in range(MIN_SAMPLES, len(runs) - SHIFT_RUNS + 1):
        if first - start < MIN_SAMPLES:
            continue
        before = Window.of(runs[max(start, first - RECENT) : first])
        if before is not None and _left(runs[first : first + SHIFT_RUNS], before):
            start = first
    return runs[start:][-RECENT:]


def _left(runs: Sequence[float], before: Window) -> bool:
    """Whether all of ``runs`` lie beyond ``before`` on one side, by more than its lag."""
    margin = target_lag(before.median)
    return all(s > before.high + margin for s in runs) or all(s < before.low - margin for s in runs)


def windows_of(durations: Sequence[float]) -> tuple[Window, ...]:
    """Where the next run should end, earliest window first; () without enough history.

    One window over the current regime, or two while its newest runs (fewer than
    ``SHIFT_RUNS``) have left the window of the runs before them.
    """
    runs = current_runs(durations)
    for newest in range(SHIFT_RUNS - 1, 0, -1):
        before = Window.of(runs[:-newest]) if len(runs) > newest else None
        if before is not None and _left(runs[-newest:], before):
            latest = sorted(runs[-newest:])
            new = Window(low=latest[0], median=latest[len(latest) // 2], high=latest[-1])
            return tuple(sorted((before, new), key=lambda w: w.low))
    window = Window.of(runs)
    return () if window is None else (window,)


class _FixedPolling:
    """When polling at the policy's intervals would poll: at once, then after each interval."""

    def __init__(self, policy: PollPolicy) -> None:
        self._policy = policy
        self._times = [0.0]
        self._next = policy.initial

    def time_of(self, poll: int) -> float:
        """The moment of the ``poll``-th poll (1 is the one made at once); 0 before it."""
        if poll <= 1:
            return 0.0
        while len(self._times) < poll:
            self._times.append(self._times[-1] + self._next)
            self._next = self._policy.next_interval(self._next)
        return self._times[poll - 1]


@lru_cache(maxsize=64)
def _windows(durations: tuple[float, ...]) -> tuple[tuple[Window, ...], Window | None]:
    """:func:`windows_of` and the one window of the current regime, computed once for the
    many jobs that share a history (a batch's jobs, between two of them ending)."""
    windows = windows_of(durations)
    return windows, (Window.of(current_runs(durations)) if windows else None)


class Schedule:
    """The sleeps between polls of one job; ``next_sleep`` is told what the last poll saw.

    The caller polls once at once (or first sleeps :meth:`first_sleep`, when that is not
    None), then after each sleep this returns.

    ``min_lag`` is the least lag worth paying (:data:`MIN_LAG` for one job someone waits
    for). ``tight`` is for a batch, where a finished job found late holds a worker that
    could run the next line: the lag is also at least half the window's width, so that
    the polls that look for a job in its window are no more than the two extra ones
    fixed polling allows, and the lag floor can be small.
    """

    def __init__(
        self,
        policy: PollPolicy,
        durations: Sequence[float] = (),
        *,
        min_lag: float = MIN_LAG,
        tight: bool = False,
    ) -> None:
        self.policy = policy
        self.min_lag = min_lag
        self.tight = tight
        self.windows, self.window = _windows(tuple(durations))
        """``window``: all the current regime's runs in one window (None without enough
        history)."""
        self.queued_for = 0.0
        """Seconds after the submit at which the job was last seen waiting in the queue."""
        self._fixed = _FixedPolling(policy)
        self._polls = 1
        self._interval = policy.initial
        self._late = False

    def first_sleep(self, elapsed: float) -> float | None:
        """How long to wait before the first poll, ``elapsed`` seconds after the submit, when
        the history says the job cannot have ended before; None: poll at once."""
        found = self._window_poll(elapsed)
        if found is None or elapsed >= found[0] - MIN_SLEEP:
            return None
        return min(found[0] - elapsed, self.policy.max_interval)

    def next_sleep(
        self, elapsed: float, *, queued: bool = False, queue_position: int | None = None
    ) -> float:
        """Seconds to sleep before the next poll, ``elapsed`` seconds after the submit.

        ``queued`` (with ``queue_position`` when known) says the last poll found the job
        still waiting for a GPU.
        """
        if queued or (queue_position is not None and queue_position > 0):
            # Not running yet: its run cannot have started before now.
            self.queued_for = max(self.queued_for, elapsed)
        wanted = min(self._wanted(elapsed, queued), self.policy.max_interval)
        self._polls += 1
        if not self.windows:
            return max(wanted, MIN_SLEEP)  # the policy's own polling
        earliest = self._fixed.time_of(self._polls - EXTRA_POLLS)
        return max(wanted, earliest - elapsed, MIN_SLEEP)

    def _wanted(self, elapsed: float, queued: bool) -> float:
        if not self.windows or queued:
            return self._policy_sleep()  # no history, or not running yet: the policy's pace
        found = self._window_poll(elapsed)
        if found is not None:
            first, lag = found
            if elapsed < first - MIN_SLEEP:  # (a sleep that ends a hair early is on time)
                return first - elapsed
            return lag
        if not self._late:  # it outlived its windows: back to the policy's interval at once
            self._late = True
            self._interval = self.policy.initial
        return self._policy_sleep()

    def _window_poll(self, elapsed: float) -> tuple[float, float] | None:
        """(the first poll that can find the job in the earliest window not yet passed, the
        lag there); None once every window has passed."""
        for window in self.windows:
            lag = min(self._lag(window), self.policy.max_interval)
            low = window.low + self.queued_for
            high = window.high + self.queued_for
            if elapsed >= high + lag:
                continue  # this window has passed
            # The first poll that can find it: a job ending anywhere in [low, first] is found
            # at most ``lag`` late, and a window narrower than ``lag`` needs one poll only
            # (with some room past ``high``: the next job may be a little slower than any).
            return min(high + self._room(window, lag), low + lag), lag
        return None

    def _room(self, window: Window, lag: float) -> float:
        """How far past ``high`` the first poll comes: half the lag; for a batch, the
        window's width, since runs that all end within a hair of each other will not end
        much later, and a worker waits for its next line meanwhile (the poll still reaches
        the server a round trip after the job began there). A window wider than half the
        lag is polled at ``low + lag`` either way."""
        return window.high - window.low if self.tight else lag / 2

    def _lag(self, window: Window) -> float:
        lag = target_lag(window.median, self.min_lag)
        return max(lag, (window.high - window.low) / EXTRA_POLLS) if self.tight else lag

    def _policy_sleep(self) -> float:
        sleep = self._interval
        self._interval = self.policy.next_interval(self._interval)
        return sleep
