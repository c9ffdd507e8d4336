"""One API call with retries: shared bookkeeping, plus thin sync and async senders.

:class:`Attempts` holds all the decisions (what is an error, what may be
retried, how long to wait, when a submit's outcome is unknown); the two send
functions only do the I/O and the sleeping.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from .config import RetryPolicy, Secret, cap_timeout, missing_token_error
from .errors import (
    TOKEN_ENV_VARS,
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    InvalidInputError,
    RunComfyError,
    SubmitOutcomeUnknownError,
    UnexpectedResponseError,
)
from .reading import read_async, read_sync
from .retry import (
    RequestKind,
    backoff_delay,
    exception_is_retryable,
    parse_retry_after,
    status_is_retryable,
    submit_never_sent,
)
from .wire import error_from_response, parse_json

__all__ = ["ApiRequest", "Attempts", "DeadlineReached", "send_async", "send_sync"]

logger = logging.getLogger("runcomfy_models")

USER_AGENT = "runcomfy-models-python"
# A request sent close to a deadline still gets this long to complete.
MIN_REQUEST_TIMEOUT = 0.05


class DeadlineReached(Exception):
    """An overall deadline has passed (instead of retrying, or between polls).

    ``last_error`` is the failure that would have been retried, if any.
    """

    def __init__(self, last_error: RunComfyError | None = None) -> None:
        super().__init__(str(last_error) if last_error else "deadline reached")
        self.last_error = last_error


@dataclass(frozen=True)
class ApiRequest:
    """Everything needed to send one API call (and to describe it in logs and errors)."""

    method: str
    url: str
    kind: RequestKind
    label: str
    json_body: Any = None
    content: bytes | None = None  # the encoded JSON body, when there is one
    params: Mapping[str, str] | None = None
    request_id: str | None = None
    model_id: str | None = None


@dataclass(frozen=True)
class Done:
    body: Any


@dataclass(frozen=True)
class Retry:
    delay: float


@dataclass
class Attempts:
    """The retry bookkeeping of one API call; pure apart from the clocks and the random source."""

    request: ApiRequest
    base_url: str
    token: Secret | None
    timeout: httpx.Timeout
    policy: RetryPolicy
    max_retries: int
    deadline: float | None = None
    monotonic: Callable[[], float] = time.monotonic
    wall_clock: Callable[[], float] = time.time
    rand: Callable[[], float] = field(default_factory=lambda: random.SystemRandom().random)
    retries_done: int = 0

    def __post_init__(self) -> None:
        if not _same_origin(self.request.url, self.base_url):
            raise ValueError("API requests must target the configured base URL")

    def headers(self) -> dict[str, str]:
        if self.token is None:
            raise missing_token_error(self.base_url)
        return {
            "Authorization": f"Bearer {self.token.reveal()}",
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
        }

    def attempt_timeout(self) -> httpx.Timeout:
        if self.deadline is None:
            return self.timeout
        remaining = max(self.deadline - self.monotonic(), MIN_REQUEST_TIMEOUT)
        return cap_timeout(self.timeout, remaining)

    def body_deadline(self) -> float | None:
        """When reading an answer must end; None for a submit, whose answer holds the
        request id and must not be given up on."""
        return None if self.request.kind == "submit" else self.deadline

    def late(self) -> DeadlineReached:
        """The deadline passed while an answer was still arriving."""
        return DeadlineReached(
            APITimeoutError(
                f"{self.request.label}: the answer was still arriving at the deadline",
                request_id=self.request.request_id,
            )
        )

    def on_response(self, response: httpx.Response) -> Done | Retry:
        status = response.status_code
        request_id = self.request.request_id
        if status < 400:
            try:
                body = parse_json(response, request_id=request_id)
            except UnexpectedResponseError as exc:
                raise self.outcome_unknown(exc, "unreadable answer") from exc
        else:
            body = _lenient_json(response)
        error = error_from_response(
            response,
            body,
            request_id=request_id,
            secret=self.token.reveal() if self.token else None,
            now=self.wall_clock(),
        )
        if isinstance(error, AuthenticationError) and self.token is not None:
            _name_token_source(error, self.token)
        if error is None:
            if not 200 <= status < 300:
                unexpected = UnexpectedResponseError(
                    f"Unexpected HTTP {status} answer", status_code=status, body=body
                )
                raise self.outcome_unknown(unexpected, f"HTTP {status}")
            return Done(body)
        if status >= 400 and status_is_retryable(status, self.request.kind):
            retry_after = parse_retry_after(response.headers.get("retry-after"), self.wall_clock())
            return self._retry_or_raise(error, f"HTTP {status}", retry_after)
        if self.request.kind == "submit" and (status >= 500 or status == 408):
            raise self.outcome_unknown(error, f"HTTP {status}")
        raise error

    def on_exception(self, exc: httpx.HTTPError) -> Retry:
        error = _connection_error(exc, self.request, self.base_url, self.token)
        # An httpx error that shows the token is not chained (a traceback would print it).
        cause = exc if _scrub(str(exc), self.token) == str(exc) else None
        if exception_is_retryable(exc, self.request.kind):
            try:
                return self._retry_or_raise(error, type(exc).__name__, None)
            except APIConnectionError as final:
                raise final from cause
        if self.request.kind == "submit" and not submit_never_sent(exc):
            raise self.outcome_unknown(error, type(exc).__name__) from cause
        raise error from cause

    def invalid_url(self, exc: httpx.InvalidURL) -> InvalidInputError:
        """httpx refused the URL before sending anything (too long, bad characters)."""
        detail = (str(exc) or type(exc).__name__)[:200]
        if self.token is not None:
            detail = detail.replace(self.token.reveal(), "***")
        return InvalidInputError(
            f"{self.request.label[:200]}: the request URL is invalid ({detail}); nothing was sent"
        )

    def _retry_or_raise(
        self, error: RunComfyError, reason: str, retry_after: float | None
    ) -> Retry:
        now = self.monotonic()
        if self.deadline is not None and now >= self.deadline:
            raise DeadlineReached(error)
        if self.retries_done >= self.max_retries:
            raise error
        delay = backoff_delay(
            self.retries_done, self.policy, retry_after=retry_after, rand=self.rand()
        )
        if self.deadline is not None and now + delay >= self.deadline:
            raise DeadlineReached(error)
        self.retries_done += 1
        logger.warning(
            "%s failed (%s); retry %d of %d in %.2fs%s",
            self.request.label,
            reason,
            self.retries_done,
            self.max_retries,
            delay,
            f" [request {self.request.request_id}]" if self.request.request_id else "",
        )
        return Retry(delay)

    def outcome_unknown(self, cause: RunComfyError, reason: str) -> RunComfyError:
        if self.request.kind != "submit":
            return cause
        body = cause.body if isinstance(cause, APIError) else None
        answered = ""
        if body is not None:
            shown = _answer_preview(body)
            if self.token is not None:
                shown = shown.replace(self.token.reveal(), "***")
            answered = f" The server answered: {shown}."
        return SubmitOutcomeUnknownError(
            f"The submit to model {self.request.model_id!r} may have reached the server, "
            f"but its answer was lost ({reason}).{answered} The job may exist and may be "
            "billed, so it was not sent again. Look for it on the Generations page of your "
            "RunComfy account; to send it again on purpose, submit the same input again "
            "(that may create a second billed job).",
            model_id=self.request.model_id or "",
            payload=self.request.json_body if isinstance(self.request.json_body, dict) else {},
            reason=reason,
            body=body,
        )


def _name_token_source(error: AuthenticationError, token: Secret) -> None:
    """Say where the refused token came from (a user may not know which variable is set)."""
    error.message = (
        f"{error.message} (the token came from {token.source}; tokens are read from "
        f"{' then '.join(TOKEN_ENV_VARS)} unless one is passed to the client)"
    )
    error.args = (error.message,)


def _answer_preview(body: Any, limit: int = 300) -> str:
    """The server's answer for a message: JSON with control characters escaped, shortened."""
    try:
        text = json.dumps(body, ensure_ascii=True, default=str)
    except (ValueError, TypeError, RecursionError):
        text = type(body).__name__
    return text if len(text) <= limit else text[:limit] + "..."


