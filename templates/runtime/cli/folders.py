"""Checking, before any paid work, that the command line can write where it was told to."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ..downloads import ensure_folder
from ..errors import DownloadError

__all__ = ["writable_folder"]


def writable_folder(folder: str | os.PathLike[str], what: str) -> str | None:
    """Create ``folder`` if needed and check a file can be written in it; None, or why not."""
    path = Path(folder)
    try:
        ensure_folder(path)
    except DownloadError as exc:
        return f"cannot use {what}: {exc.message}"
    try:
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        reason = exc.strerror or str(exc) or type(exc).__name__
        return f"cannot write in {what} {str(path)!r}: {reason}"
    return None
