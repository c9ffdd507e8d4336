"""``AsyncRunComfy``: the asynchronous client of the RunComfy Model API (its jobs: ``async_job``).

This file is the one source of both clients: the generator derives ``client.py``
(``RunComfy``) from it by removing ``async``/``await`` and renaming
(see the generator's ``unasync`` rules), so the two can never drift apart.
"""

# The public API names per-call limits `timeout`, like the sync twin.
# ruff: noqa: ASYNC109

from __future__ import annotations

from collections.abc import Mapping, Sequence
from time import monotonic
from types import TracebackType
from typing import Any, overload

import httpx

from .async_job import AsyncJob
from .billing import Balance, parse_balance
from .client_core import ClientCore
from .config import TimeoutLike
from .job_types import CancelOutcome, JobResult, JobStatus
from .model_types import OutputT
from .outputs import GenericOutput
from .pricing import Price, price_from_entry
from .timings import timing_key
from .transport import send_async
from .waiting import StatusCallback
from .wire import parse_cancel, parse_status

__all__ = ["AsyncJob", "AsyncRunComfy", "StatusCallback"]


class AsyncRunComfy(ClientCore[httpx.AsyncClient]):
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
        return httpx.AsyncClient(timeout=self.timeout, follow_redirects=False)

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

    async def get_model(
        self,
        model_id: str,
        *,
        timeout: TimeoutLike | None = None,
        max_retries: int | None = None,
    ) -> dict[str, Any]:
        """The catalog entry of a model (``GET /v1/models/{model_id}``)."""
        attempts = self._model_call(model_id, timeout=timeout, max_retries=max_retries)
        return self._catalog_entry(await send_async(self._http, attempts))

    async def catalog(
        self,
        *,
        search: str | None = None,
        category: str | None = None,
        kind: str | None = None,
        limit: int = 500,
        offset: int = 0,
        timeout: TimeoutLike | None = None,
    ) -> dict[str, Any]:
        """One page of RunComfy's catalog (``GET /v1/models``): ``{models: [...], total}``,
        entries without their schemas; ``limit`` is 1 to 500."""
        query = {"search": search, "category": category, "kind": kind}
        attempts = self._catalog_call(query, limit, offset, timeout=timeout)
        return self._catalog_entry(await send_async(self._http, attempts))

    async def price(
        self,
        model_id: str,
        *,
        fresh: bool = False,
        timeout: TimeoutLike | None = None,
        max_retries: int | None = None,
    ) -> Price:
        """The model's price as RunComfy's catalog says it now (``base_price_usd`` per
        ``price_unit``); kept by this client for ``billing.PRICE_TTL_SECONDS`` (60 s) unless
        ``fresh``. ``Price.estimate(inputs)`` turns it into the cost of one job."""
        cached = None if fresh else self._prices.get(model_id)
        if cached is not None:
            return cached
        entry = await self.get_model(model_id, timeout=timeout, max_retries=max_retries)
        return self._prices.put(model_id, price_from_entry(entry))

    async def balance(
        self, *, timeout: TimeoutLike | None = None, max_retries: int | None = None
    ) -> Balance:
        """What the account can still spend (``GET /prod/v2/balance`` on RunComfy's API host;
        against another base URL, such as a local emulator, on that one)."""
        attempts = self._balance_call(timeout=timeout, max_retries=max_retries)
        return parse_balance(await send_async(self._http, attempts))

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
