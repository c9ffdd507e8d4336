"""``AsyncRunComfy`` and ``AsyncJob``: the asynchronous client of the RunComfy Model API.

This file is the one source of both clients: the generator derives ``client.py``
(``RunComfy`` and ``Job``) from it by removing ``async``/``await`` and renaming
(see the generator's ``unasync`` rules), so the two can never drift apart. The catalog,
price and balance calls are in ``async_catalog_api.py`` (derived: ``catalog_api.py``).
"""

# The public API names per-call limits `timeout`, like the sync twin.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from time import monotonic
from types import TracebackType
from typing import Any, overload

import httpx

from .async_catalog_api import AsyncCatalogApi
from .config import TimeoutLike
from .errors import JobTimeoutError, RunComfyError
from .job_types import CancelOutcome, JobResult, JobStatus
from .model_types import OutputT
from .outputs import GenericOutput
from .timings import timing_key
from .tls import shared_tls_context
from .transport import DeadlineReached, send_async
from .waiting import JobBase, StatusCallback, WaitLoop
from .wire import parse_cancel, parse_status

__all__ = ["AsyncJob", "AsyncRunComfy", "StatusCallback"]


class AsyncRunComfy(AsyncCatalogApi):
    """Asynchronous client with one connection pool; use ``async with`` or ``await aclose()``.

    ``token`` defaults to ``RUNCOMFY_API_TOKEN`` (then ``RUNCOMFY_TOKEN``) and
    ``base_url`` to ``RUNCOMFY_BASE_URL`` (then ``RUNCOMFY_MODEL_API_BASE``, then
    the public API). ``timeout`` and ``max_retries`` apply to each request and
    can be overridden per call; ``retry`` and ``poll`` tune backoff and polling.

    The token is sent only to the base URL, never over plain ``http://`` except
    to a loopback host (a local emulator), unless ``allow_insecure_http=True``.
    Redirects are not followed. ``learn_timings`` keeps how long each model's jobs
    take (see ``timings``), so ``wait`` polls around the expected finish.
    """

    def _new_http(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            timeout=self.timeout, follow_redirects=False, verify=shared_tls_context()
        )

    async def aclose(self) -> None:
        """Close the connection pool (unless it was passed in as ``http_client``)."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncRunComfy:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    @overload
    async def submit(
        self,
        model_id: str,
        payload: Mapping[str, Any],
        *,
        timeout: TimeoutLike | None = None,
        max_retries: int | None = None,
        timing_inputs: Sequence[str] = (),
    ) -> AsyncJob[GenericOutput]: ...

    @overload
    async def submit(
        self,
        model_id: str,
        payload: Mapping[str, Any],
        *,
        output_type: type[OutputT],
        timeout: TimeoutLike | None = None,
        max_retries: int | None = None,
        timing_inputs: Sequence[str] = (),
    ) -> AsyncJob[OutputT]: ...

    async def submit(
        self,
        model_id: str,
        payload: Mapping[str, Any],
        *,
        output_type: type[Any] = GenericOutput,
        timeout: TimeoutLike | None = None,
        max_retries: int | None = None,
        timing_inputs: Sequence[str] = (),
    ) -> AsyncJob[Any]:
        """Queue a job (``POST /v1/models/{model_id}``, the payload as the body).

        Never sent twice once it may have reached the server: when the answer is
        lost, SubmitOutcomeUnknownError is raised instead of retrying.
        ``timing_inputs`` names the inputs whose values drive the run time (a generated
        model module passes its ``TIMING_INPUTS``): ``wait`` learns run times per model
        and their values.
        """
        attempts = self._submit_call(model_id, payload, timeout=timeout, max_retries=max_retries)
        request_id = self._submitted(attempts, await send_async(self._http, attempts))
        return AsyncJob(
            self,
            request_id,
            model_id=model_id,
            output_type=output_type,
            timing_key=timing_key(model_id, payload, timing_inputs),
            submitted_at=monotonic(),
        )

    @overload
    def job(self, request_id: str, model_id: str | None = None) -> AsyncJob[GenericOutput]: ...

    @overload
    def job(
        self, request_id: str, model_id: str | None = None, *, output_type: type[OutputT]
    ) -> AsyncJob[OutputT]: ...

    def job(
        self,
        request_id: str,
        model_id: str | None = None,
        *,
        output_type: type[Any] = GenericOutput,
    ) -> AsyncJob[Any]:
        """Rebuild the handle of an existing job from its request id."""
        return AsyncJob(self, request_id, model_id=model_id, output_type=output_type)

    @overload
    async def run(
        self,
        model_id: str,
        payload: Mapping[str, Any],
        *,
        timeout: float | None = None,
        on_update: StatusCallback | None = None,
        cancel_on_timeout: bool = False,
        max_retries: int | None = None,
        timing_inputs: Sequence[str] = (),
    ) -> GenericOutput: ...

    @overload
    async def run(
        self,
        model_id: str,
        payload: Mapping[str, Any],
        *,
        output_type: type[OutputT],
        timeout: float | None = None,
        on_update: StatusCallback | None = None,
        cancel_on_timeout: bool = False,
        max_retries: int | None = None,
        timing_inputs: Sequence[str] = (),
    ) -> OutputT: ...

    async def run(
        self,
        model_id: str,
        payload: Mapping[str, Any],
        *,
        output_type: type[Any] = GenericOutput,
        timeout: float | None = None,
        on_update: StatusCallback | None = None,
        cancel_on_timeout: bool = False,
        max_retries: int | None = None,
        timing_inputs: Sequence[str] = (),
    ) -> Any:
        """Submit and wait for the output.

        ``timeout`` is the overall deadline for waiting, in seconds; ``max_retries``
        applies to the submit; ``timing_inputs`` as for :meth:`submit`.
        """
        job = await self.submit(
            model_id,
            payload,
            output_type=output_type,
            max_retries=max_retries,
            timing_inputs=timing_inputs,
        )
        return await job.wait(
            timeout=timeout,
            on_update=on_update,
            cancel_on_timeout=cancel_on_timeout,
        )

    async def status(
        self,
        request_id: str,
        *,
        timeout: TimeoutLike | None = None,
        max_retries: int | None = None,
    ) -> JobStatus:
        return await self._fetch_status(request_id, timeout=timeout, max_retries=max_retries)

    async def result(
        self,
        request_id: str,
        *,
        include_cost: bool = False,
        timeout: TimeoutLike | None = None,
        max_retries: int | None = None,
    ) -> JobResult:
        return await self._fetch_result(
            request_id, include_cost=include_cost, timeout=timeout, max_retries=max_retries
        )

    async def cancel(
        self,
        request_id: str,
        *,
        timeout: TimeoutLike | None = None,
        max_retries: int | None = None,
    ) -> CancelOutcome:
        attempts = self._job_call(request_id, "cancel", timeout=timeout, max_retries=max_retries)
        return parse_cancel(await send_async(self._http, attempts), request_id)

    async def _fetch_status(
        self,
        request_id: str,
        *,
        timeout: TimeoutLike | None = None,
        max_retries: int | None = None,
        deadline: float | None = None,
    ) -> JobStatus:
        attempts = self._job_call(
            request_id, "status", timeout=timeout, max_retries=max_retries, deadline=deadline
        )
        return parse_status(await send_async(self._http, attempts), request_id)

    async def _fetch_result(
        self,
        request_id: str,
        *,
        include_cost: bool = False,
        timeout: TimeoutLike | None = None,
        max_retries: int | None = None,
        deadline: float | None = None,
    ) -> JobResult:
        attempts = self._job_call(
            request_id,
            "result",
            include_cost=include_cost,
            timeout=timeout,
            max_retries=max_retries,
            deadline=deadline,
        )
        return self._parse_result(await send_async(self._http, attempts), request_id)


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
