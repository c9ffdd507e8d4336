"""Typed views of the status, result and cancel answers of the API."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "CANCEL_DESCRIPTIONS",
    "CancelOutcome",
    "CancelOutcomeValue",
    "JobResult",
    "JobState",
    "JobStatus",
    "ResultState",
]

JobState = Literal["in_queue", "in_progress", "completed", "cancelled", "unknown"]
"""States reported by ``/status``. ``completed`` does not mean succeeded.

``unknown`` stands for a word nobody documents; ``JobStatus.word`` keeps it.
"""

ResultState = Literal["succeeded", "failed", "in_queue", "in_progress", "cancelled", "unknown"]
"""States reported by ``/result``: the only source of a job's outcome.

``unknown`` stands for a word nobody documents: the job is followed until it
reports an outcome or the caller's deadline passes; ``JobResult.word`` keeps it.
"""

CancelOutcomeValue = Literal["cancelled", "requested", "not_cancellable", "unknown"]
"""``cancelled``: it will not run or be billed. ``requested``: the server took the request
and has not said yet. ``not_cancellable``: running or done, it will finish and be billed.
``unknown``: the answer did not say; check the status."""

# The words RunComfy's documentation and its own clients use, by what they mean.
QUEUED_WORDS: frozenset[str] = frozenset({"in_queue", "queued", "pending", "waiting"})
RUNNING_WORDS: frozenset[str] = frozenset({"in_progress", "running", "processing", "starting"})
SUCCEEDED_WORDS: frozenset[str] = frozenset({"succeeded", "completed"})
FAILED_WORDS: frozenset[str] = frozenset({"failed"})
CANCELLED_WORDS: frozenset[str] = frozenset({"cancelled", "canceled"})
FINAL_RESULT_STATES: frozenset[str] = frozenset({"succeeded", "failed", "cancelled"})


def status_state(word: str) -> JobState:
    """What a ``/status`` word means; any outcome word means "stopped: read /result"."""
    if word in QUEUED_WORDS:
        return "in_queue"
    if word in RUNNING_WORDS:
        return "in_progress"
    if word in CANCELLED_WORDS:
        return "cancelled"
    if word in SUCCEEDED_WORDS or word in FAILED_WORDS:
        return "completed"
    return "unknown"


def result_state(word: str, *, has_error: bool) -> ResultState:
    """What a ``/result`` word means; ``completed`` is a success unless an error came with it."""
    if word == "completed":
        return "failed" if has_error else "succeeded"
    if word in SUCCEEDED_WORDS:
        return "succeeded"
    if word in FAILED_WORDS:
        return "failed"
    if word in CANCELLED_WORDS:
        return "cancelled"
    if word in QUEUED_WORDS:
        return "in_queue"
    if word in RUNNING_WORDS:
        return "in_progress"
    return "unknown"


@dataclass(frozen=True)
class JobStatus:
    """Progress of a job, as reported by ``GET /v1/requests/{id}/status``."""

    request_id: str
    state: JobState
    queue_position: int | None = None
    word: str | None = field(default=None, compare=False)
    """The status word as the server sent it (``state`` is what it means)."""

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
    word: str | None = field(default=None, compare=False)
    """The status word as the server sent it (``state`` is what it means)."""

    @property
    def is_final(self) -> bool:
        """True when the job will not change any more (succeeded, failed or cancelled)."""
        return self.state in FINAL_RESULT_STATES

    @property
    def cost_usd(self) -> float | None:
        """``cost`` as a number of USD (asked for with ``include_cost``); None when not given."""
        cost = self.cost
        if isinstance(cost, str):
            try:
                cost = float(cost)
            except ValueError:
                return None
        if isinstance(cost, bool) or not isinstance(cost, int | float) or cost != cost:
            return None
        return float(cost)

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

    @property
    def description(self) -> str:
        """What the outcome means for the job and the bill, in one sentence."""
        return CANCEL_DESCRIPTIONS[self.outcome]


CANCEL_DESCRIPTIONS: dict[str, str] = {
    "cancelled": "It was cancelled (it was still queued): it will not run and is not billed",
    "requested": "Its cancellation was requested but not confirmed yet: check its status",
    "not_cancellable": "It could not be cancelled: it is running or done, so it will finish "
    "and be billed",
    "unknown": "The cancel answer did not say what happened: check its status",
}


def describe_error(error: Any) -> str | None:
    """Turn the ``error`` field of a result (a string, an object, a list or absent) into a message."""
    return _describe(error, 0)


def _describe(error: Any, depth: int) -> str | None:
    if error is None or error == "" or error == {} or error == []:
        return None
    if isinstance(error, str):
        return error
    if depth < 8 and isinstance(error, dict):
        for key in ("message", "error_message", "detail", "error", "msg"):
            found = _describe(error.get(key), depth + 1)
            if found:
                return found
    if depth < 8 and isinstance(error, list):
        parts = [part for part in (_describe(item, depth + 1) for item in error[:20]) if part]
        if parts:
            return "; ".join(parts)
    text = repr(error)
    return text if len(text) <= 500 else text[:500] + "..."
