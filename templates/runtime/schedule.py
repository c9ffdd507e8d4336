"""When to poll a job: as a person who knows the model would, from how long its jobs took.

Polling blind at a fixed interval ``i`` finds a finished job ``i/2`` late on
average and spends one request per ``i`` seconds of waiting. Knowing that this
model's jobs take between ``low`` and ``high`` seconds here, a poll before
``low`` is wasted and a job still running after ``high`` is late. So a
:class:`Schedule` first polls at ``min(high + lag/2, low + lag)`` (a job ending in
the window is then found at most ``lag`` late, and a narrow window costs one poll),
then every ``lag`` seconds until a little after ``high``, then backs off. ``lag`` is the lag
worth paying: half a second, or 5% of the expected duration for long jobs.

Without history it follows the poll policy: by default every 2 seconds, as
RunComfy's own CLI polls. The policy's ``max_interval`` caps every wait once a
job may have finished (the dense ``lag`` and the back-off after the window).

The history holds run times (see :mod:`.timings`). A job seen waiting in the
queue cannot finish before it runs: the expected window starts from the last
moment it was seen queued, so the dense polling waits for the run.

This module is pure: no clock, no I/O. Durations come from
:class:`~.timings.TimingHistory`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from .config import PollPolicy

__all__ = ["MIN_SAMPLES", "Schedule", "Window", "target_lag"]

# How many finished jobs of a model the schedule needs before it trusts them.
MIN_SAMPLES: Final = 3
# The lag worth paying: this share of the expected duration, but at least MIN_LAG seconds.
LAG_SHARE: Final = 0.05
MIN_LAG: Final = 0.5
# After the expected window, intervals grow by this factor up to this share of the time waited.
BACKOFF: Final = 1.5
LATE_SHARE: Final = 0.1
# The shortest sleep it asks for (a wait that rounds to nothing would poll in a loop).
MIN_SLEEP: Final = 0.01


def target_lag(expected: float) -> float:
    """How late a finished job may be found, for a job expected to take ``expected`` seconds."""
    return max(MIN_LAG, LAG_SHARE * expected)


@dataclass(frozen=True)
class Window:
    """Where this model's jobs usually finish, in seconds after their submit."""

    low: float
    median: float
    high: float

    @classmethod
    def of(cls, durations: Sequence[float]) -> Window | None:
        """The 10th, 50th and 90th percentiles of past durations; None with too few."""
        if len(durations) < MIN_SAMPLES:
            return None
        ordered = sorted(durations)

        def at(share: float) -> float:
            return ordered[min(len(ordered) - 1, math.floor(share * len(ordered)))]

        return cls(low=ordered[0] if len(ordered) < 10 else at(0.1), median=at(0.5), high=at(0.9))


class Schedule:
    """The sleeps between polls of one job; ``next_sleep`` is told what the last poll saw."""

    def __init__(self, policy: PollPolicy, durations: Sequence[float] = ()) -> None:
        self.policy = policy
        self.window = Window.of(durations)
        self._interval = policy.initial
        self.queued_for = 0.0
        """Seconds after the submit at which the job was last seen waiting in the queue."""
        self._late_interval: float | None = None

    def next_sleep(
        self, elapsed: float, *, queued: bool = False, queue_position: int | None = None
    ) -> float:
        """Seconds to sleep before the next poll, ``elapsed`` seconds after the submit.

        ``queued`` (with ``queue_position`` when known) says the last poll found the job
        still waiting for a GPU.
        """
        window = self.window
        if queued or (queue_position is not None and queue_position > 0):
            # Not running yet: its run cannot have started before now.
            self.queued_for = max(self.queued_for, elapsed)
        if window is None:
            return self._policy_sleep()
        cap = self.policy.max_interval
        lag = min(target_lag(window.median), cap)
        low = window.low + self.queued_for
        high = window.high + self.queued_for
        if queued:
            return cap  # stay in touch at the policy's pace until it runs
        # The first poll that can find it: a job ending anywhere in [low, first] is found at
        # most ``lag`` late, and a window narrower than ``lag`` needs one poll only (with some
        # room past ``high``: the next job may be a little slower than any seen so far).
        first = min(high + lag / 2, low + lag)
        if elapsed < first:
            return max(first - elapsed, MIN_SLEEP)
        if elapsed < high + lag:
            return lag
        previous = self._late_interval or lag
        self._late_interval = min(previous * BACKOFF, max(lag, LATE_SHARE * elapsed), cap)
        return self._late_interval

    def _policy_sleep(self) -> float:
        sleep = self._interval
        self._interval = self.policy.next_interval(self._interval)
        return sleep
