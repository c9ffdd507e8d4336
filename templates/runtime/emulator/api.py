"""The RunComfy Model API routes: submit, status, result, cancel, catalog, and the output files."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from ..billing import BALANCE_PATH
from .catalog import public_entry
from .connection import DroppedConnection
from .faults import UNKNOWN_STATUS, FaultRule
from .jobs import JobView
from .outputs import output_body
from .responses import (
    BAD_MODEL_ID,
    BAD_REQUEST,
    INTERNAL_ERROR,
    INVALID_INPUT,
    NO_BALANCE,
    TOKEN_PROBLEM,
    UNKNOWN_REQUEST,
    error_response,
)
from .state import Emulator, InsufficientBalance
from .stats import FILES_WITH_TOKEN

DEFAULT_PAGE_SIZE: Final = 100
MAX_PAGE_SIZE: Final = 1000
FILES_PATH: Final = "/_emulator/files"


@dataclass(frozen=True, slots=True)
class Call:
    """What a handler needs besides the request."""

    rule: FaultRule | None  # the fault applied to this request, if any
    generation: int  # the emulator's generation when the request arrived (see `Emulator.reset`)


Handler = Callable[[Request, Call], Awaitable[Response]]


class RunComfyApi:
    """Route handlers over one `Emulator`.

    Every handler runs through `_guarded`, which applies the fault rule for
    the request (if any), checks the token and counts the request.
    """

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/v1/models", self.list_models, methods=["GET"]),
            Route("/v1/models/categories", self.list_categories, methods=["GET"]),
            Route("/v1/models/{model_id:path}", self.submit, methods=["POST"]),
            Route("/v1/models/{model_id:path}", self.get_model, methods=["GET"]),
            Route("/v1/requests/{request_id}/status", self.status, methods=["GET"]),
            Route("/v1/requests/{request_id}/result", self.result, methods=["GET"]),
            Route("/v1/requests/{request_id}/cancel", self.cancel, methods=["POST"]),
            Route(FILES_PATH + "/{name}", self.file, methods=["GET"]),
            Route(BALANCE_PATH, self.balance, methods=["GET"]),
        ]

    # -- entry points --------------------------------------------------------

    async def submit(self, request: Request) -> Response:
        model_id = request.path_params["model_id"]
        return await self._guarded(request, "submit", model_id, self._submit)

    async def get_model(self, request: Request) -> Response:
        model_id = request.path_params["model_id"]
        return await self._guarded(request, "catalog", model_id, self._get_model)

    async def list_models(self, request: Request) -> Response:
        return await self._guarded(request, "catalog", None, self._list_models)

    async def list_categories(self, request: Request) -> Response:
        return await self._guarded(request, "catalog", None, self._list_categories)

    async def balance(self, request: Request) -> Response:
        return await self._guarded(request, "balance", None, self._balance)

    async def status(self, request: Request) -> Response:
        return await self._guarded(request, "status", self._job_model(request), self._status)

    async def result(self, request: Request) -> Response:
        return await self._guarded(request, "result", self._job_model(request), self._result)

    async def cancel(self, request: Request) -> Response:
        return await self._guarded(request, "cancel", self._job_model(request), self._cancel)

    async def file(self, request: Request) -> Response:
        request_id = request.path_params["name"].partition(".")[0]
        job = self.emulator.job(request_id)
        model_id = job.model_id if job is not None else None
        return await self._guarded(request, "files", model_id, self._file)

    # -- the common path -----------------------------------------------------

    async def _guarded(
        self, request: Request, route: str, model_id: str | None, handler: Handler
    ) -> Response:
        generation = self.emulator.generation
        try:
            # Read the body first: a slow answer must still process what was sent.
            await request.body()
        except ClientDisconnect:
            return Response(status_code=400)  # nobody is left to read it
        rule = self.emulator.take_fault(route, model_id)
        if rule is not None:
            early = await _before_processing(rule)
            if early is not None:
                if route == "submit":
                    self.emulator.count_rejected_submit(model_id, generation)
                return early
        if route != "files" and not self.emulator.authorized(request.headers.get("authorization")):
            response: Response = error_response(
                401,
                TOKEN_PROBLEM,
                "Missing or invalid API token: send 'Authorization: Bearer <token>'.",
            )
            if route == "submit":
                self.emulator.count_rejected_submit(model_id, generation)
        else:
            response = await handler(request, Call(rule, generation))
        if route != "submit":
            self.emulator.count(route, model_id, generation)
        if route == "files" and "authorization" in request.headers:
            self.emulator.count(FILES_WITH_TOKEN, None, generation)
        if rule is not None and rule.kind == "drop_after":
            return DroppedConnection()
        if rule is not None and rule.kind == "status_after":
            return _fault_status(rule)
        if rule is not None and rule.kind == "drip":
            return _dripping(response, rule.delay)
        return response

    def _job_model(self, request: Request) -> str | None:
        job = self.emulator.job(request.path_params["request_id"])
        return job.model_id if job is not None else None

    # -- handlers ------------------------------------------------------------

    async def _submit(self, request: Request, call: Call) -> Response:
        model_id: str = request.path_params["model_id"]
        if model_id not in self.emulator.catalog:
            self.emulator.count_rejected_submit(None, call.generation)
            return _unknown_model(model_id)
        raw = await request.body()
        try:
            body = json.loads(raw)
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            # ValueError covers integers too long to convert; RecursionError, nesting too deep.
            reason = "nested too deep" if isinstance(exc, RecursionError) else str(exc)[:200]
            self.emulator.count_rejected_submit(model_id, call.generation)
            return error_response(400, BAD_REQUEST, f"The request body is not valid JSON: {reason}")
        issues = self.emulator.validate(model_id, body)
        if issues:
            self.emulator.count_rejected_submit(model_id, call.generation)
            return error_response(
                422,
                INVALID_INPUT,
                f"The input does not match the schema of {model_id}: "
                + "; ".join(f"{issue.path or '(body)'}: {issue.message}" for issue in issues),
                detail=[issue.to_dict() for issue in issues],
            )
        try:
            job = self.emulator.submit(model_id, body, generation=call.generation)
        except InsufficientBalance as exc:
            self.emulator.count_rejected_submit(model_id, call.generation)
            return error_response(400, NO_BALANCE, str(exc))
        base = _base_url(request)
        return JSONResponse(
            {
                "request_id": job.request_id,
                **_job_links(base, job.request_id),
                "cancel_url": f"{base}/v1/requests/{job.request_id}/cancel",
            }
        )

    async def _get_model(self, request: Request, call: Call) -> Response:
        model_id: str = request.path_params["model_id"]
        entry = self.emulator.catalog.get(model_id)
        if entry is None:
            return _unknown_model(model_id)
        return JSONResponse(public_entry(entry, include_schema=True))

    async def _list_models(self, request: Request, call: Call) -> Response:
        query = request.query_params
        try:
            limit = _int_param(query.get("limit"), DEFAULT_PAGE_SIZE, "limit", 1, MAX_PAGE_SIZE)
            offset = _int_param(query.get("offset"), 0, "offset", 0, None)
        except ValueError as exc:
            return error_response(400, BAD_REQUEST, str(exc))
        page = self.emulator.catalog.page(
            limit=limit,
            offset=offset,
            category=query.get("category"),
            search=query.get("search"),
            kind=query.get("kind"),
            include_schema=_truthy(query.get("include_schema")),
        )
        return JSONResponse({"models": page.entries, "total": page.total})

    async def _list_categories(self, request: Request, call: Call) -> Response:
        return JSONResponse({"categories": self.emulator.catalog.categories()})

    async def _balance(self, request: Request, call: Call) -> Response:
        return JSONResponse({"balance_usd": self.emulator.balance(), "currency": "USD"})

    async def _status(self, request: Request, call: Call) -> Response:
        view = self._view(request)
        if view is None:
            return _unknown_request(request)
        base = _base_url(request)
        body: dict[str, Any] = {
            "request_id": view.job.request_id,
            "status": _reported(call.rule, self.emulator.shapes.status_word(view.state)),
        }
        if view.queue_position is not None:
            body["queue_position"] = view.queue_position
        body.update(_job_links(base, view.job.request_id))
        return JSONResponse(body)

    async def _result(self, request: Request, call: Call) -> Response:
        view = self._view(request)
        if view is None:
            return _unknown_request(request)
        job = view.job
        body: dict[str, Any] = {
            "request_id": job.request_id,
            "status": _reported(call.rule, self.emulator.shapes.result_word(view.state)),
            "created_at": _iso(job.created_at),
            "finished_at": None if view.finished_at is None else _iso(view.finished_at),
        }
        if view.state == "succeeded":
            url = f"{_base_url(request)}{FILES_PATH}/{job.request_id}.{job.media.extension}"
            body["output"] = output_body(self.emulator.shapes.output, job.media, url)
        elif view.state == "failed":
            body["error"] = self.emulator.shapes.error_body(
                INTERNAL_ERROR, "The job failed (as the emulator was told)."
            )
        if _truthy(request.query_params.get("include_cost")):
            body["cost"] = job.cost if view.state == "succeeded" else 0.0
            if call.rule is not None and call.rule.kind == "negative_cost":
                body["cost"] = -job.cost
        return JSONResponse(body)

    async def _cancel(self, request: Request, call: Call) -> Response:
        request_id = request.path_params["request_id"]
        outcome = self.emulator.cancel(request_id)
        if outcome is None:
            return _unknown_request(request)
        return JSONResponse(self.emulator.shapes.cancel_body(request_id, outcome), status_code=202)

    async def _file(self, request: Request, call: Call) -> Response:
        name: str = request.path_params["name"]
        request_id, _, extension = name.partition(".")
        job = self.emulator.job(request_id)
        if (
            job is not None
            and extension == job.media.extension
            and self.emulator.view(job).state == "succeeded"
        ):
            content = await asyncio.to_thread(job.media.render)
            return Response(content, media_type=job.media.content_type)
        return error_response(404, UNKNOWN_REQUEST, f"No such file: {name}")

    def _view(self, request: Request) -> JobView | None:
        job = self.emulator.job(request.path_params["request_id"])
        return None if job is None else self.emulator.view(job)


async def _before_processing(rule: FaultRule) -> Response | None:
    """Apply the part of a fault that comes before processing; a response ends the request."""
    if rule.kind == "slow":
        await asyncio.sleep(rule.delay)
        return None
    if rule.kind == "drop_before":
        return DroppedConnection()
    if rule.kind == "status":
        return _fault_status(rule)
    if rule.kind == "error_body":
        return error_response(
            200, rule.effective_error_code, "Injected fault: error in a 200 answer."
        )
    return None


# How many bytes of a dripping body go out at a time.
DRIP_BYTES: Final = 4


def _dripping(response: Response, delay: float) -> Response:
    """The same answer, its body sent ``DRIP_BYTES`` at a time, ``delay`` seconds apart."""
    body = bytes(response.body)

    async def pieces() -> AsyncIterator[bytes]:
        for start in range(0, len(body), DRIP_BYTES):
            if start:
                await asyncio.sleep(delay)
            yield body[start : start + DRIP_BYTES]

    headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
    return StreamingResponse(pieces(), status_code=response.status_code, headers=headers)


def _fault_status(rule: FaultRule) -> Response:
    headers = {"Retry-After": rule.retry_after} if rule.retry_after is not None else None
    return error_response(
        rule.status,
        rule.effective_error_code,
        f"Injected fault: HTTP {rule.status}.",
        headers=headers,
    )


def _reported(rule: FaultRule | None, status: str) -> str:
    return UNKNOWN_STATUS if rule is not None and rule.kind == "unknown_status" else status


def _base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _job_links(base: str, request_id: str) -> dict[str, str]:
    return {
        "status_url": f"{base}/v1/requests/{request_id}/status",
        "result_url": f"{base}/v1/requests/{request_id}/result",
    }


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, tz=UTC).isoformat(timespec="milliseconds")


def _truthy(value: str | None) -> bool:
    return value is not None and value.strip().lower() in ("1", "true", "yes", "on")


def _int_param(value: str | None, default: int, name: str, low: int, high: int | None) -> int:
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        number = low - 1
    if number < low or (high is not None and number > high):
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise ValueError(f"{name} must be an integer {bounds}, got {value!r}")
    return number


def _unknown_model(model_id: str) -> Response:
    return error_response(400, BAD_MODEL_ID, f"Unknown model id: {model_id!r}")


def _unknown_request(request: Request) -> Response:
    request_id = request.path_params["request_id"]
    return error_response(404, UNKNOWN_REQUEST, f"Unknown or expired request id: {request_id!r}")
