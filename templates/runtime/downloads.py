"""Downloading output files: streamed, written atomically, never with the API token.

Output URLs point at CDNs, not at the API, so downloads use their own plain
httpx client (no Authorization header) and only accept http(s) URLs.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from types import TracebackType
from typing import IO
from urllib.parse import urlsplit

import httpx

from .errors import DownloadError

__all__ = [
    "DEFAULT_DOWNLOAD_TIMEOUT",
    "AtomicFile",
    "check_download_url",
    "download_async",
    "download_sync",
    "fetch_async",
    "fetch_sync",
    "new_async_download_client",
    "new_sync_download_client",
    "resolve_target",
]

DEFAULT_DOWNLOAD_TIMEOUT = httpx.Timeout(120.0, connect=10.0)
USER_AGENT = "runcomfy-models-python"
_CHUNK = 1024 * 256
FILE_MODE = 0o644


def check_download_url(url: str) -> None:
    """Refuse anything but an absolute http(s) URL with a host."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise DownloadError(f"Refusing to download a non-http(s) URL: {url[:100]!r}", url=url)


def resolve_target(path_or_dir: str | os.PathLike[str], filename: str) -> Path:
    """Where to save: inside an existing folder (or a path ending in a separator) as
    ``filename``, otherwise exactly at the given path. Parent folders are created.
    """
    text = os.fspath(path_or_dir)
    path = Path(text)
    if path.is_dir() or text.endswith(("/", os.sep)):
        path.mkdir(parents=True, exist_ok=True)
        target = path / filename
        if target.resolve().parent != path.resolve():
            raise DownloadError(f"Unsafe file name {filename!r}", url="")
        return target
    path.parent.mkdir(parents=True, exist_ok=True)
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


def _request(http: httpx.Client | httpx.AsyncClient, url: str) -> httpx.Request:
    check_download_url(url)
    request = http.build_request("GET", url)
    # Even a caller-supplied client must not leak credentials to a file host.
    for header in ("authorization", "proxy-authorization", "cookie"):
        if header in request.headers:
            del request.headers[header]
    return request


def _check_status(response: httpx.Response, url: str) -> None:
    if response.status_code >= 400:
        raise DownloadError(
            f"Downloading {url[:200]} failed with HTTP {response.status_code}",
            url=url,
            status_code=response.status_code,
        )


def _transport_error(exc: httpx.HTTPError, url: str) -> DownloadError:
    return DownloadError(f"Downloading {url[:200]} failed: {exc or type(exc).__name__}", url=url)


def download_sync(url: str, target: Path, http: httpx.Client | None = None) -> Path:
    """Stream ``url`` into ``target`` atomically."""
    own = http is None
    client = new_sync_download_client() if http is None else http
    try:
        request = _request(client, url)
        response = client.send(request, stream=True, follow_redirects=True)
        try:
            _check_status(response, url)
            with AtomicFile(target) as out:
                for chunk in response.iter_bytes(_CHUNK):
                    out.write(chunk)
                return out.commit()
        finally:
            response.close()
    except httpx.HTTPError as exc:
        raise _transport_error(exc, url) from exc
    finally:
        if own:
            client.close()


async def download_async(url: str, target: Path, http: httpx.AsyncClient | None = None) -> Path:
    """Async twin of :func:`download_sync`."""
    own = http is None
    client = new_async_download_client() if http is None else http
    try:
        request = _request(client, url)
        response = await client.send(request, stream=True, follow_redirects=True)
        try:
            _check_status(response, url)
            with AtomicFile(target) as out:
                async for chunk in response.aiter_bytes(_CHUNK):
                    out.write(chunk)
                return out.commit()
        finally:
            await response.aclose()
    except httpx.HTTPError as exc:
        raise _transport_error(exc, url) from exc
    finally:
        if own:
            await client.aclose()


def fetch_sync(url: str, http: httpx.Client | None = None) -> bytes:
    """The whole content of ``url`` in memory."""
    own = http is None
    client = new_sync_download_client() if http is None else http
    try:
        response = client.send(_request(client, url), follow_redirects=True)
        _check_status(response, url)
        return response.content
    except httpx.HTTPError as exc:
        raise _transport_error(exc, url) from exc
    finally:
        if own:
            client.close()


async def fetch_async(url: str, http: httpx.AsyncClient | None = None) -> bytes:
    """Async twin of :func:`fetch_sync`."""
    own = http is None
    client = new_async_download_client() if http is None else http
    try:
        response = await client.send(_request(client, url), follow_redirects=True)
        _check_status(response, url)
        return response.content
    except httpx.HTTPError as exc:
        raise _transport_error(exc, url) from exc
    finally:
        if own:
            await client.aclose()
