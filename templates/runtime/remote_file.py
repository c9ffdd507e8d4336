"""``RemoteFile``: an output URL that can be read or saved, usable as a pydantic field type."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import httpx
from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

from .downloads import (
    check_download_url,
    download_async,
    download_sync,
    fetch_async,
    fetch_sync,
    resolve_target,
)
from .filenames import safe_filename

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

    def read(self, *, http_client: httpx.Client | None = None) -> bytes:
        """Download the whole file into memory."""
        return fetch_sync(self._url, http_client)

    async def aread(self, *, http_client: httpx.AsyncClient | None = None) -> bytes:
        return await fetch_async(self._url, http_client)

    def save(
        self,
        path_or_dir: str | os.PathLike[str],
        *,
        filename: str | None = None,
        http_client: httpx.Client | None = None,
    ) -> Path:
        """Save to a file path, or into a folder (an existing one, or a path ending in ``/``).

        Inside a folder the name is ``filename`` (sanitized) or :attr:`filename`.
        The file is streamed to a temporary file and renamed into place.
        """
        check_download_url(self._url)
        return download_sync(self._url, self._target(path_or_dir, filename), http_client)

    async def asave(
        self,
        path_or_dir: str | os.PathLike[str],
        *,
        filename: str | None = None,
        http_client: httpx.AsyncClient | None = None,
    ) -> Path:
        check_download_url(self._url)
        return await download_async(self._url, self._target(path_or_dir, filename), http_client)

    def _target(self, path_or_dir: str | os.PathLike[str], filename: str | None) -> Path:
        name = self.filename if filename is None else safe_filename("/" + filename)
        return resolve_target(path_or_dir, name)

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
