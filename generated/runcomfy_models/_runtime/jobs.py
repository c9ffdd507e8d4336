"""Handles on submitted jobs: ``Job`` (sync) and ``AsyncJob`` (async).

A job is identified by its request id alone, so it can be rebuilt after a
restart with ``client.job(request_id)``.
"""

# The public API names per-call limits `timeout`, like the sync twin.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Generic

from .config import PollPolicy, TimeoutLike
from .errors import JobTimeoutError, RunComfyError
from .job_types import CancelOutcome, JobResult, JobStatus
from .outputs import OutputT
from .transport import DeadlineReached
from .waiting import StatusCallback, WaitLoop
from .wire import validate_request_id

if TYPE_CHECKING:
    from .async_client import AsyncRunComfy
    from .client import RunComfy

__all__ = ["AsyncJob", "Job", "StatusCallback"]


class _JobBase(Generic[OutputT]):
    def __init__(
        self, request_id: str, *, model_id: str | None, output_type: type[OutputT]
    ) -> None:
        self._request_id = validate_request_id(request_id)
        self._model_id = model_id
        self._output_type = output_type
        self._last_result: JobResult | None = None

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
    def last_result(self) -> JobResult | None:
        """The ``/result`` answer that ended :meth:`wait` (with its cost); None before."""
        return self._last_result

    @property
    def cost(self) -> float | None:
        """What the finished job cost in USD, as RunComfy reported it when :meth:`wait` ended
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
        self, policy: PollPolicy, timeout: float | None, on_update: StatusCallback | None
    ) -> WaitLoop[OutputT]:
        return WaitLoop(
            request_id=self._request_id,
            model_id=self._model_id,
            output_type=self._output_type,
            policy=policy,
            timeout=timeout,
            on_update=on_update,
        )


class Job(_JobBase[OutputT]):
    """A submitted job: check it, fetch its result, cancel it or wait for its output."""

    def __init__(
        self,
        client: RunComfy,
        request_id: str,
        *,
        model_id: str | None = None,
        output_type: type[OutputT],
    ) -> None:
        super().__init__(request_id, model_id=model_id, output_type=output_type)
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
        loop = self._wait_loop(self._client.poll_policy, timeout, on_update)
        at = loop.deadline.at
        try:
            while True:
                if loop.seen(self._client._fetch_status(self._request_id, deadline=at)):
                    result = self._client._fetch_result(
                        self._request_id, include_cost=True, deadline=at
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


class AsyncJob(_JobBase[OutputT]):
    """Async twin of :class:`Job`."""

    def __init__(
        self,
        client: AsyncRunComfy,
        request_id: str,
        *,
        model_id: str | None = None,
        output_type: type[OutputT],
    ) -> None:
        super().__init__(request_id, model_id=model_id, output_type=output_type)
        self._client = client

    @property
    def client(self) -> AsyncRunComfy:
        return self._client

    async def status(
        self, *, timeout: TimeoutLike | None = None, max_retries: int | None = None
    ) -> JobStatus:
        return await self._client.status(self._request_id, timeout=timeout, max_retries=max_retries)

    async def result(
        self,
        include_cost: bool = False,
        *,
        timeout: TimeoutLike | None = None,
        max_retries: int | None = None,
    ) -> JobResult:
        return await self._client.result(
            self._request_id, include_cost=include_cost, timeout=timeout, max_retries=max_retries
        )

    async def cancel(
        self, *, timeout: TimeoutLike | None = None, max_retries: int | None = None
    ) -> CancelOutcome:
        return await self._client.cancel(self._request_id, timeout=timeout, max_retries=max_retries)

    async def wait(
        self,
        timeout: float | None = None,
        on_update: StatusCallback | None = None,
        cancel_on_timeout: bool = False,
    ) -> OutputT:
        loop = self._wait_loop(self._client.poll_policy, timeout, on_update)
        at = loop.deadline.at
        try:
            while True:
                if loop.seen(await self._client._fetch_status(self._request_id, deadline=at)):
                    result = await self._client._fetch_result(
                        self._request_id, include_cost=True, deadline=at
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
