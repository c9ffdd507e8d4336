"""Downloading output files: streamed, written atomically, never with the API token.

Output URLs point at CDNs, not at the API, so downloads use their own plain
httpx client (no Authorization header) and only accept http(s) URLs. A
download is a GET and safe to repeat: connection errors, timeouts, 408, 429
and 5xx are retried like API reads (capped exponential backoff with jitter,
``Retry-After`` honoured). A failed attempt leaves no partial file behind.

:class:`DownloadLimits` caps the size of a file (2 GiB by default, as RunComfy's
CLI does) and the time of a whole download, retries included; going past either
is a DownloadError and the partial file is removed. A partial file left by a
process that was killed is removed by the next download to the same target.

This module holds what both transfer loops share: limits, targets, atomic files, the request,
the status check and the retry bookkeeping. The loops themselves are written once, async, in
``async_fetch.py``; ``fetch.py`` is their sync twin, derived from it by the generator.
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

import httpx

from .config import RetryPolicy, cap_timeout
from .errors import DownloadError, InvalidInputError
from .retry import backoff_delay, exception_is_retryable, parse_retry_after, status_is_retryable

__all__ = [
    "DEFAULT_DOWNLOAD_DEADLINE",
    "DEFAULT_DOWNLOAD_RETRY",
    "DEFAULT_DOWNLOAD_TIMEOUT",
    "DEFAULT_MAX_DOWNLOAD_BYTES",
    "AtomicFile",
    "DownloadLimits",
    "check_download_url",
    "ensure_folder",
    "means_folder",
    "resolve_target",
]
# The pieces the transfer loops (async_fetch.py and its derived sync twin fetch.py) share are
# importable too, but not part of the runtime's documented surface.

logger = logging.getLogger("runcomfy_models")

DEFAULT_DOWNLOAD_TIMEOUT = httpx.Timeout(120.0, connect=10.0)
DEFAULT_DOWNLOAD_RETRY = RetryPolicy()
USER_AGENT = "runcomfy-models-python"
CHUNK_SIZE = 1024 * 256
FILE_MODE = 0o644

DEFAULT_MAX_DOWNLOAD_BYTES = 2 * 1024**3
DEFAULT_DOWNLOAD_DEADLINE = 3600.0


@dataclass(frozen=True)
class DownloadLimits:
    """The most one file may take: ``max_bytes`` of size, ``deadline`` seconds in all
    (every attempt and the waits between them); None lifts that limit."""

    max_bytes: int | None = DEFAULT_MAX_DOWNLOAD_BYTES
    deadline: float | None = DEFAULT_DOWNLOAD_DEADLINE

    def __post_init__(self) -> None:
        for name in ("max_bytes", "deadline"):
            value = getattr(self, name)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int | float) or not value > 0
            ):
                raise InvalidInputError(f"DownloadLimits.{name} must be > 0 or None, got {value!r}")


class Budget:
    """What is left of one download's limits: bytes received so far and the deadline."""

    def __init__(self, url: str, limits: DownloadLimits | None) -> None:
        self.url = url
        self.limits = limits or DownloadLimits()
        self.at = None if self.limits.deadline is None else time.monotonic() + self.limits.deadline
        self.received = 0

    def start(self) -> None:
        """A new attempt: count from zero again."""
        self.received = 0

    def timeout(self, timeout: httpx.Timeout) -> httpx.Timeout:
        return cap_timeout(timeout, None if self.at is None else self.at - time.monotonic())

    def check_length(self, response: httpx.Response) -> None:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and self._over(int(declared)):
            raise self._too_large(int(declared))

    def add(self, size: int) -> None:
        self.received += size
        if self._over(self.received):
            raise self._too_large(self.received)
        self.check_deadline()

    def check_deadline(self, wait: float = 0.0) -> None:
        if self.at is not None and time.monotonic() + wait >= self.at:
            raise DownloadError(
                f"Downloading {_short(self.url)} did not finish within "
                f"{self.limits.deadline:g}s (DownloadLimits.deadline)",
                url=self.url,
            )

    def _over(self, size: int) -> bool:
        return self.limits.max_bytes is not None and size > self.limits.max_bytes

    def _too_large(self, size: int) -> DownloadError:
        return DownloadError(
            f"Downloading {_short(self.url)} stopped: the file is larger than "
            f"{self.limits.max_bytes:,} bytes ({size:,} bytes or more; raise "
            "DownloadLimits.max_bytes to accept it)",
            url=self.url,
        )


