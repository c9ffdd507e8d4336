"""The error hierarchy, error mapping, URL building and response parsing (no I/O)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from runcomfy_models._runtime import errors as err_mod
from runcomfy_models._runtime.job_types import CancelOutcome, JobResult, JobStatus
from runcomfy_models._runtime.wire import (
    error_from_response,
    model_url,
    parse_cancel,
    parse_result,
    parse_status,
    parse_submit,
    request_url,
)

BASE = "https://api.test"


@pytest.mark.parametrize(
    ("cls", "code"),
    [
        (err_mod.InvalidInputError, 65),
        (err_mod.BadRequestError, 65),
        (err_mod.NotFoundError, 65),
        (err_mod.ServerError, 69),
        (err_mod.APIConnectionError, 69),
        (err_mod.UnexpectedResponseError, 69),
        (err_mod.SubmitOutcomeUnknownError, 69),
        (err_mod.DownloadError, 69),
        (err_mod.APITimeoutError, 75),
        (err_mod.RateLimitError, 75),
        (err_mod.JobTimeoutError, 75),
        (err_mod.MissingTokenError, 77),
        (err_mod.AuthenticationError, 77),
        (err_mod.PermissionDeniedError, 77),
        (err_mod.InsufficientBalanceError, 77),
        (err_mod.JobFailedError, 1),
        (err_mod.JobCancelledError, 1),
        (err_mod.APIError, 1),
        (err_mod.RunComfyError, 1),
    ],
)
def test_exit_codes(cls: type[err_mod.RunComfyError], code: int) -> None:
    assert cls.exit_code == code
    assert issubclass(cls, err_mod.RunComfyError)


def test_hierarchy() -> None:
    assert issubclass(err_mod.InvalidInputError, ValueError)
    assert issubclass(err_mod.APITimeoutError, err_mod.APIConnectionError)
    for cls in (
        err_mod.BadRequestError,
        err_mod.AuthenticationError,
        err_mod.InsufficientBalanceError,
        err_mod.PermissionDeniedError,
        err_mod.NotFoundError,
        err_mod.RateLimitError,
        err_mod.ServerError,
        err_mod.UnexpectedResponseError,
    ):
        assert issubclass(cls, err_mod.APIError)
    for job_error in (err_mod.JobFailedError, err_mod.JobCancelledError, err_mod.JobTimeoutError):
        assert issubclass(job_error, err_mod.JobError)
    assert "RUNCOMFY_API_TOKEN" in str(err_mod.MissingTokenError())
    assert "RUNCOMFY_TOKEN" in str(err_mod.MissingTokenError())


def response(
    status: int, body: Any = None, headers: dict[str, str] | None = None
) -> httpx.Response:
    request = httpx.Request("GET", BASE + "/v1/requests/r1/status")
    if isinstance(body, str | bytes):
        return httpx.Response(status, content=body, headers=headers, request=request)
    return httpx.Response(status, json=body, headers=headers, request=request)


@pytest.mark.parametrize(
    ("status", "body", "cls", "error_code"),
    [
        # RunComfy's error code decides first...
        (
            400,
            {"error_code": 400001, "error_message": "bad model"},
            err_mod.BadRequestError,
            "400001",
        ),
        (
            400,
            {"error_code": 400002, "error_message": "no money"},
            err_mod.InsufficientBalanceError,
            "400002",
        ),
        (
            400,
            {"error_code": "400004", "error_message": "token"},
            err_mod.AuthenticationError,
            "400004",
        ),
        (
            403,
            {"error_code": 403001, "error_message": "not yours"},
            err_mod.PermissionDeniedError,
            "403001",
        ),
        (404, {"error_code": 404001, "error_message": "expired"}, err_mod.NotFoundError, "404001"),
        (
            500,
            {"error_code": 400002, "error_message": "odd"},
            err_mod.InsufficientBalanceError,
            "400002",
        ),
        # ...the HTTP status second.
        (400, {"error_message": "schema"}, err_mod.BadRequestError, None),
        (
            422,
            {"detail": [{"loc": ["body", "seed"], "msg": "too big"}]},
            err_mod.BadRequestError,
            None,
        ),
        (401, {}, err_mod.AuthenticationError, None),
        (402, None, err_mod.InsufficientBalanceError, None),
        (403, {"error_code": 999}, err_mod.PermissionDeniedError, "999"),
        (404, "<html>nope</html>", err_mod.NotFoundError, None),
        (429, {"error_code": 429001}, err_mod.RateLimitError, "429001"),
        (500, {}, err_mod.ServerError, None),
        (503, "Service Unavailable", err_mod.ServerError, None),
        (418, {}, err_mod.APIError, None),
        # HTTP 200 with an error body is an error too.
        (
            200,
            {"error_code": 400002, "error_message": "no balance"},
            err_mod.InsufficientBalanceError,
            "400002",
        ),
        (
            200,
            {"error_code": 400004, "error_message": "bad token"},
            err_mod.AuthenticationError,
            "400004",
        ),
        (200, {"error_code": 123456, "error_message": "weird"}, err_mod.APIError, "123456"),
        (200, {"error_message": "only a message"}, err_mod.APIError, None),
    ],
)
def test_error_mapping(
    status: int, body: Any, cls: type[err_mod.APIError], error_code: str | None
) -> None:
    error = error_from_response(response(status, body), body, request_id="r1")
    assert type(error) is cls
    assert error.status_code == status
    assert error.error_code == error_code
    assert error.request_id == "r1"


def test_error_message_carries_server_message_and_details() -> None:
    body = {"error_code": 404001, "error_message": "Unknown or expired request id"}
    error = error_from_response(response(404, body), body, request_id="r-9")
    assert error is not None
    assert error.message == "Unknown or expired request id"
    assert str(error) == "Unknown or expired request id (HTTP 404, error code 404001, request r-9)"
    detail = {"detail": [{"loc": ["body", "seed"], "msg": "too big"}]}
    bad = error_from_response(response(422, detail), detail)
    assert bad is not None and "body.seed: too big" in bad.message


def test_error_message_never_echoes_the_token() -> None:
    body = {"error_message": "token tok-SECRET is not valid"}
    error = error_from_response(response(401, body), body, secret="tok-SECRET")
    assert error is not None
    assert "tok-SECRET" not in str(error)
    assert "***" in str(error)


def test_rate_limit_error_carries_retry_after() -> None:
    error = error_from_response(response(429, {}, {"Retry-After": "12"}), {})
    assert isinstance(error, err_mod.RateLimitError)
    assert error.retry_after == 12.0


@pytest.mark.parametrize(
    "body",
    [
        {"request_id": "r1", "status": "completed"},
        {"request_id": "r1", "status": "failed", "error_code": 1, "error_message": "boom"},
        [],
        None,
    ],
)
def test_successes_are_not_errors(body: Any) -> None:
    assert error_from_response(response(200, body), body) is None


def test_urls_are_built_from_the_base_url() -> None:
    assert model_url(BASE, "ideogram/ideogram-v3/reframe") == (
        BASE + "/v1/models/ideogram/ideogram-v3/reframe"
    )
    assert model_url(BASE + "/prefix", "a/b") == BASE + "/prefix/v1/models/a/b"
    assert request_url(BASE, "abc-123", "status") == BASE + "/v1/requests/abc-123/status"
    assert request_url(BASE, "a/../b?x#y", "result") == (
        BASE + "/v1/requests/a%2F..%2Fb%3Fx%23y/result"
    )
    assert request_url(BASE, "id with space", "cancel") == (
        BASE + "/v1/requests/id%20with%20space/cancel"
    )


@pytest.mark.parametrize(
    "model_id",
    ["", "a//b", "../requests/x", "a/./b", "a/b/", "/a", "a?b", "a#b", "a\\b", "a/\nb", "a%2Fb"],
)
def test_hostile_model_ids_are_refused(model_id: str) -> None:
    with pytest.raises(err_mod.InvalidInputError):
        model_url(BASE, model_id)


@pytest.mark.parametrize("request_id", ["", "   ", "a\nb", ".", ".."])
def test_bad_request_ids_are_refused(request_id: str) -> None:
    with pytest.raises(err_mod.InvalidInputError):
        request_url(BASE, request_id, "status")


def test_parse_submit() -> None:
    assert parse_submit({"request_id": "r1", "status_url": "https://evil.test/x"}) == "r1"
    bodies: list[Any] = [{}, {"request_id": ""}, {"request_id": 5}, [], None]
    for body in bodies:
        with pytest.raises(err_mod.UnexpectedResponseError):
            parse_submit(body)


def test_parse_status() -> None:
    assert parse_status({"status": "in_queue", "queue_position": 3}, "r1") == JobStatus(
        "r1", "in_queue", 3
    )
    status = parse_status({"status": "completed", "queue_position": True}, "r1")
    assert status.queue_position is None and status.is_done
    assert not parse_status({"status": "in_progress"}, "r1").is_done
    for body in ({}, {"status": 1}, {"status": "  "}, "x"):
        with pytest.raises(err_mod.UnexpectedResponseError) as info:
            parse_status(body, "r1")
        assert info.value.request_id == "r1"


@pytest.mark.parametrize(
    ("word", "state"),
    [
        ("in_queue", "in_queue"),
        ("queued", "in_queue"),
        ("pending", "in_queue"),
        ("waiting", "in_queue"),
        ("in_progress", "in_progress"),
        ("running", "in_progress"),
        ("processing", "in_progress"),
        ("starting", "in_progress"),
        ("completed", "completed"),
        ("succeeded", "completed"),
        ("failed", "completed"),
        ("cancelled", "cancelled"),
        ("canceled", "cancelled"),
        ("Paused", "unknown"),
    ],
)
def test_status_words_that_runcomfys_clients_read(word: str, state: str) -> None:
    status = parse_status({"status": word}, "r1")
    assert status.state == state
    assert status.word == word.lower()
    assert status.is_done == (state in ("completed", "cancelled"))


def test_parse_result() -> None:
    result = parse_result(
        {
            "request_id": "r1",
            "status": "succeeded",
            "output": {"image": "https://cdn.test/a.png"},
            "created_at": "2030-01-01T00:00:00Z",
            "finished_at": "2030-01-01T00:00:05Z",
            "cost": 0.04,
        },
        "r1",
    )
    assert result == JobResult(
        "r1",
        "succeeded",
        {"image": "https://cdn.test/a.png"},
        None,
        0.04,
        "2030-01-01T00:00:00Z",
        "2030-01-01T00:00:05Z",
    )
    assert result.is_final
    failed = parse_result({"status": "failed", "error": {"error_message": "OOM"}}, "r1")
    assert failed.error_message == "OOM" and failed.is_final
    flat = parse_result({"status": "failed", "error_message": "flat"}, "r1")
    assert flat.error_message == "flat"
    assert not parse_result({"status": "in_progress"}, "r1").is_final
    weird = parse_result({"status": "weird"}, "r1")
    assert weird.state == "unknown" and weird.word == "weird" and not weird.is_final
    for body in ({"status": "succeeded", "output": []}, {"output": {}}, []):
        with pytest.raises(err_mod.UnexpectedResponseError):
            parse_result(body, "r1")


@pytest.mark.parametrize(
    ("body", "state", "message"),
    [
        ({"status": "completed", "output": {"image": "u"}}, "succeeded", None),
        ({"status": "completed"}, "succeeded", None),
        ({"status": "completed", "error": "boom"}, "failed", "boom"),
        ({"status": "failed", "error": "a string"}, "failed", "a string"),
        ({"status": "failed", "error": {"message": "an object"}}, "failed", "an object"),
        ({"status": "failed", "error": [{"msg": "one"}, "two"]}, "failed", "one; two"),
        ({"status": "failed", "error": {"error": {"detail": "deep"}}}, "failed", "deep"),
        ({"status": "failed", "error": 42}, "failed", "42"),
        ({"status": "failed"}, "failed", None),
        ({"status": "canceled"}, "cancelled", None),
        ({"status": "pending"}, "in_queue", None),
        ({"status": "processing"}, "in_progress", None),
    ],
)
def test_result_shapes_that_runcomfys_clients_read(
    body: dict[str, Any], state: str, message: str | None
) -> None:
    result = parse_result(body, "r1")
    assert result.state == state
    assert result.error_message == message


def test_a_token_echoed_in_a_failed_jobs_error_is_scrubbed() -> None:
    body = {
        "status": "failed",
        "error": {"message": "bad header Bearer tok-123", "list": ["tok-123", 1]},
    }
    result = parse_result(body, "r1", secret="tok-123")
    assert "tok-123" not in repr(result)
    assert result.error_message == "bad header Bearer ***"


@pytest.mark.parametrize(
    ("body", "outcome"),
    [
        ({"request_id": "r1", "outcome": "cancelled"}, "cancelled"),
        ({"request_id": "r1", "outcome": "not_cancellable"}, "not_cancellable"),
        ({"status": "cancelled"}, "cancelled"),
        ({"status": "canceled"}, "cancelled"),
        ({"status": "in_progress", "outcome": "cancellation_requested"}, "requested"),
        ({}, "unknown"),
        (None, "unknown"),
        ([], "unknown"),
        ({"outcome": "maybe"}, "unknown"),
        ({"status": "in_progress"}, "unknown"),
    ],
)
def test_cancel_answers_in_every_shape_give_an_honest_outcome(body: Any, outcome: str) -> None:
    answer = parse_cancel(body, "r1")
    assert answer == CancelOutcome("r1", outcome)  # type: ignore[arg-type]
    assert answer.cancelled == (outcome == "cancelled")
    assert answer.description
