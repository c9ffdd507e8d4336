"""Safe local file names for downloaded outputs.

A name taken from a URL is untrusted: it may try to climb out of the target
folder (``..``, ``%2F``, ``\\``), hide (leading dot), carry control characters,
or be empty. Such a name is replaced by ``download-<hash><ext>``; a harmless
one is kept with unusual characters turned into ``_``.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import unquote, urlsplit

__all__ = ["clean_name", "safe_filename", "unique_filename"]

_MAX_LENGTH = 150
_ALLOWED_PUNCTUATION = frozenset("._-+()[]@=, ")
_EXTENSION = re.compile(r"\.([A-Za-z0-9]{1,8})$")
_WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL"}
    | {f"COM{i}" for i in range(1, 10)}
    | {f"LPT{i}" for i in range(1, 10)}
)


def _is_hostile(name: str) -> bool:
    if name in ("", ".", "..") or name.startswith("."):
        return True
    if "/" in name or "\\" in name or ":" in name or ".." in name:
        return True
    return any(
        unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp") for ch in name
    )


def _fallback(url: str, decoded: str, default: str) -> str:
    digest = hashlib.sha256(url.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    match = _EXTENSION.search(decoded)
    extension = f".{match.group(1).lower()}" if match else ""
    return f"{default}-{digest}{extension}"


def clean_name(name: str) -> str | None:
    """``name`` with unusual characters turned into ``_``, or None if it is hostile.

    Hostile: empty, ``.``/``..``, a leading dot, a path separator, a drive
    colon, ``..`` anywhere, or control and invisible formatting characters.
    """
    if _is_hostile(name):
        return None
    cleaned = "".join(
        ch if ch.isalnum() or ch in _ALLOWED_PUNCTUATION else "_" for ch in name
    ).strip(" .")
    if not cleaned or cleaned.startswith("."):
        return None
    stem, dot, extension = cleaned.rpartition(".")
    if not dot:
        stem, extension = cleaned, ""
    if stem.upper() in _WINDOWS_RESERVED:
        cleaned = f"_{cleaned}"
    if len(cleaned) > _MAX_LENGTH:
        suffix = f".{extension}" if dot and len(extension) <= 16 else ""
        cleaned = cleaned[: _MAX_LENGTH - len(suffix)].rstrip(" .") + suffix
    return cleaned


def safe_filename(url: str, default: str = "download") -> str:
    """A file name for ``url`` that is safe to join to a folder.

    The result never contains a path separator, ``..``, control characters or a
    leading dot, is never empty, and is at most 150 characters long.
    """
    raw = urlsplit(url).path.rsplit("/", 1)[-1]
    decoded = unquote(raw, errors="replace")
    return clean_name(decoded) or _fallback(url, decoded, default)


def unique_filename(name: str, taken: set[str]) -> str:
    """``name``, or ``name-1``, ``name-2``... (before the extension) if already in ``taken``.

    Adds the returned name to ``taken``; comparison ignores case so that the
    names are also distinct on case-insensitive file systems.
    """
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem:
        stem, dot, extension = name, "", ""
    candidate = name
    counter = 1
    while candidate.lower() in taken:
        candidate = f"{stem}-{counter}{dot}{extension}"
        counter += 1
    taken.add(candidate.lower())
    return candidate
