"""Media inputs: URLs pass through, local files and bytes become ``data:`` URIs.

A string is never read as a local path (a typo in a URL must not upload a
file): pass ``pathlib.Path(...)`` to send a file. Sizes are checked before
anything is sent, against RunComfy's recommended limits: images 50 MB, videos
100 MB; audio is held to 50 MB (1 MB = 1024 * 1024 bytes).
"""

from __future__ import annotations

import base64
import mimetypes
import os
from collections.abc import Mapping
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from .errors import InvalidInputError
from .model_types import MediaKind

__all__ = [
    "DEFAULT_MIME_TYPES",
    "MAX_MEDIA_BYTES",
    "MediaInput",
    "MediaKind",
    "encode_media",
    "sniff_mime_type",
]

MediaInput = str | os.PathLike[str] | bytes | bytearray | BinaryIO

_MB = 1024 * 1024
MAX_MEDIA_BYTES: Mapping[str, int] = {"image": 50 * _MB, "video": 100 * _MB, "audio": 50 * _MB}
DEFAULT_MIME_TYPES: Mapping[str, str] = {
    "image": "image/png",
    "video": "video/mp4",
    "audio": "audio/mpeg",
}


def encode_media(value: MediaInput, kind: MediaKind, *, field: str | None = None) -> str:
    """The string to send for one media input field.

    - an ``http(s)://`` URL or a ``data:`` URI: returned unchanged;
    - a ``Path`` (any ``os.PathLike``), ``bytes``/``bytearray`` or a binary file
      object: read, size-checked and returned as ``data:<mime>;base64,...``.

    Anything else raises :class:`InvalidInputError` (naming ``field`` if given).
    """
    label = field or kind
    if isinstance(value, str):
        return _check_string(value, kind, label)
    if isinstance(value, bytes | bytearray | memoryview):
        data = bytes(value)
        _check_size(len(data), kind, label, "the given bytes")
        return _data_uri(data, _mime_type(None, data, kind))
    if isinstance(value, os.PathLike):
        path = Path(os.fspath(value))
        data = _read_path(path, kind, label)
        return _data_uri(data, _mime_type(path.name, data, kind))
    if hasattr(value, "read"):
        name = getattr(value, "name", None)
        data = _read_stream(value, kind, label, name if isinstance(name, str) else None)
        return _data_uri(data, _mime_type(name if isinstance(name, str) else None, data, kind))
    raise InvalidInputError(
        f"{label}: expected a URL string, a Path, bytes or a binary file, "
        f"got {type(value).__name__}"
    )


def _check_string(value: str, kind: MediaKind, label: str) -> str:
    text = value.strip()
    if text[:5].lower() == "data:":
        header, comma, payload = text.partition(",")
        if not comma:
            raise InvalidInputError(f"{label}: malformed data: URI (no comma)")
        size = len(payload) * 3 // 4 if header.lower().endswith(";base64") else len(payload)
        _check_size(size, kind, label, "the data: URI")
        return value
    parts = urlsplit(text)
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        return value
    shown = value if len(value) <= 80 else value[:77] + "..."
    hint = ""
    if _names_existing_file(value):
        hint = f" It names a local file: to upload it, pass Path({value!r})."
    raise InvalidInputError(f"{label}: {shown!r} is not an http(s) URL or a data: URI.{hint}")


def _names_existing_file(value: str) -> bool:
    try:
        return len(value) < 4096 and Path(value).expanduser().is_file()
    except (OSError, ValueError):
        return False


def _check_size(size: int, kind: MediaKind, label: str, what: str) -> None:
    limit = MAX_MEDIA_BYTES[kind]
    if size > limit:
        raise InvalidInputError(
            f"{label}: {what} is {size / _MB:.1f} MB, over the {limit // _MB} MB limit for "
            f"{kind} inputs; nothing was sent. Upload it somewhere and pass its https URL."
        )


def _read_path(path: Path, kind: MediaKind, label: str) -> bytes:
    try:
        if path.is_dir():
            raise InvalidInputError(f"{label}: {str(path)!r} is a folder, not a file")
        _check_size(path.stat().st_size, kind, label, f"file {str(path)!r}")
        with path.open("rb") as handle:
            data = handle.read(MAX_MEDIA_BYTES[kind] + 1)
    except FileNotFoundError:
        raise InvalidInputError(f"{label}: file not found: {str(path)!r}") from None
    except PermissionError:
        raise InvalidInputError(f"{label}: permission denied reading {str(path)!r}") from None
    except OSError as exc:
        raise InvalidInputError(
            f"{label}: cannot read {str(path)!r}: {exc.strerror or exc}"
        ) from exc
    _check_size(len(data), kind, label, f"file {str(path)!r}")
    return data


def _read_stream(stream: BinaryIO, kind: MediaKind, label: str, name: str | None) -> bytes:
    what = f"file {name!r}" if name else "the given file object"
    try:
        data: object = stream.read(MAX_MEDIA_BYTES[kind] + 1)
    except OSError as exc:
        raise InvalidInputError(f"{label}: cannot read {what}: {exc}") from exc
    if not isinstance(data, bytes | bytearray):
        raise InvalidInputError(f"{label}: {what} must be opened in binary mode ('rb')")
    _check_size(len(data), kind, label, what)
    return bytes(data)


def _mime_type(name: str | None, data: bytes, kind: MediaKind) -> str:
    if name:
        guessed, _ = mimetypes.guess_type(name)
        if guessed and guessed.split("/")[0] in ("image", "video", "audio"):
            return guessed
    return sniff_mime_type(data, kind) or DEFAULT_MIME_TYPES[kind]


def sniff_mime_type(data: bytes, kind: MediaKind) -> str | None:
    """The MIME type of common media formats from their first bytes, or None."""
    head = data[:16]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "audio/wav"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand == b"qt  ":
            return "video/quicktime"
        if brand in (b"M4A ", b"M4B "):
            return "audio/mp4"
        return "audio/mp4" if kind == "audio" else "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "audio/webm" if kind == "audio" else "video/webm"
    if head.startswith(b"OggS"):
        return "video/ogg" if kind == "video" else "audio/ogg"
    if head.startswith(b"ID3") or head[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        return "audio/mpeg"
    return None


def _data_uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
