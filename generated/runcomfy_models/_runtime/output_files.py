"""Finding every file of an output (typed fields, and URLs under keys no schema names) and
saving them all at once."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
from pydantic import BaseModel

from .async_fetch import download_async, new_download_client_async
from .config import RetryPolicy
from .downloads import DownloadLimits, ensure_folder, resolve_target
from .fetch import download_sync, new_download_client_sync
from .filenames import unique_filename
from .remote_file import RemoteFile

__all__ = [
    "download_all",
    "download_all_async",
    "is_file_url",
    "iter_remote_files",
]

_URL_SCHEMES = ("http://", "https://")


def is_file_url(value: object) -> bool:
    """Whether ``value`` is an http(s) URL string, which an output key nobody names holds as a
    file (RunComfy's own MCP server collects every URL-valued field)."""
    if not isinstance(value, str):
        return False
    text = value.strip()
    lower = text.lower()
    return any(lower.startswith(s) and len(text) > len(s) for s in _URL_SCHEMES) and not any(
        c.isspace() for c in text
    )


def iter_remote_files(value: Any, *, urls: bool = False) -> Iterator[RemoteFile]:
    """Every file inside ``value`` (models, lists, dicts), in field order: each RemoteFile, and
    each http(s) URL string held under a key the model's schema does not name (at any depth).

    ``urls`` makes every URL string a file (what the keys nobody names hold)."""
    if isinstance(value, RemoteFile):
        yield value
    elif urls and is_file_url(value):
        yield RemoteFile(value)
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from iter_remote_files(getattr(value, name), urls=urls)
        for extra in (value.model_extra or {}).values():
            yield from iter_remote_files(extra, urls=True)
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from iter_remote_files(item, urls=urls)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from iter_remote_files(item, urls=urls)


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
    client = http_client or new_download_client_sync()
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
    client = http_client or new_download_client_async()
    try:
        return [
            await download_async(remote.url, target, client, retry=retry, limits=limits)
            for remote, target in plan
        ]
    finally:
        if own:
            await client.aclose()
