"""Downloading output files: streamed, written atomically, never with the API token.

Output URLs point at CDNs, not at the API, so downloads use their own plain
httpx client (no Authorization header) and only accept http(s) URLs. A
download is a GET and safe to repeat: connection errors, timeouts, 408, 429
and 5xx are retried like API reads (capped exponential backoff with jitter,
``Retry-After`` honoured). A failed attempt leaves no partial file behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import IO, TypeVar
from urllib.parse import urlsplit

import httpx

from .config import RetryPolicy
from .errors import DownloadError
from .retry import backoff_delay, exception_is_retryable, parse_retry_after, status_is_retryable

__all__ = [
    "DEFAULT_DOWNLOAD_RETRY",
    "DEFAULT_DOWNLOAD_TIMEOUT",
    "AtomicFile",
    "check_download_url",
    "download_async",
    "download_sync",
    "ensure_folder",
    "fetch_async",
    "fetch_sync",
    "means_folder",
    "new_async_download_client",
    "new_sync_download_client",
    "resolve_target",
]

logger = logging.getLogger("runcomfy_models")

DEFAULT_DOWNLOAD_TIMEOUT = httpx.Timeout(120.0, connect=10.0)
DEFAULT_DOWNLOAD_RETRY = RetryPolicy()
USER_AGENT = "runcomfy-models-python"
_CHUNK = 1024 * 256
FILE_MODE = 0o644

T = TypeVar("T")


def check_download_url(url: str) -> None:
    """Refuse anything but an absolute http(s) URL with a host."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise DownloadError(f"Refusing to download a non-http(s) URL: {url[:100]!r}", url=url)


@contextlib.contextmanager
def _file_errors(url: str, what: str) -> Iterator[None]:
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
    with _file_errors(url, f"create the folder {str(path)!r}"):
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
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
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

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is not None:
            self.abort()


def new_sync_download_client() -> httpx.Client:
    return httpx.Client(
        follow_redirects=True, timeout=DEFAULT_DOWNLOAD_TIMEOUT, headers={"User-Agent": USER_AGENT}
    )


def new_async_download_client() -> httpx.AsyncClient:
    return httpx.AsyncClient(
        follow_redirects=True, timeout=DEFAULT_DOWNLOAD_TIMEOUT, headers={"User-Agent": USER_AGENT}
    )


# -- one attempt, and whether to try again ---------------------------------------------------


