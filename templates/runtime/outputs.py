"""Output models: their shared base, one base per output kind, and the generic fallback.

Nothing a paid job returns is dropped: the six media keys are files, every other key is kept
(``extras``, ``model_dump()``), a URL under a key nobody names is a file too, and ``raw`` is
the output exactly as RunComfy returned it.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import httpx
from pydantic import (
    BaseModel,
    ConfigDict,
    PrivateAttr,
    ValidatorFunctionWrapHandler,
    model_validator,
)

from .config import RetryPolicy
from .errors import UnexpectedOutputError
from .model_types import OutputT
from .output_files import download_all, download_all_async, iter_remote_files
from .remote_file import RemoteFile

__all__ = [
    "AudioOutput",
    "GenericOutput",
    "ImageOutput",
    "ModelOutput",
    "OutputT",
    "VideoOutput",
    "download_all",
    "download_all_async",
    "iter_remote_files",
    "shown_output",
]


_SHOWN_CHARS = 2000
"""How much of a raw output a message shows (the rest is on the error's ``output``)."""


def shown_output(raw: Any) -> str:
    """A raw output as JSON for a message, cut after :data:`_SHOWN_CHARS` characters."""
    text = json.dumps(raw, ensure_ascii=False, sort_keys=True, default=str)
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 3] + "..."


class ModelOutput(BaseModel):
    """The base of every model's output: its files, typed, without checking for ``None``.

    The fields stay optional where the schema says so; ``file()`` is the typed way to the one
    file a model makes (``out.file().save("cat.png")``), ``files()`` gives all of them and
    ``save_all(folder)`` downloads them. Keys the schema does not name are kept: ``extras``
    (``out.extras["seed"]``, or ``out.seed``), ``model_dump()``; an http(s) URL among them is a
    file too. ``raw`` is the output as RunComfy returned it; ``cost`` what the job cost.
    """

    model_config = ConfigDict(extra="allow")

    output_kind: ClassVar[str] = ""
    """What the model makes (``image``, ``video``, ``audio``); empty when unknown."""

    _cost: float | None = PrivateAttr(default=None)
    _raw: dict[str, Any] | None = PrivateAttr(default=None)

    @model_validator(mode="wrap")
    @classmethod
    def _keep_raw(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        model = handler(data)
        if isinstance(model, ModelOutput) and isinstance(data, Mapping):
            model._raw = copy.deepcopy(dict(data))
        return model

    @property
    def cost(self) -> float | None:
        """What the job that made this output cost in USD, as RunComfy reported it when
        ``run``/``wait`` read the result; None when it gave none (or the output was built by hand)."""
        return self._cost

    @property
    def raw(self) -> dict[str, Any]:
        """The output exactly as RunComfy returned it (a copy); for an output built from
        Python objects, its JSON form."""
        if self._raw is not None:
            return copy.deepcopy(self._raw)
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)

    @property
    def extras(self) -> dict[str, Any]:
        """The keys of the output that its schema does not name (``seed``, ...), as returned."""
        return dict(self.model_extra or {})

    def files(self) -> list[RemoteFile]:
        """Every file of the output, in field order, each URL once: the media fields, then each
        http(s) URL under a key the schema does not name."""
        return _unique(iter_remote_files(self))

    def file(self) -> RemoteFile:
        """The output's one file; with several, the one of the model's kind (under ``audio``,
        ``audios`` or a key such as ``audio_url`` for an audio model) when there is exactly one.

        :class:`UnexpectedOutputError` (with the raw output) if it holds none, or several and
        no single one of the model's kind.
        """
        found = self.files()
        if len(found) == 1:
            return found[0]
        preferred = self._files_of_kind()
        if found and len(preferred) == 1:
            return preferred[0]
        what = "no file" if not found else f"{len(found)} files"
        raise UnexpectedOutputError(
            f"expected one file in the output, it holds {what}: {shown_output(self.raw)}"
            + ("; use files() or save_all(folder)" if found else ""),
            output=self.raw,
        )

    def _files_of_kind(self) -> list[RemoteFile]:
        """The files under the keys of the model's kind: ``audio``, ``audios``, ``audio_url``..."""
        kind = type(self).output_kind
        if not kind:
            return []
        values = {**dict(self), **(self.model_extra or {})}
        return _unique(
            iter_remote_files(
                [
                    v
                    for k, v in values.items()
                    if k in (kind, kind + "s") or k.startswith(kind + "_")
                ],
                urls=True,
            )
        )

    def save_all(
        self,
        folder: str | os.PathLike[str],
        *,
        http_client: httpx.Client | None = None,
        retry: RetryPolicy | None = None,
    ) -> list[Path]:
        """Download every file of the output (see :meth:`files`) into ``folder``; the paths,
        in field order."""
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


class ImageOutput(ModelOutput):
    """The output base of a model that makes images: ``file()`` prefers ``image``/``images``."""

    output_kind: ClassVar[str] = "image"


class VideoOutput(ModelOutput):
    """The output base of a model that makes videos: ``file()`` prefers ``video``/``videos``."""

    output_kind: ClassVar[str] = "video"


class AudioOutput(ModelOutput):
    """The output base of a model that makes audio: ``file()`` prefers ``audio``/``audios``."""

    output_kind: ClassVar[str] = "audio"


class GenericOutput(ModelOutput):
    """The output of a job whose model has no generated output type.

    RunComfy outputs are objects keyed by media name holding file URLs; other keys are kept
    as plain values (an http(s) URL among them is a file too).
    """

    image: RemoteFile | None = None
    video: RemoteFile | None = None
    audio: RemoteFile | None = None
    images: list[RemoteFile] | None = None
    videos: list[RemoteFile] | None = None
    audios: list[RemoteFile] | None = None


def _unique(files: Any) -> list[RemoteFile]:
    seen: set[str] = set()
    found: list[RemoteFile] = []
    for remote in files:
        if remote.url not in seen:
            seen.add(remote.url)
            found.append(remote)
    return found
