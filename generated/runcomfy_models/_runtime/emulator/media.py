"""The files a finished job produces: a solid-colour PNG, a minimal MP4 or a short WAV.

Real, valid files, cheap to make: a solid colour compresses to almost
nothing, and each size is rendered once.
"""

from __future__ import annotations

import functools
import math
import re
import struct
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from .kinds import MediaKind, entry_kind

DEFAULT_IMAGE_SIZE: Final = (64, 64)
_MIN_SIDE: Final = 16
_MAX_SIDE: Final = 4096
_FILL_RGB: Final = (0x3C, 0x6E, 0xB4)

# "1152:864 (4:3)" -> width 1152, height 864.
_RESOLUTION: Final = re.compile(r"^\s*(\d{1,5})\s*[:xX]\s*(\d{1,5})\b")

_EXTENSIONS: Final[dict[str, tuple[str, str]]] = {
    "image": ("png", "image/png"),
    "video": ("mp4", "video/mp4"),
    "audio": ("wav", "audio/wav"),
}
_WAV_RATE: Final = 8000
_WAV_SECONDS: Final = 0.25


@dataclass(frozen=True, slots=True)
class MediaPlan:
    """What a job's output looks like: its media kind, output key and pixel size."""

    kind: MediaKind
    output_key: str
    width: int
    height: int

    @property
    def extension(self) -> str:
        return _EXTENSIONS[self.kind][0]

    @property
    def content_type(self) -> str:
        return _EXTENSIONS[self.kind][1]

    @property
    def is_list(self) -> bool:
        return self.output_key.endswith("s")

    def render(self) -> bytes:
        if self.kind == "audio":
            return wav_bytes()
        return png_bytes(self.width, self.height) if self.kind == "image" else mp4_bytes()


def plan_output(entry: Mapping[str, Any], inputs: Mapping[str, Any]) -> MediaPlan:
    """Decide the output of a job of the model `entry` given its `inputs`.

    The kind is what the model makes (see :func:`.kinds.entry_kind`); the output key is the
    kind's plural (``audios``) when the output schema names only that, else its singular.
    """
    properties = entry.get("output_schema", {}).get("properties", {})
    names = set(properties) if isinstance(properties, Mapping) else set()
    kind = entry_kind(entry)
    singular, plural = kind, kind + "s"
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
def wav_bytes() -> bytes:
    """A valid WAV file: a quarter of a second of a quiet 440 Hz tone, 8 kHz mono 16-bit."""
    count = int(_WAV_RATE * _WAV_SECONDS)
    samples = b"".join(
        struct.pack("<h", int(3000 * math.sin(2 * math.pi * 440 * i / _WAV_RATE)))
        for i in range(count)
    )
    fmt = struct.pack("<HHIIHH", 1, 1, _WAV_RATE, _WAV_RATE * 2, 2, 16)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"data" + struct.pack("<I", len(samples)) + samples
    return b"RIFF" + struct.pack("<I", len(body)) + body


@functools.lru_cache(maxsize=1)
def mp4_bytes() -> bytes:
    """A minimal ISO-BMFF file: an `ftyp` box and an empty `mdat` box."""
    brands = b"isom" + struct.pack(">I", 0x200) + b"isomiso2avc1mp41"
    ftyp = struct.pack(">I", 8 + len(brands)) + b"ftyp" + brands
    mdat = struct.pack(">I", 8) + b"mdat"
    return ftyp + mdat