class _Transient(Exception):
    """An attempt failed in a way that may pass: retry it (or give up with ``error``)."""

    def __init__(self, error: DownloadError, retry_after: float | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.retry_after = retry_after


class _Retries:
    """The retry bookkeeping of one download (pure apart from logging and the random source)."""

    def __init__(self, url: str, policy: RetryPolicy) -> None:
        self.url = url
        self.policy = policy
        self.done = 0
        self._rand = random.SystemRandom().random

    def delay_or_raise(self, failure: _Transient) -> float:
        if self.done >= self.policy.max_retries:
            raise failure.error from failure.__cause__
        delay = backoff_delay(
            self.done, self.policy, retry_after=failure.retry_after, rand=self._rand()
        )
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


def _request(http: httpx.Client | httpx.AsyncClient, url: str) -> httpx.Request:
    check_download_url(url)
    request = http.build_request("GET", url)
    # Even a caller-supplied client must not leak credentials to a file host: the headers
    # are removed here, and the client's own ``auth`` is switched off in every ``send``.
    for header in ("authorization", "proxy-authorization", "cookie"):
        if header in request.headers:
            del request.headers[header]
    return request


def _check_status(response: httpx.Response, url: str) -> None:
    status = response.status_code
    if status < 400:
        return
    error = DownloadError(
        f"Downloading {_short(url)} failed with HTTP {status}", url=url, status_code=status
    )
    if status_is_retryable(status, "read"):
        raise _Transient(error, parse_retry_after(response.headers.get("retry-after"), time.time()))
    raise error


def _transport_error(exc: httpx.HTTPError, url: str) -> Exception:
    error = DownloadError(f"Downloading {_short(url)} failed: {exc or type(exc).__name__}", url=url)
    error.__cause__ = exc
    return _Transient(error) if exception_is_retryable(exc, "read") else error


def _save_once_sync(http: httpx.Client, url: str, target: Path) -> Path:
    try:
        response = http.send(_request(http, url), stream=True, auth=None, follow_redirects=True)
        try:
            _check_status(response, url)
            with _file_errors(url, f"write {str(target)!r}"), AtomicFile(target) as out:
                for chunk in response.iter_bytes(_CHUNK):
                    out.write(chunk)
                return out.commit()
        finally:
            response.close()
    except httpx.HTTPError as exc:
        raise _transport_error(exc, url) from exc


async def _save_once_async(http: httpx.AsyncClient, url: str, target: Path) -> Path:
    try:
        response = await http.send(
            _request(http, url), stream=True, auth=None, follow_redirects=True
        )
        try:
            _check_status(response, url)
            with _file_errors(url, f"write {str(target)!r}"), AtomicFile(target) as out:
                async for chunk in response.aiter_bytes(_CHUNK):
                    out.write(chunk)
                return out.commit()
        finally:
            await response.aclose()
    except httpx.HTTPError as exc:
        raise _transport_error(exc, url) from exc


def _fetch_once_sync(http: httpx.Client, url: str) -> bytes:
    try:
        response = http.send(_request(http, url), auth=None, follow_redirects=True)
        _check_status(response, url)
        return response.content
    except httpx.HTTPError as exc:
        raise _transport_error(exc, url) from exc


async def _fetch_once_async(http: httpx.AsyncClient, url: str) -> bytes:
    try:
        response = await http.send(_request(http, url), auth=None, follow_redirects=True)
        _check_status(response, url)
        return response.content
    except httpx.HTTPError as exc:
        raise _transport_error(exc, url) from exc


# -- the retry loops (sync and async twins) --------------------------------------------------


def _retrying_sync(
    url: str,
    http: httpx.Client | None,
    retry: RetryPolicy | None,
    once: Callable[[httpx.Client], T],
) -> T:
    check_download_url(url)
    retries = _Retries(url, retry or DEFAULT_DOWNLOAD_RETRY)
    client = new_sync_download_client() if http is None else http
    try:
        while True:
            try:
                return once(client)
            except _Transient as failure:
                time.sleep(retries.delay_or_raise(failure))
    finally:
        if http is None:
            client.close()


async def _retrying_async(
    url: str,
    http: httpx.AsyncClient | None,
    retry: RetryPolicy | None,
    once: Callable[[httpx.AsyncClient], Awaitable[T]],
) -> T:
    check_download_url(url)
    retries = _Retries(url, retry or DEFAULT_DOWNLOAD_RETRY)
    client = new_async_download_client() if http is None else http
    try:
        while True:
            try:
                return await once(client)
            except _Transient as failure:
                await asyncio.sleep(retries.delay_or_raise(failure))
    finally:
        if http is None:
            await client.aclose()


def download_sync(
    url: str, target: Path, http: httpx.Client | None = None, *, retry: RetryPolicy | None = None
) -> Path:
    """Stream ``url`` into ``target`` atomically, retrying transient failures."""
    return _retrying_sync(url, http, retry, lambda client: _save_once_sync(client, url, target))


async def download_async(
    url: str,
    target: Path,
    http: httpx.AsyncClient | None = None,
    *,
    retry: RetryPolicy | None = None,
) -> Path:
    """Async twin of :func:`download_sync`."""
    return await _retrying_async(
        url, http, retry, lambda client: _save_once_async(client, url, target)
    )


def fetch_sync(
    url: str, http: httpx.Client | None = None, *, retry: RetryPolicy | None = None
) -> bytes:
    """The whole content of ``url`` in memory, retrying transient failures."""
    return _retrying_sync(url, http, retry, lambda client: _fetch_once_sync(client, url))


async def fetch_async(
    url: str, http: httpx.AsyncClient | None = None, *, retry: RetryPolicy | None = None
) -> bytes:
    """Async twin of :func:`fetch_sync`."""
    return await _retrying_async(url, http, retry, lambda client: _fetch_once_async(client, url))
