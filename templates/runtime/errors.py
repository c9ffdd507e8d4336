"""The exceptions raised by the RunComfy runtime.

Everything derives from :class:`RunComfyError`. Every class has an ``exit_code``
class attribute, aligned with RunComfy's official CLI, so a command line tool
can ``sys.exit(err.exit_code)``:

====  ==========================================================================
code  meaning
====  ==========================================================================
65    bad input or schema mismatch: InvalidInputError, BadRequestError,
      NotFoundError
69    server or connection problem: ServerError, APIConnectionError,
      UnexpectedResponseError, SubmitOutcomeUnknownError, DownloadError
75    timeout or rate limit: APITimeoutError, RateLimitError, JobTimeoutError
77    authentication: MissingTokenError, InvalidTokenError, AuthenticationError,
      PermissionDeniedError, InsufficientBalanceError
5     the job succeeded (and is billed) but its output holds no file, or not the
      one file asked for: UnexpectedOutputError (its ``output`` is the raw output)
1     the job failed or was cancelled, and anything else
====  ==========================================================================

HTTP errors are mapped by RunComfy's error code first and the HTTP status
second (see :func:`api_error_class`). Messages never contain the API token.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from .job_types import CancelOutcome, JobResult

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "DownloadError",
    "InsufficientBalanceError",
    "InvalidInputError",
    "InvalidTokenError",
    "JobCancelledError",
    "JobError",
    "JobFailedError",
    "JobTimeoutError",
    "MissingTokenError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RunComfyError",
    "ServerError",
    "SubmitOutcomeUnknownError",
    "UnexpectedResponseError",
    "api_error_class",
    "emulator_token_hint",
]

TOKEN_ENV_VARS = ("RUNCOMFY_API_TOKEN", "RUNCOMFY_TOKEN")

# Advice for Python callers, named so that the command line can put its own in their place.
PY_RESUME_HINT = "resume with client.job(request_id).wait()"
PY_RAW_OUTPUT_HINT = "The raw output is in job.result().output."
PY_INSECURE_HINT = ", or pass allow_insecure_http=True to the client if this network is trusted"
PY_TOKEN_HINT = "pass token=... to the client or "
PY_BALANCE_HINT = "client.balance()"


class RunComfyError(Exception):
    """Base class of every error raised by this package."""

    exit_code: ClassVar[int] = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class MissingTokenError(RunComfyError):
    """No API token was given and none is set in the environment.

    ``emulator_url`` is the base URL when it is a loopback address: a local
    emulator accepts any token, and the message says so.
    """

    exit_code: ClassVar[int] = 77

    def __init__(self, message: str | None = None, *, emulator_url: str | None = None) -> None:
        self.emulator_url = emulator_url
        super().__init__(
            message
            or (
                f"No RunComfy API token: {PY_TOKEN_HINT}set the "
                f"{TOKEN_ENV_VARS[0]} (or {TOKEN_ENV_VARS[1]}) environment variable."
                + emulator_token_hint(emulator_url)
            )
        )


def emulator_token_hint(emulator_url: str | None) -> str:
    """What to do against a local emulator (any token works there), or nothing."""
    if emulator_url is None:
        return ""
    return (
        f" A local emulator ({emulator_url}) accepts any token unless started with --token, "
        "for example "
        f"{TOKEN_ENV_VARS[0]}=local-test."
    )


class InvalidTokenError(RunComfyError):
    """The API token cannot be sent in an HTTP header (whitespace, control or non-ASCII
    characters). The message names where the token came from, never the token itself."""

    exit_code: ClassVar[int] = 77


class InvalidInputError(RunComfyError, ValueError):
    """The input was rejected locally (validation, unreadable or oversized file)."""

    exit_code: ClassVar[int] = 65


class APIError(RunComfyError):
    """The API answered with an error (or with something that cannot be used)."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        error_code: str | None = None,
        request_id: str | None = None,
        body: Any = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.error_code = error_code
        self.request_id = request_id
        self.body = body

    def __str__(self) -> str:
        details = []
        if self.status_code is not None:
            details.append(f"HTTP {self.status_code}")
        if self.error_code is not None:
            details.append(f"error code {self.error_code}")
        if self.request_id is not None:
            details.append(f"request {self.request_id}")
        return f"{self.message} ({', '.join(details)})" if details else self.message


class BadRequestError(APIError):
    """The request does not match the model's schema, or the model id is unknown."""

    exit_code: ClassVar[int] = 65


class AuthenticationError(APIError):
    """The token is missing, malformed or revoked."""

    exit_code: ClassVar[int] = 77


class InsufficientBalanceError(APIError):
    """The account has no balance left to run the model: nothing was queued."""

    exit_code: ClassVar[int] = 77

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(
            f"{message.rstrip('. ')}. No job was made: top up your RunComfy balance (see it with "
            f"{PY_BALANCE_HINT}) and submit again.",
            **details,
        )