def check_download_url(url: str) -> None:
    """Refuse anything but an absolute http(s) URL with a host."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise DownloadError(f"Refusing to download a non-http(s) URL: {url[:100]!r}", url=url)


@contextlib.contextmanager
def file_errors(url: str, what: str) -> Iterator[None]:
    """Turn a file system failure (no space, no permission, a file in the way) into DownloadError."""
    try:
        yield
    except OSError as exc:
        reason = exc.strerror or str(exc) or type(exc).__name__
        raise DownloadError(f"Cannot {what}: {reason}", url=url) from exc


def means_folder(path_or_dir: str | os.PathLike[str]) -> bool:
    """Whether ``save(path_or_dir)`` saves *into* a folder rather than *as* a file.

    A folder is: an existing folder; a path ending in a separator (``"out/"``);
    or a path that does not exist and has no file extension (``Path("out")``).
    Anything else (``"out/cat.png"``, an existing file) is the file to write.
    """
    text = os.fspath(path_or_dir)
    path = Path(text)
    if path.is_dir() or text.endswith(("/", os.sep)):
        return True
    return not path.suffix and not path.exists()


def ensure_folder(folder: str | os.PathLike[str], url: str = "") -> Path:
    """Create ``folder`` (and its parents) if needed; DownloadError if that is impossible."""
    path = Path(folder)
    with file_errors(url, f"create the folder {str(path)!r}"):
        path.mkdir(parents=True, exist_ok=True)
    return path


def resolve_target(path_or_dir: str | os.PathLike[str], filename: str, url: str = "") -> Path:
    """Where to save: inside the folder as ``filename`` when ``path_or_dir`` means a folder
    (see :func:`means_folder`), otherwise exactly at the given path. Folders are created.
    """
    if means_folder(path_or_dir):
        folder = ensure_folder(path_or_dir, url)
        target = folder / filename
        if target.resolve().parent != folder.resolve():
            raise DownloadError(f"Unsafe file name {filename!r}", url=url)
        return target
    path = Path(path_or_dir)
    ensure_folder(path.parent, url)
    return path


class AtomicFile:
    """A temporary file next to ``target`` that replaces it only on success."""

    def __init__(self, target: Path) -> None:
        self.target = target
        _remove_stale_parts(target)
        fd, name = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.{os.getpid()}.", suffix=".part"
        )
        self._temp = Path(name)
        self._file: IO[bytes] = os.fdopen(fd, "wb")

    def write(self, chunk: bytes) -> None:
        self._file.write(chunk)

    def commit(self) -> Path:
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        # Temporary files are private (0600); a saved output is an ordinary file.
        os.chmod(self._temp, FILE_MODE)
        os.replace(self._temp, self.target)
        return self.target

    def abort(self) -> None:
        self._file.close()
        with contextlib.suppress(FileNotFoundError):
            self._temp.unlink()

    def __enter__(self) -> AtomicFile:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *details: object) -> None:
        if exc_type is not None:
            self.abort()


def _remove_stale_parts(target: Path) -> None:
    """Remove partial files of ``target`` left by processes that no longer run (killed)."""
    prefix = f".{target.name}."
    with contextlib.suppress(OSError):
        for entry in os.scandir(target.parent):
            name = entry.name
            if not (name.startswith(prefix) and name.endswith(".part")):
                continue
            pid = name[len(prefix) :].split(".", 1)[0]
            if pid.isdigit() and int(pid) != os.getpid() and not _running(int(pid)):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True  # another user's process, or cannot tell: leave its file alone
    return True


# -- one attempt, and whether to try again ---------------------------------------------------


class TransientFailure(Exception):
    """An attempt failed in a way that may pass: retry it (or give up with ``error``)."""

    def __init__(self, error: DownloadError, retry_after: float | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.retry_after = retry_after


class Retries:
    """The retry bookkeeping of one download (pure apart from logging and the random source)."""

    def __init__(self, url: str, policy: RetryPolicy) -> None:
        self.url = url
        self.policy = policy
        self.done = 0
        self._rand = random.SystemRandom().random

    def delay_or_raise(self, failure: TransientFailure, budget: Budget) -> float:
        if self.done >= self.policy.max_retries:
            raise failure.error from failure.__cause__
        delay = backoff_delay(
            self.done, self.policy, retry_after=failure.retry_after, rand=self._rand()
        )
        try:
            budget.check_deadline(delay)
        except DownloadError as late:
            raise late from failure.error
        self.done += 1
        logger.warning(
            "download of %s failed (%s); retry %d of %d in %.2fs",
            _short(self.url),
            failure.error,
            self.done,
            self.policy.max_retries,
            delay,
        )
        return delay


def _short(url: str) -> str:
    """The URL for messages and logs: without its query (CDN URLs often carry a signature)."""
    parts = urlsplit(url)
    shown = f"{parts.scheme}://{parts.netloc}{parts.path}" + ("?..." if parts.query else "")
    return shown if len(shown) <= 200 else shown[:200] + "..."


def download_request(
    http: httpx.Client | httpx.AsyncClient, url: str, budget: Budget
) -> httpx.Request:
    check_download_url(url)
    budget.check_deadline()
    budget.start()
    request = http.build_request("GET", url, timeout=budget.timeout(http.timeout))
    # Even a caller-supplied client must not leak credentials to a file host: the headers
    # are removed here, and the client's own ``auth`` is switched off in every ``send``.
    for header in ("authorization", "proxy-authorization", "cookie"):
        if header in request.headers:
            del request.headers[header]
    return request


def check_download_status(response: httpx.Response, url: str) -> None:
    status = response.status_code
    if status < 400:
        return
    error = DownloadError(
        f"Downloading {_short(url)} failed with HTTP {status}", url=url, status_code=status
    )
    if status_is_retryable(status, "read"):
        raise TransientFailure(
            error, parse_retry_after(response.headers.get("retry-after"), time.time())
        )
    raise error


def transport_failure(exc: httpx.HTTPError, url: str) -> Exception:
    error = DownloadError(f"Downloading {_short(url)} failed: {exc or type(exc).__name__}", url=url)
    error.__cause__ = exc
    return TransientFailure(error) if exception_is_retryable(exc, "read") else error


class MemorySink:
    """A sink like :class:`AtomicFile` that keeps the content in memory (``read``)."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def write(self, chunk: bytes) -> None:
        self._chunks.append(chunk)

    def commit(self) -> bytes:
        return b"".join(self._chunks)

    def __enter__(self) -> MemorySink:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._chunks.clear()


def open_sink(target: Path | None, url: str) -> AtomicFile | MemorySink:
    if target is None:
        return MemorySink()
    with file_errors(url, f"write {str(target)!r}"):
        return AtomicFile(target)