def _same_origin(url: str, base_url: str) -> bool:
    a, b = urlsplit(url), urlsplit(base_url)
    return (a.scheme, a.hostname, a.port) == (b.scheme, b.hostname, b.port)


def _lenient_json(response: httpx.Response) -> Any:
    try:
        return parse_json(response)
    except APIError:
        return response.text


def _scrub(text: str, secret: Secret | None) -> str:
    """``text`` without the token, also in the escaped forms h11 uses for a refused header."""
    if secret is None:
        return text
    token = secret.reveal()
    for shown in (token, repr(token)[1:-1], repr(token.encode("utf-8", "replace"))[2:-1]):
        if shown:
            text = text.replace(shown, "***")
    return text


def _connection_error(
    exc: httpx.HTTPError, request: ApiRequest, base_url: str, secret: Secret | None
) -> APIConnectionError:
    detail = _scrub(str(exc) or type(exc).__name__, secret)
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(
            f"{request.label} timed out talking to {base_url}: {detail}",
            request_id=request.request_id,
        )
    return APIConnectionError(
        f"{request.label} failed: cannot reach {base_url} ({detail})",
        request_id=request.request_id,
    )


def _build(http: httpx.Client | httpx.AsyncClient, attempts: Attempts) -> httpx.Request:
    request = attempts.request
    headers = attempts.headers()
    if request.content is not None:
        headers["Content-Type"] = "application/json"
    return http.build_request(
        request.method,
        request.url,
        content=request.content,
        params=request.params,
        headers=headers,
        timeout=attempts.attempt_timeout(),
    )


def _read_sync(http: httpx.Client, attempts: Attempts) -> httpx.Response:
    return read_sync(
        http,
        _build(http, attempts),
        deadline=attempts.body_deadline(),
        clock=attempts.monotonic,
        late=attempts.late,
    )


async def _read_async(http: httpx.AsyncClient, attempts: Attempts) -> httpx.Response:
    return await read_async(
        http,
        _build(http, attempts),
        deadline=attempts.body_deadline(),
        clock=attempts.monotonic,
        late=attempts.late,
    )


def send_sync(http: httpx.Client, attempts: Attempts) -> Any:
    """Send the call, retrying as ``attempts`` decides; returns the decoded JSON body."""
    while True:
        try:
            response = _read_sync(http, attempts)
        except httpx.InvalidURL as exc:
            raise attempts.invalid_url(exc) from exc
        except httpx.HTTPError as exc:
            step: Done | Retry = attempts.on_exception(exc)
        else:
            step = attempts.on_response(response)
        if isinstance(step, Done):
            return step.body
        time.sleep(step.delay)


async def send_async(http: httpx.AsyncClient, attempts: Attempts) -> Any:
    """Async twin of :func:`send_sync`."""
    while True:
        try:
            response = await _read_async(http, attempts)
        except httpx.InvalidURL as exc:
            raise attempts.invalid_url(exc) from exc
        except httpx.HTTPError as exc:
            step: Done | Retry = attempts.on_exception(exc)
        else:
            step = attempts.on_response(response)
        if isinstance(step, Done):
            return step.body
        await asyncio.sleep(step.delay)
