"""Jobs and their lifecycle, computed from timestamps rather than driven by timers.

A job stores when it was created and how long it queues and runs; its state
at any moment follows from the clock. Nothing runs per job in the
background, so thousands of jobs in flight cost only their memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from .media import MediaPlan

JobState = Literal["in_queue", "in_progress", "succeeded", "failed", "cancelled"]
Outcome = Literal["succeeded", "failed"]

JOB_STATES: Final[tuple[JobState, ...]] = (
    "in_queue",
    "in_progress",
    "succeeded",
    "failed",
    "cancelled",
)
OUTCOMES: Final[tuple[Outcome, ...]] = ("succeeded", "failed")


@dataclass(slots=True)
class Job:
    request_id: str
    model_id: str
    created_at: float
    queue_seconds: float
    run_seconds: float
    outcome: Outcome
    media: MediaPlan
    cost: float = 0.0  # USD, once succeeded (see catalog.job_cost)
    cancelled_at: float | None = None

    @property
    def started_at(self) -> float:
        return self.created_at + self.queue_seconds

    @property
    def ends_at(self) -> float:
        return self.started_at + self.run_seconds

    def state(self, now: float) -> JobState:
        if self.cancelled_at is not None:
            return "cancelled"
        if now < self.started_at:
            return "in_queue"
        if now < self.ends_at:
            return "in_progress"
        return self.outcome

    def finished_at(self, now: float) -> float | None:
        if self.cancelled_at is not None:
            return self.cancelled_at
        return self.ends_at if now >= self.ends_at else None


@dataclass(frozen=True, slots=True)
class JobView:
    """A job as seen at one moment."""

    job: Job
    state: JobState
    queue_position: int | None  # queued jobs ahead of this one; None unless queued
    finished_at: float | None
