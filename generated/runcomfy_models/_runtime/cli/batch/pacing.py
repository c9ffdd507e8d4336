"""When the batch polls a job: the poll policy, informed by how long this batch's jobs take.

Polling blind, a job is seen finished only at the first poll after its end: with
the policy's intervals growing by ``factor``, up to a third of its run time late
(at most the policy's longest interval), and each poll before the end costs a
request. The jobs of one batch run
the same model and usually take similar times, and ``/result`` reports when
each finished job was created and when it finished. So, once a few jobs have
finished, the first poll of a new job waits as long as the quickest quarter of
them took (a poll any sooner would find at least three in four still running);
from there the policy's intervals apply, so a job that runs
longer than usual is still found quickly. Until then, and whenever the jobs are
quicker than the policy's first interval, the policy alone decides: the
estimate can only delay the first poll, never bring it forward, and never past
the policy's longest interval.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterator
from datetime import datetime
from typing import Final

from ...config import PollPolicy
from ...job_types import JobResult

__all__ = ["PollPacer", "run_seconds"]

# How many recent durations the estimate looks at, and how many it needs.
WINDOW: Final = 64
MIN_SAMPLES: Final = 4
# The share of recent jobs that had finished by the time a new job is first polled.
QUANTILE: Final = 0.25
# Durations beyond this (a day) are taken for a clock glitch and ignored.
_LONGEST: Final = 86_400.0


class PollPacer:
    """The waits between polls of each job of one batch."""

    def __init__(self, policy: PollPolicy) -> None:
        self.policy = policy
        self._durations: deque[float] = deque(maxlen=WINDOW)
        self._estimate: float | None = None

    @property
    def estimate(self) -> float | None:
        """Seconds within which one in four recent jobs had finished; None until known."""
        return self._estimate

    def record(self, result: JobResult) -> None:
        """Learn from a finished job's ``created_at`` and ``finished_at``, if it has both."""
        seconds = run_seconds(result)
        if seconds is None:
            return
        self._durations.append(seconds)
        if len(self._durations) >= MIN_SAMPLES:
            ordered = sorted(self._durations)
            self._estimate = ordered[math.floor(QUANTILE * (len(ordered) - 1))]

    def waits(self, *, just_submitted: bool) -> Iterator[float]:
        """Seconds to wait before each poll of one job (endless).

        A job submitted a moment ago is first polled after the policy's first
        interval, or later if this batch's jobs take longer, but never later than
        the policy's longest interval (``--poll-interval``): a job quicker than
        most is still seen as soon as plain polling would see it. A job picked up
        from the journal (of unknown age) is polled at once. Then the policy's
        intervals follow, growing to its cap.
        """
        policy = self.policy
        if just_submitted:
            first = policy.initial
            if self._estimate is not None:
                first = max(first, min(self._estimate, policy.max_interval))
            yield first
            interval = policy.next_interval(policy.initial)
        else:
            yield 0.0
            interval = policy.initial
        while True:
            yield interval
            interval = policy.next_interval(interval)


def run_seconds(result: JobResult) -> float | None:
    """From creation to the end, by the server's clock; None if unknown or implausible."""
    if result.created_at is None or result.finished_at is None:
        return None
    try:
        seconds = (
            datetime.fromisoformat(result.finished_at) - datetime.fromisoformat(result.created_at)
        ).total_seconds()
    except (TypeError, ValueError):  # unreadable, or one naive and one aware
        return None
    return seconds if 0.0 <= seconds <= _LONGEST else None
