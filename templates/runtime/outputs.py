"""Output models: their shared base, the generic fallback, and saving every file at once."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, PrivateAttr

from .async_fetch import download_async, new_download_client_async
from .config import RetryPolicy
from .downloads import DownloadLimits, ensure_folder, resolve_target
from .errors import UnexpectedOutputError
from .fetch import download_sync, new_download_client_sync
from .filenames import unique_filename
from .model_types import OutputT
from .remote_file import RemoteFile

__all__ = [
    "GenericOutput",
    "ModelOutput",
    "OutputT",
    "download_all",
    "download_all_async",
    "iter_remote_files",
]


_SHOWN_FIELDS = 6


class ModelOutput(BaseModel):
    """The base of every model's output: its files, typed, without checking for ``None``.

    The fields stay optional where the schema says so; ``file()`` is the typed way to the one
    file a model makes (``out.file().save("cat.png")``), ``files()`` gives all of them and
    ``save_all(folder)`` downloads them. ``cost`` is what the job that made it cost.
    """

    _cost: float | None = PrivateAttr(default=None)

    @property
    def cost(self) -> float | None:
        """What the job that made this output cost in USD, as RunComfy reported it when
        ``run``/``wait`` read the result; None when it gave none (or the output was built by hand)."""
        return self._cost

    def files(self) -> list[RemoteFile]:
        """Every file of the output, in field order, each URL once."""
        seen: set[str] = set()
        found: list[RemoteFile] = []
        for remote in iter_remote_files(self):
            if remote.url not in seen:
                seen.add(remote.url)
                found.append(remote)
        return found

    def file(self) -> RemoteFile:
        """The output's one file; :class:`UnexpectedOutputError` if it holds none or several."""
        found = self.files()
        if len(found) == 1:
            return found[0]
        what = "no file" if not found else f"{len(found)} files"
        raise UnexpectedOutputError(
            f"expected one file in the output, it holds {what}: {self._summary()}"
            + ("; use files() or save_all(folder)" if found else "")
        )

    def _summary(self) -> str:
        """What each field of the output holds, briefly (URLs stand for files)."""
        parts = []
        values = {**dict(self), **(self.model_extra or {})}
        for name, value in values.items():
            if isinstance(value, list) and value and all(isinstance(v, RemoteFile) for v in value):
                parts.append(f"{name}=[{len(value)} files]")
            elif isinstance(value, RemoteFile):
                parts.append(f"{name}={value.filename}")
            else:
                text = repr(value)
                parts.append(f"{name}={text if len(text) <= 40 else text[:37] + '...'}")
        shown = ", ".join(parts[:_SHOWN_FIELDS])
        more = len(parts) - _SHOWN_FIELDS
        return (shown + (f" and {more} more" if more > 0 else "")) or "nothing"

    def save_all(
        self,
        folder: str | os.PathLike[str],
        *,
        http_client: httpx.Client | None = None,
        retry: RetryPolicy | None = None,
    ) -> list[Path]:
        """Download every file of the output into ``folder``; the paths, in field order."""
        return download_all(self, folder, http_client=http_client, retry=retry)

    async def asave_all(
        self,
        folder: str | os.PathLike[str],
        *,
        http_client: httpx.AsyncClient | None = None,
        retry: RetryPolicy | None = None,
    ) -> list[Path]:
        """Async twin of :meth:`save_all`."""
        return await download_all_async(self, folder, http_client=http_client, retry=retry)


class GenericOutput(ModelOutput):
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
