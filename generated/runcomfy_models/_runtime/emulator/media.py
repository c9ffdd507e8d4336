"""The files a finished job produces: a solid-colour PNG or a minimal MP4.

Real, valid files, cheap to make: a solid colour compresses to almost
nothing, and each size is rendered once.
"""

from __future__ import annotations

import functools
import re
import struct
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

MediaKind = Literal["image", "video"]

DEFAULT_IMAGE_SIZE: Final = (64, 64)
_MIN_SIDE: Final = 16
_MAX_SIDE: Final = 4096
_FILL_RGB: Final = (0x3C, 0x6E, 0xB4)

# "1152:864 (4:3)" -> width 1152, height 864.
_RESOLUTION: Final = re.compile(r"^\s*(\d{1,5})\s*[:xX]\s*(\d{1,5})\b")

_IMAGE_KEYS: Final = ("image", "images")
_VIDEO_KEYS: Final = ("video", "videos")


@dataclass(frozen=True, slots=True)
class MediaPlan:
    """What a job's output looks like: its media kind, output key and pixel size."""

    kind: MediaKind
    output_key: str
    width: int
    height: int

    @property
    def extension(self) -> str:
        return "png" if self.kind == "image" else "mp4"

    @property
    def content_type(self) -> str:
        return "image/png" if self.kind == "image" else "video/mp4"

    @property
    def is_list(self) -> bool:
        return self.output_key.endswith("s")

    def render(self) -> bytes:
        return png_bytes(self.width, self.height) if self.kind == "image" else mp4_bytes()


def plan_output(entry: Mapping[str, Any], inputs: Mapping[str, Any]) -> MediaPlan:
    """Decide the output of a job of the model `entry` given its `inputs`.

    The output schema decides when it names one media family only; otherwise
    a model id containing "video" makes a video model, anything else an image one.
    """
    properties = entry.get("output_schema", {}).get("properties", {})
    names = set(properties) if isinstance(properties, Mapping) else set()
    has_image = any(key in names for key in _IMAGE_KEYS)
    has_video = any(key in names for key in _VIDEO_KEYS)
    if has_video != has_image:
        kind: MediaKind = "video" if has_video else "image"
    else:
        kind = "video" if "video" in str(entry.get("model_id", "")).lower() else "image"
    singular, plural = _VIDEO_KEYS if kind == "video" else _IMAGE_KEYS
    key = plural if plural in names and singular not in names else singular
    width, height = requested_size(inputs, entry.get("input_schema", {})) or DEFAULT_IMAGE_SIZE
    return MediaPlan(kind, key, width, height)


def requested_size(
    inputs: Mapping[str, Any], input_schema: Mapping[str, Any]
) -> tuple[int, int] | None:
    """The pixel size asked for: a `resolution` like "1152:864 (4:3)" (given or the
    schema default), or integer `width` and `height` inputs."""
    resolution = inputs.get("resolution")
    if resolution is None:
        properties = input_schema.get("properties", {})
        field = properties.get("resolution") if isinstance(properties, Mapping) else None
        resolution = field.get("default") if isinstance(field, Mapping) else None
    if isinstance(resolution, str):
        match = _RESOLUTION.match(resolution)
        if match is not None:
            size = _checked_size(int(match[1]), int(match[2]))
            if size is not None:
                return size
    width, height = inputs.get("width"), inputs.get("height")
    if isinstance(width, int) and isinstance(height, int):
        return _checked_size(width, height)
    return None


def _checked_size(width: int, height: int) -> tuple[int, int] | None:
    if _MIN_SIDE <= width <= _MAX_SIDE and _MIN_SIDE <= height <= _MAX_SIDE:
        return width, height
    return None


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@functools.lru_cache(maxsize=32)
def png_bytes(width: int, height: int) -> bytes:
    """A valid 8-bit RGB PNG of one solid colour."""
    row = b"\x00" + bytes(_FILL_RGB) * width  # filter byte 0, then the pixels
    compressor = zlib.compressobj(9)
    pixels = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", pixels)
        + _png_chunk(b"IEND", b"")
    )


@functools.lru_cache(maxsize=1)
def mp4_bytes() -> bytes:
    """A minimal ISO-BMFF file: an `ftyp` box and an empty `mdat` box."""
    brands = b"isom" + struct.pack(">I", 0x200) + b"isomiso2avc1mp41"
    ftyp = struct.pack(">I", 8 + len(brands)) + b"ftyp" + brands
    mdat = struct.pack(">I", 8) + b"mdat"
    return ftyp + mdat
