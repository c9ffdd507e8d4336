"""The I/O-free part of ``wait``, shared by ``Job`` and ``AsyncJob``.

:class:`WaitLoop` holds every decision (what to report, when the job is over,
how long to sleep, when the deadline has passed); the two ``wait`` methods
only fetch and sleep. The outcome of a job always comes from ``/result``:
``/status`` reports ``completed`` for failed runs too.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Generic

from pydantic import ValidationError

from .config import PollPolicy
from .errors import (
    PY_RAW_OUTPUT_HINT,
    PY_RESUME_HINT,
    InvalidInputError,
    JobCancelledError,
    JobFailedError,
    JobTimeoutError,
    RunComfyError,
    UnexpectedResponseError,
)
from .job_types import CancelOutcome, JobResult, JobStatus
from .model_types import OutputT
from .outputs import ModelOutput
from .run_seen import RunSeen
from .schedule import MIN_LAG, Schedule
from .timings import Timings
from .transport import DeadlineReached
from .wire import validate_request_id

__all__ = [
    "Deadline",
    "JobBase",
    "StatusCallback",
    "WaitLoop",
    "outcome_of",
    "timeout_error",
]

StatusCallback = Callable[[JobStatus], None]

logger = logging.getLogger("runcomfy_models")


class Deadline:
    """An optional point in (monotonic) time after which waiting stops."""

    def __init__(self, timeout: float | None, clock: Callable[[], float] = time.monotonic) -> None:
        if timeout is not None and (
            not isinstance(timeout, int | float) or isinstance(timeout, bool) or not timeout >= 0
        ):
            raise InvalidInputError(f"timeout must be a number of seconds >= 0, got {timeout!r}")
        self.timeout = timeout
        self._clock = clock
        self.at = None if timeout is None else clock() + timeout

    def remaining(self) -> float | None:
        return None if self.at is None else max(0.0, self.at - self._clock())

    def expired(self) -> bool:
        return self.at is not None and self._clock() >= self.at


class WaitLoop(Generic[OutputT]):
    """The state of one ``wait``: the deadline, the poll intervals and the last status seen.

    A driver calls :meth:`seen` with each status, :meth:`outcome` with the result
    once the status says the job stopped, and sleeps :meth:`next_sleep` seconds
    between polls; :meth:`next_sleep` raises DeadlineReached once time is up. A
    driver that polls ``/result`` alone (the batch) calls :meth:`result_seen`.

    ``submitted_at`` is the clock's reading right after the submit; a job rebuilt from
    its request id has none, so it is of unknown age and the policy alone paces it.
    ``timing_key`` names its run times in ``timings`` (see :func:`~.timings.timing_key`).
    ``min_lag`` and ``tight`` shape the schedule (see :class:`~.schedule.Schedule`), and
    ``poll_at_once=False`` lets a driver skip the poll at once (see :meth:`first_sleep`).
    """

    def __init__(
        self,
        *,
        request_id: str,
        model_id: str | None,
        output_type: type[OutputT],
        policy: PollPolicy,
        timeout: float | None,
        on_update: StatusCallback | None,
        clock: Callable[[], float] = time.monotonic,
        timings: Timings | None = None,
        timing_key: str | None = None,
        submitted_at: float | None = None,
        min_lag: float = MIN_LAG,
        tight: bool = False,
        poll_at_once: bool = True,
    ) -> None:
        self.request_id = request_id
        self.model_id = model_id
        self._output_type = output_type
        self._on_update = on_update
        self._clock = clock
        self.deadline = Deadline(timeout, clock)
        self._started = clock() if submitted_at is None else submitted_at
        self._seen_run = RunSeen(from_submit=submitted_at is not None)
        self._timings = timings if timing_key is not None else None
        self._key = timing_key
        known = self._known_runs() if submitted_at is not None else []
        self._schedule = Schedule(policy, known, min_lag=min_lag, tight=tight)
        self._poll_at_once = poll_at_once or submitted_at is None
        self._queued = False
        self._queue_position: int | None = None
        self._last: JobStatus | None = None
        self._last_word: str | None = None
        self._unknown_logged = False

    def seen(self, status: JobStatus) -> bool:
        """Log and report a status (only when it changed); True when ``/result`` must be read.

        That is once the job stopped, and also while ``/status`` sends a word nobody
        documents: the job is then followed through ``/result``, which reports its outcome.
        """
        log_status(status, self.model_id)
        self._note_word(status.word, status.state == "unknown")
        self._observe(status.state, status.queue_position)
        if self._on_update is not None and status != self._last:
            self._on_update(status)
        self._last = status
        return status.is_done or status.state == "unknown"

    def outcome(self, result: JobResult) -> OutputT | None:
        """The parsed output, None while ``/result`` still reports a running job."""
        self.result_seen(result)
        return outcome_of(result, self._output_type, self.model_id)

    def result_seen(self, result: JobResult) -> bool:
        """Note a ``/result`` answer (learning the run time of a finished job); True once
        the job ended."""
        self._note_word(result.word, result.state == "unknown")
        self._observe(result.state, None)
        if result.is_final:
            self._learn(result)
        return result.is_final

    @property
    def elapsed(self) -> float:
        """Seconds since the submit (or since the wait began, for a rebuilt job)."""
        return self._clock() - self._started

    def _observe(self, state: str, queue_position: int | None) -> None:
        self._seen_run.saw(state, self.elapsed)
        self._queued = state == "in_queue"
        self._queue_position = queue_position

    def _known_runs(self) -> list[float]:
        if self._timings is None:
            return []
        try:
            return self._timings.durations(self._key)
        except Exception as exc:  # local state must never cost a job
            logger.debug("job timing history not read: %s", exc)
            return []

    def _learn(self, result: JobResult) -> None:
        if self._timings is None:
            return
        try:
            seconds = self._seen_run.run_seconds(result, self.elapsed)
            if seconds is not None:
                self._timings.record(self._key, seconds)
        except Exception as exc:  # local state must never cost a job
            logger.debug("job timing history not written: %s", exc)

    def _note_word(self, word: str | None, unknown: bool) -> None:
        self._last_word = word
        if unknown and not self._unknown_logged:
            self._unknown_logged = True
            logger.warning(
                "request %s (%s): the server reports the undocumented status %r; "
                "following the job through /result until it ends or the deadline passes",
                self.request_id,
                self.model_id or "unknown model",
                word,
            )

    def first_sleep(self) -> float:
        """Seconds to wait before the first poll: 0 (poll at once), unless the loop was made
        with ``poll_at_once=False`` and the history of a job this process submitted says it
        cannot have ended before. What such a job teaches: see :class:`~.run_seen.RunSeen`."""
        if self._poll_at_once:
            return 0.0
        sleep = self._schedule.first_sleep(self.elapsed)
        if sleep is None:
            return 0.0
        self._seen_run.polled_at_once = False
        remaining = self.deadline.remaining()
        return sleep if remaining is None else min(sleep, remaining)

    def next_sleep(self) -> float:
        """Seconds to sleep before the next poll; raises DeadlineReached when time is up."""
        if self.deadline.expired():
            raise DeadlineReached()
        sleep = self._schedule.next_sleep(
            self.elapsed, queued=self._queued, queue_position=self._queue_position
        )
        remaining = self.deadline.remaining()
        return sleep if remaining is None else min(sleep, remaining)

    @property
    def last_word(self) -> str | None:
        """The status word the server sent last."""
        return self._last_word

    def timed_out(
        self,
        cancel_outcome: CancelOutcome | None = None,
        cancel_error: RunComfyError | None = None,
    ) -> JobTimeoutError:
        return timeout_error(
            self.request_id,
            self.model_id,
            self.deadline.timeout,
            cancel_outcome,
            cancel_error,
            last_status=self._last_word,
        )


def log_status(status: JobStatus, model_id: str | None) -> None:
    logger.debug(
        "request %s (%s): %s%s",
        status.request_id,
        model_id or "unknown model",
        status.state,
        "" if status.queue_position is None else f", queue position {status.queue_position}",
    )


def outcome_of(
    result: JobResult, output_type: type[OutputT], model_id: str | None
) -> OutputT | None:
    """The parsed output of a succeeded job; None while it is still running.

    Raises JobFailedError or JobCancelledError for those outcomes.
    """
    request_id = result.request_id
    if result.state == "succeeded":
        logger.info("request %s (%s) succeeded", request_id, model_id or "unknown model")
        try:
            output = output_type.model_validate(result.output or {})
        except ValidationError as exc:
            raise UnexpectedResponseError(
                f"Job {request_id} succeeded but its output does not match "
                f"{output_type.__name__}: {exc.error_count()} problem(s), first: "
                f"{exc.errors()[0]['msg']}. {PY_RAW_OUTPUT_HINT}",
                request_id=request_id,
                body=result.output,
            ) from exc
        if isinstance(output, ModelOutput):
            output._cost = result.cost_usd
        return output
    if result.state == "failed":
        message = result.error_message or "no error message given"
        logger.info("request %s (%s) failed: %s", request_id, model_id or "unknown model", message)
        raise JobFailedError(
            f"Job {request_id} failed: {message}",
            request_id=request_id,
            model_id=model_id,
            error_message=result.error_message,
            result=result,
        )
    if result.state == "cancelled":
        logger.info("request %s (%s) was cancelled", request_id, model_id or "unknown model")
        raise JobCancelledError(
            f"Job {request_id} was cancelled", request_id=request_id, model_id=model_id
        )
    return None


def timeout_error(
    request_id: str,
    model_id: str | None,
    timeout: float | None,
    cancel_outcome: CancelOutcome | None = None,
    cancel_error: RunComfyError | None = None,
    *,
    last_status: str | None = None,
) -> JobTimeoutError:
    """The error for a wait that ran out of time, describing what happened to the job."""
    waited = "the deadline" if timeout is None else f"{timeout:g}s"
    seen = f" The last status it reported was {last_status!r}." if last_status else ""
    if cancel_outcome is not None:
        fate = f"{cancel_outcome.description}."
    elif cancel_error is not None:
        fate = f"Cancelling it failed ({cancel_error}); it may still be running."
    else:
        fate = f"It is still running: {PY_RESUME_HINT}."
    logger.info("request %s: gave up waiting after %s", request_id, waited)
    return JobTimeoutError(
        f"Job {request_id} did not finish within {waited}.{seen} {fate}",
        request_id=request_id,
        model_id=model_id,
        timeout=timeout,
        cancel_outcome=cancel_outcome,
        cancel_error=cancel_error,
        last_status=last_status,
    )


class JobBase(Generic[OutputT]):
    """What ``Job`` and ``AsyncJob`` share: the identity of a job and its wait loop."""

    def __init__(
        self,
        request_id: str,
        *,
        model_id: str | None,
        output_type: type[OutputT],
        timing_key: str | None = None,
        submitted_at: float | None = None,
    ) -> None:
        self._request_id = validate_request_id(request_id)
        self._model_id = model_id
        self._output_type = output_type
        self._last_result: JobResult | None = None
        self._timing_key = timing_key
        self._submitted_at = submitted_at

    @property
    def request_id(self) -> str:
        return self._request_id

    @property
    def model_id(self) -> str | None:
        return self._model_id

    @property
    def output_type(self) -> type[OutputT]:
        return self._output_type

    @property
    def timing_key(self) -> str | None:
        """Under which key ``wait`` learns this job's run time; None for a rebuilt job."""
        return self._timing_key

    @property
    def submitted_at(self) -> float | None:
        """``time.monotonic()`` right after the submit; None for a rebuilt job."""
        return self._submitted_at

    @property
    def last_result(self) -> JobResult | None:
        """The ``/result`` answer that ended :meth:`wait` (with its cost); None before."""
        return self._last_result

    @property
    def cost(self) -> float | None:
        """What the finished job cost in USD, as RunComfy reported it when ``wait`` ended
        (succeeded, or failed and raised); None before that or when RunComfy gave no cost."""
        return None if self._last_result is None else self._last_result.cost_usd

    def _ended(self, result: JobResult) -> JobResult:
        if result.is_final:
            self._last_result = result
        return result

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(request_id={self._request_id!r}, model_id={self._model_id!r})"
        )

    def _wait_loop(
        self,
        policy: PollPolicy,
        timeout: float | None,
        on_update: StatusCallback | None,
        timings: Timings | None = None,
    ) -> WaitLoop[OutputT]:
        return WaitLoop(
            request_id=self._request_id,
            model_id=self._model_id,
            output_type=self._output_type,
            policy=policy,
            timeout=timeout,
            on_update=on_update,
            timings=timings,
            timing_key=self._timing_key,
            submitted_at=self._submitted_at,
        )
