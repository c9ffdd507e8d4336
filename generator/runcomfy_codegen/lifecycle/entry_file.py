"""Schema files on disk: one deterministic JSON text per entry, written atomically."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ENTRY_KEYS = (
    "model_id",
    "display_name",
    "source",
    "categories",
    "kind",
    "base_price_usd",
    "price_unit",
    "note",
    "limitations",
    "omitted_inputs",
    "complete",
    "output_type_in_catalog",
    "local_edits",
    "input_schema",
    "output_schema",
)
"""Top-level keys in file order; any other key follows, sorted."""

EDIT_KEYS = ("pointer", "value", "reason")
SCHEMA_KEYS = frozenset({"input_schema", "output_schema"})


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sorted(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted(v) for v in value]
    return value


def _edit(edit: Any) -> Any:
    if not isinstance(edit, dict):
        return edit
    keys = [k for k in EDIT_KEYS if k in edit] + sorted(set(edit) - set(EDIT_KEYS))
    return {k: edit[k] for k in keys}


def ordered(entry: Mapping[str, Any]) -> dict[str, Any]:
    """The entry with keys in a stable order: fixed at the top, sorted inside the schemas."""
    keys = [k for k in ENTRY_KEYS if k in entry] + sorted(set(entry) - set(ENTRY_KEYS))
    out: dict[str, Any] = {}
    for key in keys:
        value = entry[key]
        if key in SCHEMA_KEYS:
            value = _sorted(value)
        elif key == "local_edits" and isinstance(value, list):
            value = [_edit(e) for e in value]
        out[key] = value
    return out


def dump_entry(entry: Mapping[str, Any]) -> str:
    """Strict JSON: NaN or Infinity anywhere raises ValueError instead of being written."""
    return json.dumps(ordered(entry), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and ``os.replace``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
