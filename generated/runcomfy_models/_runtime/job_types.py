"""Typed views of the status, result and cancel answers of the API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, get_args

__all__ = [
    "CancelOutcome",
    "CancelOutcomeValue",
    "JobResult",
    "JobState",
    "JobStatus",
    "ResultState",
]

JobState = Literal["in_queue", "in_progress", "completed", "cancelled"]
"""States reported by ``/status``. ``completed`` does not mean succeeded."""

ResultState = Literal["succeeded", "failed", "in_queue", "in_progress", "cancelled"]
"""States reported by ``/result``: the only source of a job's outcome."""

CancelOutcomeValue = Literal["cancelled", "not_cancellable"]

JOB_STATES: frozenset[str] = frozenset(get_args(JobState))
RESULT_STATES: frozenset[str] = frozenset(get_args(ResultState))
CANCEL_OUTCOMES: frozenset[str] = frozenset(get_args(CancelOutcomeValue))
FINAL_RESULT_STATES: frozenset[str] = frozenset({"succeeded", "failed", "cancelled"})


@dataclass(frozen=True)
class JobStatus:
    """Progress of a job, as reported by ``GET /v1/requests/{id}/status``."""

    request_id: str
    state: JobState
    queue_position: int | None = None

    @property
    def is_done(self) -> bool:
        """True once the job stopped (completed or cancelled); read the result for the outcome."""
        return self.state in ("completed", "cancelled")


@dataclass(frozen=True)
class JobResult:
    """Outcome of a job, as reported by ``GET /v1/requests/{id}/result``."""

    request_id: str
    state: ResultState
    output: dict[str, Any] | None = None
    error: Any = None
    cost: Any = None
    created_at: str | None = None
    finished_at: str | None = None

    @property
    def is_final(self) -> bool:
        """True when the job will not change any more (succeeded, failed or cancelled)."""
        return self.state in FINAL_RESULT_STATES

    @property
    def error_message(self) -> str | None:
        """A readable form of ``error`` (the server sends a string or an object)."""
        return describe_error(self.error)


@dataclass(frozen=True)
class CancelOutcome:
    """Answer to a cancel request.

    ``not_cancellable`` means the job is running or done: it will finish and be billed.
    """

    request_id: str
    outcome: CancelOutcomeValue

    @property
    def cancelled(self) -> bool:
        return self.outcome == "cancelled"


def describe_error(error: Any) -> str | None:
    """Turn the ``error`` field of a result (string, object or absent) into a message."""
    if error is None or error == "" or error == {}:
        return None
    if isinstance(error, str):
        return error
    if isinstance(error, dict):
        for key in ("message", "error_message", "detail", "error"):
            value = error.get(key)
            if isinstance(value, str) and value:
                return value
    return str(error)