class PermissionDeniedError(APIError):
    """The token may not access this request or model."""

    exit_code: ClassVar[int] = 77


class NotFoundError(APIError):
    """Unknown model, or unknown or expired request id."""

    exit_code: ClassVar[int] = 65


class RateLimitError(APIError):
    """Too many requests (HTTP 429), still failing after the configured retries."""

    exit_code: ClassVar[int] = 75

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServerError(APIError):
    """The server failed (HTTP 5xx), still failing after the configured retries."""

    exit_code: ClassVar[int] = 69


class UnexpectedResponseError(APIError):
    """The answer could not be understood: not JSON, unknown status, missing fields."""

    exit_code: ClassVar[int] = 69


class APIConnectionError(RunComfyError):
    """The server could not be reached, or the connection broke."""

    exit_code: ClassVar[int] = 69

    def __init__(self, message: str, *, request_id: str | None = None) -> None:
        super().__init__(message)
        self.request_id = request_id


class APITimeoutError(APIConnectionError):
    """A request timed out, still failing after the configured retries."""

    exit_code: ClassVar[int] = 75


class SubmitOutcomeUnknownError(RunComfyError):
    """A submit may have reached the server, but its answer was lost.

    The job may exist and may be billed, so the request is not sent again.
    ``payload`` holds what was sent, to resubmit deliberately if wanted;
    ``body`` holds the server's answer when there was one that could not be
    used (for example a submit answer with an odd ``request_id``), to find the job.
    """

    exit_code: ClassVar[int] = 69

    def __init__(
        self,
        message: str,
        *,
        model_id: str,
        payload: Mapping[str, Any],
        reason: str,
        body: Any = None,
    ) -> None:
        super().__init__(message)
        self.model_id = model_id
        self.payload = payload
        self.reason = reason
        self.body = body


class UnexpectedOutputError(RunComfyError, ValueError):
    """The output does not hold what was asked of it (one file, when it holds none or several).

    ``output`` is the output as RunComfy returned it (the job succeeded and is billed)."""

    exit_code: ClassVar[int] = 5

    def __init__(self, message: str, *, output: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.output = output


class DownloadError(RunComfyError):
    """An output file could not be downloaded or saved."""

    exit_code: ClassVar[int] = 69

    def __init__(self, message: str, *, url: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.status_code = status_code


class JobError(RunComfyError):
    """A problem with one job, identified by its request id."""

    def __init__(self, message: str, *, request_id: str, model_id: str | None = None) -> None:
        super().__init__(message)
        self.request_id = request_id
        self.model_id = model_id


class JobFailedError(JobError):
    """The job ran and failed; ``error_message`` is the server's explanation."""

    def __init__(
        self,
        message: str,
        *,
        request_id: str,
        model_id: str | None = None,
        error_message: str | None = None,
        result: JobResult | None = None,
    ) -> None:
        super().__init__(message, request_id=request_id, model_id=model_id)
        self.error_message = error_message
        self.result = result


class JobCancelledError(JobError):
    """The job was cancelled before it produced an output."""


class JobTimeoutError(JobError):
    """The job did not finish before the deadline; it still exists on the server.

    ``cancel_outcome`` is set when a cancel was requested on timeout, and
    ``cancel_error`` when that request itself failed. ``last_status`` is the last
    status word the server sent.
    """

    exit_code: ClassVar[int] = 75

    def __init__(
        self,
        message: str,
        *,
        request_id: str,
        model_id: str | None = None,
        timeout: float | None = None,
        cancel_outcome: CancelOutcome | None = None,
        cancel_error: RunComfyError | None = None,
        last_status: str | None = None,
    ) -> None:
        super().__init__(message, request_id=request_id, model_id=model_id)
        self.timeout = timeout
        self.cancel_outcome = cancel_outcome
        self.cancel_error = cancel_error
        self.last_status = last_status


_BY_ERROR_CODE: Mapping[str, type[APIError]] = {
    "400001": BadRequestError,
    "400002": InsufficientBalanceError,
    "400004": AuthenticationError,
    "403001": PermissionDeniedError,
    "404001": NotFoundError,
}

_BY_STATUS: Mapping[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: InsufficientBalanceError,
    403: PermissionDeniedError,
    404: NotFoundError,
    422: BadRequestError,
    429: RateLimitError,
}


def api_error_class(status_code: int | None, error_code: str | None) -> type[APIError]:
    """The exception class for an error answer: RunComfy's error code first, then HTTP status."""
    if error_code is not None and error_code in _BY_ERROR_CODE:
        return _BY_ERROR_CODE[error_code]
    if status_code is not None:
        if status_code in _BY_STATUS:
            return _BY_STATUS[status_code]
        if 500 <= status_code <= 599:
            return ServerError
    return APIError
