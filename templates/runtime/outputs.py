"""Output models: the generic fallback, and saving every file of an output at once."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict

from .config import RetryPolicy
from .downloads import (
    DownloadLimits,
    download_async,
    download_sync,
    ensure_folder,
    new_async_download_client,
    new_sync_download_client,
    resolve_target,
)
from .filenames import unique_filename
from .model_types import OutputT
from .remote_file import RemoteFile

__all__ = [
    "GenericOutput",
    "OutputT",
    "download_all",
    "download_all_async",
    "iter_remote_files",
]


class GenericOutput(BaseModel):
    """The output of a job whose model has no generated output type.

    RunComfy outputs are objects keyed by media name holding file URLs; keys
    other than these four are kept as plain values.
    """

    model_config = ConfigDict(extra="allow")

    image: RemoteFile | None = None
    video: RemoteFile | None = None
    images: list[RemoteFile] | None = None
    videos: list[RemoteFile] | None = None


def iter_remote_files(value: Any) -> Iterator[RemoteFile]:
    """Every RemoteFile inside ``value`` (models, lists, dicts), in field order."""
    if isinstance(value, RemoteFile):
        yield value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from iter_remote_files(getattr(value, name))
        for extra in (value.model_extra or {}).values():
            yield from iter_remote_files(extra)
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from iter_remote_files(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from iter_remote_files(item)


def _plan(output: BaseModel, folder: str | os.PathLike[str]) -> list[tuple[RemoteFile, Path]]:
    """Pair each file with a distinct target inside ``folder`` (which is created)."""
    base = ensure_folder(folder)
    taken: set[str] = set()
    plan: list[tuple[RemoteFile, Path]] = []
    seen: set[str] = set()
    for remote in iter_remote_files(output):
        if remote.url in seen:
            continue
        seen.add(remote.url)
        name = unique_filename(remote.filename, taken)
        plan.append((remote, resolve_target(base, name, remote.url)))
    return plan


def download_all(
    output: BaseModel,
    folder: str | os.PathLike[str],
    *,
    http_client: httpx.Client | None = None,
    retry: RetryPolicy | None = None,
    limits: DownloadLimits | None = None,
) -> list[Path]:
    """Save every RemoteFile of ``output`` into ``folder``; returns the paths in field order.

    Files that would share a name get ``-1``, ``-2``... suffixes.
    """
    plan = _plan(output, folder)
    if not plan:
        return []
    own = http_client is None
    client = http_client or new_sync_download_client()
    try:
        return [
            download_sync(remote.url, target, client, retry=retry, limits=limits)
            for remote, target in plan
        ]
    finally:
        if own:
            client.close()


async def download_all_async(
    output: BaseModel,
    folder: str | os.PathLike[str],
    *,
    http_client: httpx.AsyncClient | None = None,
    retry: RetryPolicy | None = None,
    limits: DownloadLimits | None = None,
) -> list[Path]:
    """Async twin of :func:`download_all`."""
    plan = _plan(output, folder)
    if not plan:
        return []
    own = http_client is None
    client = http_client or new_async_download_client()
    try:
        return [
            await download_async(remote.url, target, client, retry=retry, limits=limits)
            for remote, target in plan
        ]
    finally:
        if own:
            await client.aclose()
