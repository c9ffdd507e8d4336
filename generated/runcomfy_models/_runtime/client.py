"""``RunComfy`` and ``Job``: the synchronous client of the RunComfy Model API.

Derived by the generator from ``async_client.py``, the one source of both
clients: edit that file, not this one.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from time import monotonic
from types import TracebackType
from typing import Any, overload

import httpx

from .catalog_api import CatalogApi
from .config import TimeoutLike
from .errors import JobTimeoutError, RunComfyError
from .job_types import CancelOutcome, JobResult, JobStatus
from .model_types import OutputT
from .outputs import GenericOutput
from .timings import timing_key
from .tls import shared_tls_context
from .transport import DeadlineReached, send_sync
from .waiting import JobBase, StatusCallback, WaitLoop
from .wire import parse_cancel, parse_status

__all__ = ["Job", "RunComfy", "StatusCallback"]


class RunComfy(CatalogApi):
    """Synchronous client with one connection pool; use ``with`` or ``close()``.

    ``token`` defaults to ``RUNCOMFY_API_TOKEN`` (then ``RUNCOMFY_TOKEN``) and
    ``base_url`` to ``RUNCOMFY_BASE_URL`` (then ``RUNCOMFY_MODEL_API_BASE``, then
    the public API). ``timeout`` and ``max_retries`` apply to each request and
    can be overridden per call; ``retry`` and ``poll`` tune backoff and polling.

    The token is sent only to the base URL, never over plain ``http://`` except
    to a loopback host (a local emulator), unless ``allow_insecure_http=True``.
    Redirects are not followed. ``learn_timings`` keeps how long each model's jobs
    take (see ``timings``), so ``wait`` polls around the expected finish.
    """

    def _new_http(self) -> httpx.Client:
        return httpx.Client(
            timeout=self.timeout, follow_redirects=False, verify=shared_tls_context()
        )

    def close(self) -> None:
        """Close the connection pool (unless it was passed in as ``http_client``)."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> RunComfy:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @overload
    def submit(
        self,
        model_id: str,
        payload: Mapping[str, Any],
        *,
        timeout: TimeoutLike | None = None,
        max_retries: int | None = None,
        timing_inputs: Sequence[str] = (),
    ) -> Job[GenericOutput]: ...

    @overload
    def submit(
        self,
        model_id: str,
        payload: Mapping[str, Any],
        *,
        output_type: type[OutputT],
        timeout: TimeoutLike | None = None,
        max_retries: int | None = None,
        timing_inputs: Sequence[str] = (),
    ) -> Job[OutputT]: ...

    def submit(
        self,
        model_id: str,
        payload: Mapping[str, Any],
        *,
        output_type: type[Any] = GenericOutput,
        timeout: TimeoutLike | None = None,
        max_retries: int | None = None,
        timing_inputs: Sequence[str] = (),
    ) -> Job[Any]:
        """Queue a job (``POST /v1/models/{model_id}``, the payload as the body).

        Never sent twice once it may have reached the server: when the answer is
        lost, SubmitOutcomeUnknownError is raised instead of retrying.
        ``timing_inputs`` names the inputs whose values drive the run time (a generated
        model module passes its ``TIMING_INPUTS``): ``wait`` learns run times per model
        and their values.
        """
        attempts = self._submit_call(model_id, payload, timeout=timeout, max_retries=max_retries)
        request_id = self._submitted(attempts, send_sync(self._http, attempts))
        return Job(
            self,
            request_id,
            model_id=model_id,
            output_type=output_type,
            timing_key=timing_key(model_id, payload, timing_inputs),
            submitted_at=monotonic(),
        )

    @overload
    def job(self, request_id: str, model_id: str | None = None) -> Job[GenericOutput]: ...

    @overload
    def job(
        self, request_id: str, model_id: str | None = None, *, output_type: type[OutputT]
    ) -> Job[OutputT]: ...

    def job(
        self,
        request_id: str,
        model_id: str | None = None,
        *,
        output_type: type[Any] = GenericOutput,
    ) -> Job[Any]:
        """Rebuild the handle of an existing job from its request id."""
        return Job(self, request_id, model_id=model_id, output_type=output_type)

    @overload
    def run(
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
    def run(
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

    def run(
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
        job = self.submit(
            model_id,
            payload,
            output_type=output_type,
            max_retries=max_retries,
            timing_inputs=timing_inputs,
        )
        return job.wait(
            timeout=timeout,
            on_update=on_update,
            cancel_on_timeout=cancel_on_timeout,
        )

    def status(
        self,
        request_id: str,
        *,
        timeout: TimeoutLike | None = None,
        max_retries: int | None = None,
    ) -> JobStatus:
        return self._fetch_status(request_id, timeout=timeout, max_retries=max_retries)

    def result(
        self,
        request_id: str,
        *,
        include_cost: bool = False,
        timeout: TimeoutLike | None = None,
        max_retries: int | None = None,
    ) -> JobResult:
        return self._fetch_result(
            request_id, include_cost=include_cost, timeout=timeout, max_retries=max_retries
        )

    def cancel(
        self,
        request_id: str,
        *,
        timeout: TimeoutLike | None = None,
        max_retries: int | None = None,
    ) -> CancelOutcome:
        attempts = self._job_call(request_id, "cancel", timeout=timeout, max_retries=max_retries)
        return parse_cancel(send_sync(self._http, attempts), request_id)

    def _fetch_status(
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
        return parse_status(send_sync(self._http, attempts), request_id)

    def _fetch_result(
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
        return self._parse_result(send_sync(self._http, attempts), request_id)


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
