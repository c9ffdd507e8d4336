"""What the polls of one job saw of its run, and the run time that teaches.

Only what was seen is learned: a run time counts from the moment the job was
last seen waiting in the queue (or from the submit, for a job seen running at
its first poll) to its end, by the server's timestamps where the result has
them and the client's clock otherwise. A job never seen running teaches
nothing (unless its first poll was put off to the end of its expected run:
see :meth:`RunSeen._found_ended`), and neither does one picked up already
running (a batch resuming a journal, ``wait REQUEST_ID``): its start, and any
queue time before it, was never seen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .job_types import JobResult
from .timings import LONGEST, valid_seconds

__all__ = ["RunSeen", "job_seconds"]


def job_seconds(result: JobResult) -> float | None:
    """From creation to the end of a finished job, by the server's clock; None if unknown."""
    if result.created_at is None or result.finished_at is None:
        return None
    try:
        seconds = (
            datetime.fromisoformat(result.finished_at) - datetime.fromisoformat(result.created_at)
        ).total_seconds()
    except (TypeError, ValueError, OverflowError):  # unreadable, or one naive and one aware
        return None
    return seconds if 0.0 <= seconds <= LONGEST else None


@dataclass
class RunSeen:
    """The states one job's polls saw, by seconds since the job's submit (or since its
    following began, for a job picked up later: ``from_submit`` False)."""

    from_submit: bool
    queued_at: float | None = None
    """When it was last seen waiting in the queue before it ran."""
    running_at: float | None = None
    """When it was first seen running."""
    polled_at_once: bool = True
    """False when the first poll was put off to where the history said the job would end."""

    def saw(self, state: str, elapsed: float) -> None:
        if self.running_at is not None:
            return
        if state == "in_queue":
            self.queued_at = elapsed
        elif state == "in_progress":
            self.running_at = elapsed

    def run_seconds(self, result: JobResult, elapsed: float) -> float | None:
        """The run time ``result`` (read ``elapsed`` seconds in) teaches; None if nothing."""
        if result.state != "succeeded":
            return None
        if self.running_at is None:
            return self._found_ended(result, elapsed)
        if self.queued_at is not None:
            start = self.queued_at
        elif self.from_submit:
            start = 0.0  # seen running at the first poll after the submit
        else:
            return None  # picked up already running: its start was never seen
        end = job_seconds(result) if self.from_submit else None
        return valid_seconds((elapsed if end is None else end) - start)

    def _found_ended(self, result: JobResult, elapsed: float) -> float | None:
        """A job whose first poll, put off to the end of its expected run, found it ended.

        It teaches the server's time from its creation to its end, at most the time of
        that poll: a queue wait in it can only make the run look longer, never longer than
        the history already said (the poll came at the end of the expected window), and
        jobs that get faster are followed down. A job polled at once and never seen
        running teaches nothing.
        """
        if self.polled_at_once or not self.from_submit or self.queued_at is not None:
            return None
        end = job_seconds(result)
        return None if end is None else valid_seconds(min(end, elapsed))
