"""Pure request building and response parsing for the RunComfy Model API.

URLs are always built from the configured base URL and the request id: the
``status_url``/``result_url``/``cancel_url`` returned by the server are never
followed, so the token cannot be sent to another origin.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal, cast
from urllib.parse import quote

import httpx

from .errors import (
    APIError,
    InvalidInputError,
    RateLimitError,
    UnexpectedResponseError,
    api_error_class,
)
from .job_types import (
    CANCELLED_WORDS,
    CancelOutcome,
    CancelOutcomeValue,
    JobResult,
    JobStatus,
    describe_error,
    result_state,
    status_state,
)
from .retry import parse_retry_after

__all__ = [
    "Action",
    "error_from_response",
    "model_url",
    "parse_cancel",
    "parse_json",
    "parse_result",
    "parse_status",
    "parse_submit",
    "request_url",
    "scrub",
    "validate_model_id",
    "validate_request_id",
]

Action = Literal["status", "result", "cancel"]

_MAX_MESSAGE = 500
MAX_MODEL_ID_LENGTH = 512
MAX_REQUEST_ID_LENGTH = 256


def validate_model_id(model_id: str) -> str:
    """Reject ids that could escape ``/v1/models/`` (empty, ``.``/``..`` segments, odd characters)."""
    if not isinstance(model_id, str) or not model_id:
        raise InvalidInputError(
            "The model id must be a non-empty string such as 'owner/model/task'"
        )
    if len(model_id) > MAX_MODEL_ID_LENGTH:
        raise InvalidInputError(
            f"Invalid model id {_preview(model_id, 60)!r}: longer than "
            f"{MAX_MODEL_ID_LENGTH} characters"
        )
    segments = model_id.split("/")
    for segment in segments:
        if (
            segment in ("", ".", "..")
            or any(ch in segment for ch in "?#\\%")
            or not segment.isprintable()
            or segment != segment.strip()
        ):
            raise InvalidInputError(f"Invalid model id {model_id!r}")
    return model_id


def validate_request_id(request_id: str) -> str:
    """Reject ids that cannot be one path segment of ``/v1/requests/{id}/...``."""
    if isinstance(request_id, str) and len(request_id) > MAX_REQUEST_ID_LENGTH:
        raise InvalidInputError(
            f"Invalid request id {_preview(request_id, 60)!r}: longer than "
            f"{MAX_REQUEST_ID_LENGTH} characters"
        )
    if (
        not isinstance(request_id, str)
        or not request_id.strip()
        or not request_id.isprintable()
        or request_id in (".", "..")
    ):
        # "." and ".." would be normalised away as path segments and reach another endpoint.
        raise InvalidInputError(f"Invalid request id {request_id!r}")
    return request_id


def model_url(base_url: str, model_id: str) -> str:
    """``{base}/v1/models/{model_id}``; the slashes of the id stay in the path."""
    return f"{base_url}/v1/models/{quote(validate_model_id(model_id), safe='/')}"


def request_url(base_url: str, request_id: str, action: Action) -> str:
    """``{base}/v1/requests/{id}/{action}`` with the id quoted as one path segment."""
    return f"{base_url}/v1/requests/{quote(validate_request_id(request_id), safe='')}/{action}"


def parse_json(response: httpx.Response, *, request_id: str | None = None) -> Any:
    """The JSON body, or UnexpectedResponseError when the body is not JSON.

    JSON nested too deeply for the parser (RecursionError) counts as not JSON.
    """
    try:
        return json.loads(response.content) if response.content else None
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise UnexpectedResponseError(
            "The API answered with a body that is not JSON (or is nested too deeply): "
            f"{_preview(response.text)!r}",
            status_code=response.status_code,
            request_id=request_id,
            body=response.text,
        ) from exc


def _preview(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def _error_code(body: Any) -> str | None:
    if not isinstance(body, dict):
        return None
    code = body.get("error_code")
    if isinstance(code, bool) or code is None or code == "":
        return None
    if isinstance(code, int | str):
        return str(code)
    return None


def _server_message(body: Any, depth: int = 0) -> str | None:
    if isinstance(body, str):
        return body or None
    if not isinstance(body, dict) or depth > 8:
        return None
    for key in ("error_message", "message", "detail", "error"):
        value = body.get(key)
        if isinstance(value, str) and value:
            return value
        if isinstance(value, dict):
            nested = _server_message(value, depth + 1)
            if nested:
                return nested
        if isinstance(value, list) and value:
            return "; ".join(_describe_detail(item) for item in value)
    return None


def _describe_detail(item: Any) -> str:
    try:
        return _detail_text(item)
    except RecursionError:
        return type(item).__name__


def _detail_text(item: Any) -> str:
    if isinstance(item, dict):
        loc = item.get("loc")
        msg = item.get("msg") or item.get("message") or _dumps(item)
        if isinstance(loc, list | tuple):
            return f"{'.'.join(str(p) for p in loc)}: {msg}"
        return str(msg)
    return str(item)


def _dumps(item: Any) -> str:
    try:
        return _preview(json.dumps(item, default=str))
    except (ValueError, RecursionError):
        return type(item).__name__


def _is_error_body(body: Any) -> bool:
    """A 200 answer that is really an error: it carries an error code and no job status."""
    return (
        isinstance(body, dict)
        and "status" not in body
        and (_error_code(body) is not None or bool(body.get("error_message")))
    )


def error_from_response(
    response: httpx.Response,
    body: Any,
    *,
    request_id: str | None = None,
    secret: str | None = None,
    now: float = 0.0,
) -> APIError | None:
    """The error an answer stands for, or None when it is a success.

    Any status >= 400 is an error, and so is a 2xx whose JSON body holds
    ``error_code``/``error_message`` instead of a job.
    """
    status = response.status_code
    if status < 400 and not _is_error_body(body):
        return None
    code = _error_code(body)
    if request_id is None and isinstance(body, dict) and isinstance(body.get("request_id"), str):
        request_id = body["request_id"]
    message = _server_message(body) or (
        f"HTTP {status} {response.reason_phrase}".strip() if status >= 400 else "Error"
    )
    message = _preview(message, _MAX_MESSAGE)
    if secret:
        message = message.replace(secret, "***")
    cls = api_error_class(status if status >= 400 else None, code)
    common: dict[str, Any] = {
        "status_code": status,
        "error_code": code,
        "request_id": request_id,
        "body": body,
    }
    if cls is RateLimitError:
        retry_after = parse_retry_after(response.headers.get("retry-after"), now)
        return RateLimitError(message, retry_after=retry_after, **common)
    return cls(message, **common)


def _require_object(body: Any, what: str, request_id: str | None) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise UnexpectedResponseError(
            f"The {what} answer is not a JSON object", request_id=request_id, body=body
        )
    return cast(dict[str, Any], body)


def parse_submit(body: Any) -> str:
    """The request id of an accepted submit.

    An id that the job handle could not use (not a string, blank, ``.``/``..``,
    control characters, too long) is an unexpected answer, not bad input: the
    job was created and paid for.
    """
    data = _require_object(body, "submit", None)
    request_id = data.get("request_id")
    if not isinstance(request_id, str) or not request_id.strip():
        raise UnexpectedResponseError(
            "The submit answer has no request_id", body=body, status_code=200
        )
    try:
        return validate_request_id(request_id)
    except InvalidInputError as exc:
        raise UnexpectedResponseError(
            f"The submit answer has an unusable request_id {_preview(request_id, 80)!r}",
            body=body,
            status_code=200,
        ) from exc


def _word(data: Mapping[str, Any], what: str, request_id: str) -> str:
    """The status word, lower-cased; a missing or non-string status is an unreadable answer."""
    word = data.get("status")
    if not isinstance(word, str) or not word.strip():
        raise UnexpectedResponseError(
            f"The {what} answer has no status", request_id=request_id, body=dict(data)
        )
    return word.strip().lower()[:64]


def parse_status(body: Any, request_id: str) -> JobStatus:
    """A ``/status`` answer; words other than the documented ones are read as RunComfy's
    own clients read them, and a word nobody documents is state ``unknown``."""
    data = _require_object(body, "status", request_id)
    word = _word(data, "status", request_id)
    position = data.get("queue_position")
    if isinstance(position, bool) or not isinstance(position, int):
        position = None
    return JobStatus(
        request_id=request_id, state=status_state(word), queue_position=position, word=word
    )


def parse_result(body: Any, request_id: str, *, secret: str | None = None) -> JobResult:
    """A ``/result`` answer. ``completed`` with an output is a success; ``error`` may be a
    string, an object or a list. ``secret`` is scrubbed from the error the server sent."""
    data = _require_object(body, "result", request_id)
    word = _word(data, "result", request_id)
    output = data.get("output")
    if output is not None and not isinstance(output, dict):
        raise UnexpectedResponseError(
            "The result answer has an output that is not an object",
            request_id=request_id,
            body=body,
        )
    error = data.get("error")
    if describe_error(error) is None:
        error = data.get("error_message") or None
    if secret:
        error = scrub(error, secret)
    state = result_state(word, has_error=describe_error(error) is not None)

    def text(key: str) -> str | None:
        value = data.get(key)
        return value if isinstance(value, str) else None

    return JobResult(
        request_id=request_id,
        state=state,
        output=output,
        error=error,
        cost=data.get("cost"),
        created_at=text("created_at"),
        finished_at=text("finished_at"),
        word=word,
    )


def parse_cancel(body: Any, request_id: str) -> CancelOutcome:
    """A cancel answer in any shape RunComfy's clients handle; never an error after a 2xx.

    ``{outcome}`` as documented, ``{status: "cancelled"}``, ``{outcome:
    "cancellation_requested"}``, or ``{}`` (``unknown``: check the status).
    """
    data: Mapping[str, Any] = body if isinstance(body, dict) else {}
    outcome = data.get("outcome")
    status = data.get("status")
    words = [w.strip().lower() for w in (outcome, status) if isinstance(w, str)]
    value: CancelOutcomeValue = "unknown"
    for word in words:
        if word in CANCELLED_WORDS:
            value = "cancelled"
        elif word in ("not_cancellable", "not_cancelable"):
            value = "not_cancellable"
        elif word in ("cancellation_requested", "cancel_requested", "requested"):
            value = "requested"
        else:
            continue
        break
    return CancelOutcome(request_id=request_id, outcome=value)


def scrub(value: Any, secret: str, depth: int = 0) -> Any:
    """``value`` with every occurrence of ``secret`` in its strings replaced by ``***``."""
    if isinstance(value, str):
        return value.replace(secret, "***")
    if depth > 32:
        return None
    if isinstance(value, dict):
        return {scrub(k, secret, depth + 1): scrub(v, secret, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(item, secret, depth + 1) for item in value]
    return value
