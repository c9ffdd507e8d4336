"""``Job``: a submitted job of the synchronous client: status, result, cancel and wait.

Derived by the generator from ``async_job.py``, the one source of both job handles: edit that
file, not this one.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from .config import TimeoutLike
from .errors import JobTimeoutError, RunComfyError
from .job_types import CancelOutcome, JobResult, JobStatus
from .model_types import OutputT
from .transport import DeadlineReached
from .waiting import JobBase, StatusCallback, WaitLoop

if TYPE_CHECKING:
    from .client import RunComfy

__all__ = ["Job"]


class Job(JobBase[OutputT]):
    """A submitted job: check it, fetch its result, cancel it or wait for its output.

    A job is identified by its request id alone, so it can be rebuilt after a
    restart with ``client.job(request_id)``.
    """

    def __init__(
        self,
        client: RunComfy,
        request_id: str,
        *,
        model_id: str | None = None,
        output_type: type[OutputT],
        timing_key: str | None = None,
        submitted_at: float | None = None,
    ) -> None:
        super().__init__(
            request_id,
            model_id=model_id,
            output_type=output_type,
            timing_key=timing_key,
            submitted_at=submitted_at,
        )
        self._client = client

    @property
    def client(self) -> RunComfy:
        return self._client

    def status(
        self, *, timeout: TimeoutLike | None = None, max_retries: int | None = None
    ) -> JobStatus:
        """Progress from ``/status`` (``completed`` does not tell success from failure)."""
        return self._client.status(self._request_id, timeout=timeout, max_retries=max_retries)

    def result(
        self,
        include_cost: bool = False,
        *,
        timeout: TimeoutLike | None = None,
        max_retries: int | None = None,
    ) -> JobResult:
        """The current result from ``/result``; ``is_final`` says whether it can still change."""
        return self._client.result(
            self._request_id, include_cost=include_cost, timeout=timeout, max_retries=max_retries
        )

    def cancel(
        self, *, timeout: TimeoutLike | None = None, max_retries: int | None = None
    ) -> CancelOutcome:
        """Ask to cancel: only a queued job can be; a running one finishes and is billed."""
        return self._client.cancel(self._request_id, timeout=timeout, max_retries=max_retries)

    def wait(
        self,
        timeout: float | None = None,
        on_update: StatusCallback | None = None,
        cancel_on_timeout: bool = False,
    ) -> OutputT:
        """Poll until the job ends and return its parsed output.

        ``on_update`` is called with each new status (a change of state or of
        queue position). Raises JobFailedError, JobCancelledError, or
        JobTimeoutError after ``timeout`` seconds (the job keeps running unless
        ``cancel_on_timeout``).
        """
        loop = self._wait_loop(self._client.poll_policy, timeout, on_update, self._client.timings)
        at = loop.deadline.at
        try:
            while True:
                if loop.seen(self._client._fetch_status(self._request_id, deadline=at)):
                    result = self._client._fetch_result(
                        self._request_id,
                        include_cost=True,
                        deadline=at,
                    )
                    output = loop.outcome(self._ended(result))
                    if output is not None:
                        return output
                time.sleep(loop.next_sleep())
        except DeadlineReached as reached:
            raise self._timed_out(loop, cancel_on_timeout) from reached.last_error

    def _timed_out(self, loop: WaitLoop[OutputT], cancel: bool) -> JobTimeoutError:
        if not cancel:
            return loop.timed_out()
        try:
            return loop.timed_out(cancel_outcome=self.cancel())
        except RunComfyError as exc:
            return loop.timed_out(cancel_error=exc)
