"""The shared runtime of ``runcomfy_models``: clients, jobs, files and errors.

Generated model modules call :class:`ModelBinding` (through :class:`LazyBinding`);
users mostly meet :class:`RunComfy` / :class:`AsyncRunComfy`, the job handles,
:class:`RemoteFile` and the errors. The local emulator lives in the ``emulator``
subpackage and needs the ``emulator`` extra; it is not imported here.

Every name is imported from its module on first use, so importing a model (or the
command line) does not pay for pydantic, httpx and asyncio until they are needed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .lazy_exports import LazyExports

if TYPE_CHECKING:
    from .async_client import AsyncJob, AsyncRunComfy
    from .billing import Balance
    from .binding import ModelBinding
    from .client import Job, RunComfy
    from .config import (
        DEFAULT_BASE_URL,
        PollPolicy,
        RetryPolicy,
    )
    from .defaults import (
        aclose_default_async_client,
        close_default_client,
        get_default_async_client,
        get_default_client,
        set_default_async_client,
        set_default_client,
    )
    from .downloads import DownloadLimits
    from .errors import (
        APIConnectionError,
        APIError,
        APITimeoutError,
        AuthenticationError,
        BadRequestError,
        DownloadError,
        InsufficientBalanceError,
        InvalidInputError,
        InvalidTokenError,
        JobCancelledError,
        JobError,
        JobFailedError,
        JobTimeoutError,
        MissingTokenError,
        NotFoundError,
        PermissionDeniedError,
        RateLimitError,
        RunComfyError,
        ServerError,
        SubmitOutcomeUnknownError,
        UnexpectedOutputError,
        UnexpectedResponseError,
    )
    from .files import (
        MAX_MEDIA_BYTES,
        MediaInput,
        MediaKind,
        encode_media,
    )
    from .job_types import (
        CancelOutcome,
        JobResult,
        JobState,
        JobStatus,
        ResultState,
    )
    from .lazy_binding import (
        InputT,
        LazyBinding,
        MediaField,
        OutputT,
    )
    from .outputs import (
        AudioOutput,
        GenericOutput,
        ImageOutput,
        ModelOutput,
        VideoOutput,
        download_all,
        download_all_async,
    )
    from .pricing import Price
    from .remote_file import RemoteFile
    from .retry import backoff_delay, parse_retry_after
    from .waiting import StatusCallback


__all__ = [
    "DEFAULT_BASE_URL",
    "MAX_MEDIA_BYTES",
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AsyncJob",
    "AsyncRunComfy",
    "AudioOutput",
    "AuthenticationError",
    "BadRequestError",
    "Balance",
    "CancelOutcome",
    "DownloadError",
    "DownloadLimits",
    "GenericOutput",
    "ImageOutput",
    "InputT",
    "InsufficientBalanceError",
    "InvalidInputError",
    "InvalidTokenError",
    "Job",
    "JobCancelledError",
    "JobError",
    "JobFailedError",
    "JobResult",
    "JobState",
    "JobStatus",
    "JobTimeoutError",
    "LazyBinding",
    "MediaField",
    "MediaInput",
    "MediaKind",
    "MissingTokenError",
    "ModelBinding",
    "ModelOutput",
    "NotFoundError",
    "OutputT",
    "PermissionDeniedError",
    "PollPolicy",
    "Price",
    "RateLimitError",
    "RemoteFile",
    "ResultState",
    "RetryPolicy",
    "RunComfy",
    "RunComfyError",
    "ServerError",
    "StatusCallback",
    "SubmitOutcomeUnknownError",
    "UnexpectedOutputError",
    "UnexpectedResponseError",
    "VideoOutput",
    "aclose_default_async_client",
    "backoff_delay",
    "close_default_client",
    "download_all",
    "download_all_async",
    "encode_media",
    "get_default_async_client",
    "get_default_client",
    "parse_retry_after",
    "set_default_async_client",
    "set_default_client",
]

_MODULES = {
    "APIConnectionError": "errors",
    "APIError": "errors",
    "APITimeoutError": "errors",
    "AsyncJob": "async_client",
    "AsyncRunComfy": "async_client",
    "AuthenticationError": "errors",
    "BadRequestError": "errors",
    "Balance": "billing",
    "CancelOutcome": "job_types",
    "DEFAULT_BASE_URL": "config",
    "DownloadError": "errors",
    "AudioOutput": "outputs",
    "GenericOutput": "outputs",
    "ImageOutput": "outputs",
    "VideoOutput": "outputs",
    "InputT": "lazy_binding",
    "InsufficientBalanceError": "errors",
    "InvalidInputError": "errors",
    "InvalidTokenError": "errors",
    "Job": "client",
    "JobCancelledError": "errors",
    "JobError": "errors",
    "JobFailedError": "errors",
    "JobResult": "job_types",
    "JobState": "job_types",
    "JobStatus": "job_types",
    "JobTimeoutError": "errors",
    "LazyBinding": "lazy_binding",
    "MAX_MEDIA_BYTES": "files",
    "MediaField": "lazy_binding",
    "MediaInput": "files",
    "MediaKind": "files",
    "MissingTokenError": "errors",
    "ModelBinding": "binding",
    "ModelOutput": "outputs",
    "NotFoundError": "errors",
    "OutputT": "lazy_binding",
    "PermissionDeniedError": "errors",
    "PollPolicy": "config",
    "Price": "pricing",
    "RateLimitError": "errors",
    "RemoteFile": "remote_file",
    "ResultState": "job_types",
    "RetryPolicy": "config",
    "RunComfy": "client",
    "DownloadLimits": "downloads",
    "RunComfyError": "errors",
    "ServerError": "errors",
    "StatusCallback": "waiting",
    "SubmitOutcomeUnknownError": "errors",
    "UnexpectedOutputError": "errors",
    "UnexpectedResponseError": "errors",
    "aclose_default_async_client": "defaults",
    "backoff_delay": "retry",
    "close_default_client": "defaults",
    "download_all": "outputs",
    "download_all_async": "outputs",
    "encode_media": "files",
    "get_default_async_client": "defaults",
    "get_default_client": "defaults",
    "parse_retry_after": "retry",
    "set_default_async_client": "defaults",
    "set_default_client": "defaults",
}
"""Public name -> the runtime module that defines it."""

_EXPORTS = LazyExports(
    __name__, {name: f"{__name__}.{module}" for name, module in _MODULES.items()}
)

if not TYPE_CHECKING:  # type checkers see the imports above, and no catch-all attribute
    __getattr__ = _EXPORTS.getattr

__dir__ = _EXPORTS.dir
