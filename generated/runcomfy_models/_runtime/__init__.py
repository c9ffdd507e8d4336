"""The shared runtime of ``runcomfy_models``: clients, jobs, files and errors.

Generated model modules call :class:`ModelBinding`; users mostly meet
:class:`RunComfy` / :class:`AsyncRunComfy`, the job handles, :class:`RemoteFile`
and the errors. The local emulator lives in the ``emulator`` subpackage and
needs the ``emulator`` extra; it is not imported here.
"""

from .async_client import AsyncRunComfy
from .binding import InputT, MediaField, ModelBinding
from .client import RunComfy
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
from .errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    DownloadError,
    InsufficientBalanceError,
    InvalidInputError,
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
    UnexpectedResponseError,
)
from .files import MAX_MEDIA_BYTES, MediaInput, MediaKind, encode_media
from .job_types import CancelOutcome, JobResult, JobState, JobStatus, ResultState
from .jobs import AsyncJob, Job, StatusCallback
from .outputs import GenericOutput, OutputT, download_all, download_all_async
from .remote_file import RemoteFile
from .retry import backoff_delay, parse_retry_after

__all__ = [
    "DEFAULT_BASE_URL",
    "MAX_MEDIA_BYTES",
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AsyncJob",
    "AsyncRunComfy",
    "AuthenticationError",
    "BadRequestError",
    "CancelOutcome",
    "DownloadError",
    "GenericOutput",
    "InputT",
    "InsufficientBalanceError",
    "InvalidInputError",
    "Job",
    "JobCancelledError",
    "JobError",
    "JobFailedError",
    "JobResult",
    "JobState",
    "JobStatus",
    "JobTimeoutError",
    "MediaField",
    "MediaInput",
    "MediaKind",
    "MissingTokenError",
    "ModelBinding",
    "NotFoundError",
    "OutputT",
    "PermissionDeniedError",
    "PollPolicy",
    "RateLimitError",
    "RemoteFile",
    "ResultState",
    "RetryPolicy",
    "RunComfy",
    "RunComfyError",
    "ServerError",
    "StatusCallback",
    "SubmitOutcomeUnknownError",
    "UnexpectedResponseError",
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
