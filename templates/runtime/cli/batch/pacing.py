"""When the batch polls a job: the same learned schedule as ``wait``, fed by this batch's jobs.

The jobs of one batch run the same model and usually take similar times, and
``/result`` reports when each finished job was created and when it finished.
The pacer keeps the recent durations (starting from the machine's timing
history of the model, when there is one) and gives each new job a
:class:`~...schedule.Schedule` over them: no poll before the earliest expected
finish, dense polls around it, a back-off after. A job picked up from the
journal is of unknown age: it is polled at once, then by the policy alone.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import Final

from ...config import PollPolicy
from ...job_types import JobResult
from ...schedule import Schedule
from ...timings import TimingHistory, run_seconds

__all__ = ["PollPacer"]

# How many recent durations the schedule looks at.
WINDOW: Final = 64


class PollPacer:
    """The schedules of the jobs of one batch."""

    def __init__(
        self,
        policy: PollPolicy,
        *,
        model_id: str | None = None,
        timings: TimingHistory | None = None,
    ) -> None:
        self.policy = policy
        self.model_id = model_id
        self.timings = timings
        known: Iterable[float] = timings.durations(model_id) if timings is not None else ()
        self._durations: deque[float] = deque(known, maxlen=WINDOW)

    @property
    def durations(self) -> list[float]:
        return list(self._durations)

    def record(self, result: JobResult, queued: float = 0.0) -> None:
        """Learn a succeeded job's run time (see :func:`~...timings.run_seconds`)."""
        seconds = run_seconds(result, queued)
        if seconds is None:
            return
        self._durations.append(seconds)
        if self.timings is not None:
            self.timings.record(self.model_id, result, queued)

    def schedule(self, *, just_submitted: bool) -> Schedule:
        """The schedule of one job; one picked up from the journal gets the policy alone."""
        return Schedule(self.policy, self._durations if just_submitted else ())
