"""Retry and error edge cases against an in-process transport (exact control of each answer)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from runcomfy_models._runtime import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    InsufficientBalanceError,
    InvalidInputError,
    PermissionDeniedError,
    RateLimitError,
    RetryPolicy,
    ServerError,
    SubmitOutcomeUnknownError,
    UnexpectedResponseError,
)
from runcomfy_models._runtime.retry import RequestKind
from runcomfy_models._runtime.transport import ApiRequest, Attempts, DeadlineReached, Retry

from .helpers import TOKEN, async_mock_client, mock_client

MODEL = "ideogram/ideogram-v3/reframe"
PAYLOAD = {"image": "https://example.com/cat.png", "resolution": "1152:864 (4:3)"}
Step = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


class Script:
    """Answers each request with the next scripted step; records every request."""

    def __init__(self, *steps: Step, then: Step | None = None) -> None:
        self.steps = list(steps)
        self.then = then
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        step = self.steps.pop(0) if self.steps else self.then
        if step is None:
            raise AssertionError(f"unexpected request {request.method} {request.url}")
        if isinstance(step, Exception):
            raise step
        if callable(step) and not isinstance(step, httpx.Response):
            return step(request)
        return step


def ok_submit(request_id: str = "req-1", **extra: Any) -> httpx.Response:
    return httpx.Response(200, json={"request_id": request_id, **extra})


def err(status: int, body: Any = None, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=body if body is not None else {}, headers=headers)


def connect_error() -> httpx.ConnectError:
    return httpx.ConnectError("connection refused")


@pytest.mark.parametrize(
    "first",
    [
        connect_error(),
        httpx.ConnectTimeout("connect timed out"),
        httpx.PoolTimeout("no free connection"),
        err(429, {"error_code": 429001}, {"Retry-After": "0"}),
        err(429, {"error_code": 429001}),
    ],
    ids=["connect-error", "connect-timeout", "pool-timeout", "429-retry-after", "429"],
)
def test_submit_is_retried_only_when_certainly_not_accepted(first: Step) -> None:
    script = Script(first, ok_submit())
    with mock_client(script) as client:
        job = client.submit(MODEL, PAYLOAD)
    assert job.request_id == "req-1"
    assert len(script.requests) == 2
    assert all(json.loads(r.content) == PAYLOAD for r in script.requests)


@pytest.mark.parametrize(
    "answer",
    [
        httpx.ReadTimeout("read timed out"),
        httpx.WriteTimeout("write timed out"),
        httpx.RemoteProtocolError("server disconnected without a response"),
        httpx.ReadError("connection reset"),
        err(500),
        err(502),
        err(503, {"error_code": 503001}),
        err(503, headers={"Retry-After": "0"}),
        err(504),
        err(408),
        httpx.Response(200, content=b"<html>proxy</html>"),
        httpx.Response(200, json={"status_url": "x"}),
        httpx.Response(302, headers={"Location": "https://elsewhere.test/"}),
    ],
    ids=[
        "read-timeout",
        "write-timeout",
        "dropped",
        "reset",
        "500",
        "502",
        "503",
        "503-retry-after",
        "504",
        "408",
        "200-not-json",
        "200-no-request-id",
        "302",
    ],
)
def test_submit_is_never_sent_twice_once_it_may_have_arrived(answer: Step) -> None:
    script = Script(answer)
    with mock_client(script) as client, pytest.raises(SubmitOutcomeUnknownError) as info:
        client.submit(MODEL, PAYLOAD)
    assert len(script.requests) == 1
    error = info.value
    assert error.model_id == MODEL
    assert error.payload == PAYLOAD
    assert "may exist" in str(error) and "billed" in str(error)
    assert "Generations page" in str(error) and "submit the same input again" in str(error)
    assert TOKEN not in str(error) and TOKEN not in repr(error)
    assert error.exit_code == 69


@pytest.mark.parametrize(
    ("answer", "cls"),
    [
        (err(401, {"error_code": 400004, "error_message": "bad token"}), AuthenticationError),
        (err(402, {"error_message": "no balance"}), InsufficientBalanceError),
        (
            httpx.Response(200, json={"error_code": 400002, "error_message": "x"}),
            InsufficientBalanceError,
        ),
        (
            httpx.Response(200, json={"error_code": 400004, "error_message": "x"}),
            AuthenticationError,
        ),
        (err(403, {"error_code": 403001}), PermissionDeniedError),
    ],
)
def test_balance_and_auth_errors_are_never_retried(answer: Step, cls: type[APIError]) -> None:
    script = Script(answer, then=ok_submit())
    with mock_client(script) as client, pytest.raises(cls):
        client.submit(MODEL, PAYLOAD)
    assert len(script.requests) == 1
    script = Script(answer, then=httpx.Response(200, json={"status": "in_queue"}))
    with mock_client(script) as client, pytest.raises(cls):
        client.status("req-1")
    assert len(script.requests) == 1


def test_submit_rejections_exhaust_retries_with_a_definite_error() -> None:
    script = Script(then=err(429, {"error_code": 429001}, {"Retry-After": "1000"}))
    with mock_client(script, max_retries=3) as client, pytest.raises(RateLimitError) as info:
        client.submit(MODEL, PAYLOAD)
    assert len(script.requests) == 4
    assert info.value.retry_after == 1000.0
    script = Script(then=connect_error())
    with mock_client(script) as client, pytest.raises(APIConnectionError) as conn:
        client.submit(MODEL, PAYLOAD, max_retries=0)
    assert not isinstance(conn.value, SubmitOutcomeUnknownError)
    assert len(script.requests) == 1


@pytest.mark.parametrize(
    "failure",
    [
        err(500),
        err(502),
        err(503),
        err(504),
        err(408),
        err(429, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}),
        err(429, headers={"Retry-After": "garbage"}),
        httpx.ReadTimeout("slow"),
        connect_error(),
        httpx.RemoteProtocolError("dropped"),
    ],
)
def test_reads_and_cancel_are_retried(failure: Step) -> None:
    status = Script(failure, failure, httpx.Response(200, json={"status": "in_progress"}))
    with mock_client(status) as client:
        assert client.status("req-1").state == "in_progress"
    assert len(status.requests) == 3
    cancel = Script(failure, httpx.Response(202, json={"outcome": "cancelled"}))
    with mock_client(cancel) as client:
        assert client.cancel("req-1").cancelled
    assert len(cancel.requests) == 2


def test_exhausted_read_retries_raise_typed_errors() -> None:
    cases: list[tuple[Step, type[Exception]]] = [
        (err(502), ServerError),
        (httpx.ReadTimeout("slow"), APITimeoutError),
        (connect_error(), APIConnectionError),
    ]
    for failure, cls in cases:
        script = Script(then=failure)
        with mock_client(script) as client, pytest.raises(cls) as info:
            client.result("req-7")
        assert len(script.requests) == 3
        assert getattr(info.value, "request_id", None) == "req-7"


def test_per_call_and_per_client_max_retries() -> None:
    script = Script(then=err(500))
    with mock_client(script, max_retries=5) as client:
        with pytest.raises(ServerError):
            client.status("r", max_retries=0)
        assert len(script.requests) == 1
        with pytest.raises(ServerError):
            client.status("r", max_retries=1)
        assert len(script.requests) == 3
        with pytest.raises(ServerError):
            client.status("r")
        assert len(script.requests) == 9


def test_per_call_timeout_reaches_the_request() -> None:
    seen: list[dict[str, Any]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.extensions["timeout"])
        return httpx.Response(200, json={"status": "in_queue"})

    with mock_client(Script(then=answer), timeout=30.0) as client:
        client.status("r")
        client.status("r", timeout=1.5)
        client.status("r", timeout=httpx.Timeout(2.0, connect=0.5))
    assert seen[0]["read"] == 30.0
    assert seen[1]["read"] == 1.5
    assert seen[2]["connect"] == 0.5 and seen[2]["read"] == 2.0


def test_requests_carry_bearer_token_and_urls_come_from_the_base_url() -> None:
    evil = "https://evil.test/v1/requests/req-1"

    def answer(request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path.startswith("/v1/models/"):
            return ok_submit(
                status_url=evil + "/status",
                result_url=evil + "/result",
                cancel_url=evil + "/cancel",
            )
        if request.url.path.endswith("/status"):
            return httpx.Response(200, json={"status": "completed", "status_url": evil + "/status"})
        if request.url.path.endswith("/cancel"):
            return httpx.Response(202, json={"outcome": "not_cancellable"})
        return httpx.Response(
            200,
            json={
                "status": "succeeded",
                "output": {"image": "https://cdn.test/a.png"},
                "result_url": evil,
            },
        )

    script = Script(then=answer)
    with mock_client(script) as client:
        job = client.submit(MODEL, PAYLOAD)
        output = job.wait()
        assert job.cancel().outcome == "not_cancellable"
        assert client.result("req-1", include_cost=True).state == "succeeded"
    assert output.image is not None and output.image.url == "https://cdn.test/a.png"
    assert [r.url.host for r in script.requests] == ["api.test"] * len(script.requests)
    assert all(r.headers["authorization"] == f"Bearer {TOKEN}" for r in script.requests)
    assert script.requests[0].url.path == "/v1/models/ideogram/ideogram-v3/reframe"
    assert script.requests[-1].url.params["include_cost"] == "true"


def test_redirects_are_not_followed() -> None:
    script = Script(
        httpx.Response(307, headers={"Location": "https://evil.test/v1/requests/r/status"})
    )
    with mock_client(script) as client, pytest.raises(UnexpectedResponseError):
        client.status("r")
    assert len(script.requests) == 1


def test_non_json_success_is_unexpected() -> None:
    script = Script(httpx.Response(200, content=b"not json"))
    with mock_client(script) as client, pytest.raises(UnexpectedResponseError) as info:
        client.status("r")
    assert info.value.request_id == "r"
    assert info.value.exit_code == 69


def test_http_200_error_body_is_an_error_on_reads() -> None:
    script = Script(httpx.Response(200, json={"error_code": 404001, "error_message": "expired"}))
    with mock_client(script) as client, pytest.raises(APIError) as info:
        client.result("r")
    assert info.value.error_code == "404001"
    assert info.value.exit_code == 65


async def test_async_twin_has_the_same_submit_rules() -> None:
    script = Script(connect_error(), err(429), ok_submit("req-9"))
    async with async_mock_client(script) as client:
        job = await client.submit(MODEL, PAYLOAD)
    assert job.request_id == "req-9"
    assert len(script.requests) == 3
    script = Script(httpx.ReadTimeout("slow"))
    async with async_mock_client(script) as client:
        with pytest.raises(SubmitOutcomeUnknownError):
            await client.submit(MODEL, PAYLOAD)
    assert len(script.requests) == 1
    script = Script(err(502), httpx.Response(200, json={"status": "completed"}))
    async with async_mock_client(script) as client:
        assert (await client.status("r")).is_done
    assert len(script.requests) == 2


def test_retries_are_logged_as_warnings_with_the_request_id(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("DEBUG", logger="runcomfy_models")
    script = Script(err(503), httpx.Response(200, json={"status": "in_queue", "queue_position": 2}))
    with mock_client(script) as client:
        client.status("req-42")
    warnings = [r for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1 and "req-42" in warnings[0].getMessage()
    assert "HTTP 503" in warnings[0].getMessage()


@pytest.mark.parametrize(
    ("payload", "problem"),
    [
        ({"image": Path("cat.png")}, "PosixPath|WindowsPath"),
        ({"image": b"\x89PNG"}, "bytes"),
        ({"strength": float("nan")}, "Out of range float"),
        ({"strength": float("inf")}, "Out of range float"),
        ({"tags": {1, 2}}, "set"),
    ],
)
def test_payload_that_is_not_json_is_refused_before_sending(
    payload: dict[str, Any], problem: str
) -> None:
    script = Script(then=ok_submit())
    with mock_client(script) as client, pytest.raises(InvalidInputError, match=problem) as info:
        client.submit(MODEL, payload)
    assert "encode_media" in str(info.value) and MODEL in str(info.value)
    assert script.requests == []


async def test_async_payload_that_is_not_json_is_refused_before_sending() -> None:
    script = Script(then=ok_submit())
    async with async_mock_client(script) as client:
        with pytest.raises(InvalidInputError):
            await client.submit(MODEL, {"image": Path("cat.png")})
    assert script.requests == []


def test_submit_body_is_the_payload_as_utf8_json() -> None:
    script = Script(ok_submit())
    payload = {"prompt": "café ☕", "seed": 3, "nested": {"a": [1.5, None, True]}}
    with mock_client(script) as client:
        client.submit(MODEL, payload)
    request = script.requests[0]
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content.decode("utf-8")) == payload


NOW = 1_900_000_000.0


def attempts(kind: RequestKind, policy: RetryPolicy, **extra: Any) -> Attempts:
    return Attempts(
        request=ApiRequest(
            method="GET", url="https://api.test/v1/requests/r/status", kind=kind, label="status"
        ),
        base_url="https://api.test",
        token=None,
        timeout=httpx.Timeout(5.0),
        policy=policy,
        max_retries=policy.max_retries,
        monotonic=lambda: 100.0,
        wall_clock=lambda: NOW,
        rand=lambda: 0.5,
        **extra,
    )


@pytest.mark.parametrize(
    ("status", "retry_after", "delay"),
    [
        (429, "7", 7.0),
        (503, "2.5", 2.5),
        (429, "0", 0.0),
        (503, format_datetime(datetime.fromtimestamp(NOW + 12, tz=UTC), usegmt=True), 12.0),
        (429, format_datetime(datetime.fromtimestamp(NOW - 60, tz=UTC), usegmt=True), 0.0),
        (429, "99999999", 30.0),  # capped at retry_after_cap
        (503, "soon", 0.75),  # garbage: the jittered backoff, 1.0 * (1 - 0.5 * 0.5)
        (500, None, 0.75),
    ],
)
def test_retry_after_decides_the_wait(status: int, retry_after: str | None, delay: float) -> None:
    policy = RetryPolicy(max_retries=3, base=1.0, cap=8.0, retry_after_cap=30.0, jitter=0.5)
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    step = attempts("read", policy).on_response(err(status, headers=headers))
    assert isinstance(step, Retry)
    assert step.delay == pytest.approx(delay)


def test_a_retry_that_would_end_after_the_deadline_gives_up() -> None:
    policy = RetryPolicy(max_retries=3, base=1.0, retry_after_cap=60.0, jitter=0.0)
    with pytest.raises(DeadlineReached) as info:
        attempts("read", policy, deadline=105.0).on_response(
            err(503, headers={"Retry-After": "10"})
        )
    assert isinstance(info.value.last_error, ServerError)
    step = attempts("read", policy, deadline=120.0).on_response(
        err(503, headers={"Retry-After": "10"})
    )
    assert isinstance(step, Retry) and step.delay == 10.0
