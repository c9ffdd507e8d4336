"""``AsyncJob``: a submitted job of the asynchronous client: status, result, cancel and wait.

The one source of both job handles: the generator derives ``job.py`` (``Job``) from it, as it
derives ``client.py`` from ``async_client.py``.
"""

# The public API names per-call limits `timeout`, like the sync twin.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from .config import TimeoutLike
from .errors import JobTimeoutError, RunComfyError
from .job_types import CancelOutcome, JobResult, JobStatus
from .model_types import OutputT
from .transport import DeadlineReached
from .waiting import JobBase, StatusCallback, WaitLoop

if TYPE_CHECKING:
    from .async_client import AsyncRunComfy

__all__ = ["AsyncJob"]


class AsyncJob(JobBase[OutputT]):
    """A submitted job: check it, fetch its result, cancel it or wait for its output.

    A job is identified by its request id alone, so it can be rebuilt after a
    restart with ``client.job(request_id)``.
    """

    def __init__(
        self,
        client: AsyncRunComfy,
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
    def client(self) -> AsyncRunComfy:
        return self._client

    async def status(
        self, *, timeout: TimeoutLike | None = None, max_retries: int | None = None
    ) -> JobStatus:
        """Progress from ``/status`` (``completed`` does not tell success from failure)."""
        return await self._client.status(self._request_id, timeout=timeout, max_retries=max_retries)

    async def result(
        self,
        include_cost: bool = False,
        *,
        timeout: TimeoutLike | None = None,
        max_retries: int | None = None,
    ) -> JobResult:
        """The current result from ``/result``; ``is_final`` says whether it can still change."""
        return await self._client.result(
            self._request_id, include_cost=include_cost, timeout=timeout, max_retries=max_retries
        )

    async def cancel(
        self, *, timeout: TimeoutLike | None = None, max_retries: int | None = None
    ) -> CancelOutcome:
        """Ask to cancel: only a queued job can be; a running one finishes and is billed."""
        return await self._client.cancel(self._request_id, timeout=timeout, max_retries=max_retries)

    async def wait(
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
                if loop.seen(await self._client._fetch_status(self._request_id, deadline=at)):
                    result = await self._client._fetch_result(
                        self._request_id,
                        include_cost=True,
                        deadline=at,
                    )
                    output = loop.outcome(self._ended(result))
                    if output is not None:
                        return output
                await asyncio.sleep(loop.next_sleep())
        except DeadlineReached as reached:
            raise await self._timed_out(loop, cancel_on_timeout) from reached.last_error

    async def _timed_out(self, loop: WaitLoop[OutputT], cancel: bool) -> JobTimeoutError:
        if not cancel:
            return loop.timed_out()
        try:
            return loop.timed_out(cancel_outcome=await self.cancel())
        except RunComfyError as exc:
            return loop.timed_out(cancel_error=exc)
