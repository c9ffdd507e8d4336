"""``RemoteFile``: an output URL that can be read or saved, usable as a pydantic field type."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import httpx
from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

from .async_fetch import download_async, fetch_async
from .config import RetryPolicy
from .downloads import DownloadLimits, check_download_url, resolve_target
from .errors import InvalidInputError
from .fetch import download_sync, fetch_sync
from .filenames import clean_name, safe_filename

__all__ = ["RemoteFile"]


class RemoteFile:
    """A file produced by a model, identified by its (CDN) URL.

    In a pydantic model it validates from a URL string and serializes back to
    it. Downloads never send the API token and only accept http(s) URLs.
    """

    __slots__ = ("_url",)

    def __init__(self, url: str) -> None:
        if not isinstance(url, str) or not url.strip():
            raise ValueError("a RemoteFile needs a non-empty URL string")
        self._url = url.strip()

    @property
    def url(self) -> str:
        return self._url

    @property
    def filename(self) -> str:
        """A safe local file name derived from the URL path (hostile names are replaced)."""
        return safe_filename(self._url)

    def read(
        self,
        *,
        http_client: httpx.Client | None = None,
        retry: RetryPolicy | None = None,
        limits: DownloadLimits | None = None,
    ) -> bytes:
        """Download the whole file into memory (transient failures are retried).

        ``limits`` caps its size and time (default: 2 GiB within an hour)."""
        return fetch_sync(self._url, http_client, retry=retry, limits=limits)

    async def aread(
        self,
        *,
        http_client: httpx.AsyncClient | None = None,
        retry: RetryPolicy | None = None,
        limits: DownloadLimits | None = None,
    ) -> bytes:
        """Async twin of :meth:`read`."""
        return await fetch_async(self._url, http_client, retry=retry, limits=limits)

    def save(
        self,
        path_or_dir: str | os.PathLike[str],
        *,
        filename: str | None = None,
        http_client: httpx.Client | None = None,
        retry: RetryPolicy | None = None,
        limits: DownloadLimits | None = None,
    ) -> Path:
        """Save the file and return where it went.

        ``path_or_dir`` is a folder to save *into* when it is an existing folder,
        ends with a separator (``"out/"``), or does not exist and has no file
        extension (``Path("out")``); missing folders are created. Inside a folder
        the name is ``filename`` or :attr:`filename` (taken from the URL, made
        safe). Anything else, such as ``"out/cat.png"``, is the file to write.

        The download is streamed to a temporary file next to the target and
        renamed into place, replacing an existing file only once complete.
        ``limits`` caps its size and time (default: 2 GiB within an hour); past
        either, DownloadError is raised and nothing is kept.
        """
        check_download_url(self._url)
        target = self._target(path_or_dir, filename)
        return download_sync(self._url, target, http_client, retry=retry, limits=limits)

    async def asave(
        self,
        path_or_dir: str | os.PathLike[str],
        *,
        filename: str | None = None,
        http_client: httpx.AsyncClient | None = None,
        retry: RetryPolicy | None = None,
        limits: DownloadLimits | None = None,
    ) -> Path:
        """Async twin of :meth:`save`."""
        check_download_url(self._url)
        target = self._target(path_or_dir, filename)
        return await download_async(self._url, target, http_client, retry=retry, limits=limits)

    def _target(self, path_or_dir: str | os.PathLike[str], filename: str | None) -> Path:
        if filename is None:
            name = self.filename
        else:
            cleaned = clean_name(filename)
            if cleaned is None:
                raise InvalidInputError(
                    f"filename must be a plain file name (no folders, no leading dot), "
                    f"got {filename!r}"
                )
            name = cleaned
        return resolve_target(path_or_dir, name, self._url)

    def __str__(self) -> str:
        return self._url

    def __repr__(self) -> str:
        return f"RemoteFile({self._url!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, RemoteFile):
            return self._url == other._url
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._url)

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source_type: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        from_string = core_schema.no_info_after_validator_function(
            cls, core_schema.str_schema(min_length=1)
        )
        return core_schema.json_or_python_schema(
            json_schema=from_string,
            python_schema=core_schema.union_schema(
                [core_schema.is_instance_schema(cls), from_string]
            ),
            serialization=core_schema.plain_serializer_function_ser_schema(
                _to_url, return_schema=core_schema.str_schema()
            ),
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {"type": "string", "format": "uri"}


def _to_url(value: RemoteFile) -> str:
    return value.url
