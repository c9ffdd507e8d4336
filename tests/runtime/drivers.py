"""Run the same lifecycle test through the sync client and through the async twin.

A driver exposes plain (blocking) methods; the async one runs each coroutine
on its own event loop, so a single test body checks both clients.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Mapping
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel
from runcomfy_models._runtime import (
    AsyncJob,
    AsyncRunComfy,
    CancelOutcome,
    GenericOutput,
    Job,
    JobResult,
    JobStatus,
    ModelBinding,
    RunComfy,
)

from .helpers import make_async_client, make_client

T = TypeVar("T")
AnyJob = Job[Any] | AsyncJob[Any]


class Driver(Protocol):
    flavor: str

    @property
    def client(self) -> RunComfy | AsyncRunComfy: ...

    def submit(self, model_id: str, payload: Mapping[str, Any], **kw: Any) -> AnyJob: ...
    def run(self, model_id: str, payload: Mapping[str, Any], **kw: Any) -> GenericOutput: ...
    def job(self, request_id: str, model_id: str | None = None) -> AnyJob: ...
    def status(self, job: AnyJob) -> JobStatus: ...
    def result(self, job: AnyJob, include_cost: bool = False) -> JobResult: ...
    def cancel(self, job: AnyJob) -> CancelOutcome: ...
    def wait(self, job: AnyJob, **kw: Any) -> BaseModel: ...
    def client_status(self, request_id: str, **kw: Any) -> JobStatus: ...
    def get_model(self, model_id: str) -> dict[str, Any]: ...
    def binding_run(
        self, binding: ModelBinding[Any, Any], params: Mapping[str, Any], **kw: Any
    ) -> Any: ...
    def binding_submit(
        self, binding: ModelBinding[Any, Any], params: Mapping[str, Any]
    ) -> AnyJob: ...
    def binding_job(self, binding: ModelBinding[Any, Any], request_id: str) -> AnyJob: ...
    def close(self) -> None: ...


class SyncDriver:
    flavor = "sync"

    def __init__(self, base_url: str, **options: Any) -> None:
        self.client: RunComfy = make_client(base_url, **options)

    def submit(self, model_id: str, payload: Mapping[str, Any], **kw: Any) -> AnyJob:
        return self.client.submit(model_id, payload, **kw)

    def run(self, model_id: str, payload: Mapping[str, Any], **kw: Any) -> GenericOutput:
        output: GenericOutput = self.client.run(model_id, payload, **kw)
        return output

    def job(self, request_id: str, model_id: str | None = None) -> AnyJob:
        return self.client.job(request_id, model_id)

    def status(self, job: AnyJob) -> JobStatus:
        assert isinstance(job, Job)
        return job.status()

    def result(self, job: AnyJob, include_cost: bool = False) -> JobResult:
        assert isinstance(job, Job)
        return job.result(include_cost)

    def cancel(self, job: AnyJob) -> CancelOutcome:
        assert isinstance(job, Job)
        return job.cancel()

    def wait(self, job: AnyJob, **kw: Any) -> BaseModel:
        assert isinstance(job, Job)
        output: BaseModel = job.wait(**kw)
        return output

    def client_status(self, request_id: str, **kw: Any) -> JobStatus:
        return self.client.status(request_id, **kw)

    def get_model(self, model_id: str) -> dict[str, Any]:
        return self.client.get_model(model_id)

    def binding_run(
        self, binding: ModelBinding[Any, Any], params: Mapping[str, Any], **kw: Any
    ) -> Any:
        return binding.run(params, client=self.client, **kw)

    def binding_submit(self, binding: ModelBinding[Any, Any], params: Mapping[str, Any]) -> AnyJob:
        return binding.submit(params, client=self.client)

    def binding_job(self, binding: ModelBinding[Any, Any], request_id: str) -> AnyJob:
        return binding.job(request_id, client=self.client)

    def close(self) -> None:
        self.client.close()


class AsyncDriver:
    flavor = "async"

    def __init__(self, base_url: str, **options: Any) -> None:
        self.loop = asyncio.new_event_loop()
        self.client: AsyncRunComfy = make_async_client(base_url, **options)

    def _do(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coro)

    def submit(self, model_id: str, payload: Mapping[str, Any], **kw: Any) -> AnyJob:
        job: AnyJob = self._do(self.client.submit(model_id, payload, **kw))
        return job

    def run(self, model_id: str, payload: Mapping[str, Any], **kw: Any) -> GenericOutput:
        output: GenericOutput = self._do(self.client.run(model_id, payload, **kw))
        return output

    def job(self, request_id: str, model_id: str | None = None) -> AnyJob:
        return self.client.job(request_id, model_id)

    def status(self, job: AnyJob) -> JobStatus:
        assert isinstance(job, AsyncJob)
        return self._do(job.status())

    def result(self, job: AnyJob, include_cost: bool = False) -> JobResult:
        assert isinstance(job, AsyncJob)
        return self._do(job.result(include_cost))

    def cancel(self, job: AnyJob) -> CancelOutcome:
        assert isinstance(job, AsyncJob)
        return self._do(job.cancel())

    def wait(self, job: AnyJob, **kw: Any) -> BaseModel:
        assert isinstance(job, AsyncJob)
        output: BaseModel = self._do(job.wait(**kw))
        return output

    def client_status(self, request_id: str, **kw: Any) -> JobStatus:
        return self._do(self.client.status(request_id, **kw))

    def get_model(self, model_id: str) -> dict[str, Any]:
        return self._do(self.client.get_model(model_id))

    def binding_run(
        self, binding: ModelBinding[Any, Any], params: Mapping[str, Any], **kw: Any
    ) -> Any:
        return self._do(binding.run_async(params, client=self.client, **kw))

    def binding_submit(self, binding: ModelBinding[Any, Any], params: Mapping[str, Any]) -> AnyJob:
        return self._do(binding.submit_async(params, client=self.client))

    def binding_job(self, binding: ModelBinding[Any, Any], request_id: str) -> AnyJob:
        return binding.job_async(request_id, client=self.client)

    def close(self) -> None:
        try:
            self._do(self.client.aclose())
        finally:
            self.loop.close()


def make_driver(flavor: str, base_url: str, **options: Any) -> Driver:
    return SyncDriver(base_url, **options) if flavor == "sync" else AsyncDriver(base_url, **options)
