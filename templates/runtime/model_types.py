"""The type variables and media descriptions every layer of the runtime shares.

A leaf module: it imports nothing of the runtime, so any module may import it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, NamedTuple, TypeVar

if TYPE_CHECKING:
    from pydantic import BaseModel

__all__ = ["InputT", "MediaField", "MediaKind", "OutputT"]

InputT = TypeVar("InputT", bound="BaseModel")
OutputT = TypeVar("OutputT", bound="BaseModel")

MediaKind = Literal["image", "video", "audio"]


class MediaField(NamedTuple):
    """One media input field: its kind, and whether it holds a list (``*_uris`` fields)."""

    kind: MediaKind
    many: bool = False
