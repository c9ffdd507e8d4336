"""Schema files -> raw entries. Reading problems become diagnostics, never tracebacks."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runcomfy_codegen.diagnostics import Collector, Diagnostic


@dataclass(frozen=True)
class RawEntry:
    """One schema file as read from disk."""

    path: Path
    display_path: str
    """The path as shown in diagnostics (relative to the schemas folder's parent)."""
    relative_id: str
    """The model id implied by the file's place under the schemas folder."""
    data: Any
    text: str


def _display(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root.parent).as_posix()
    except ValueError:
        return path.as_posix()


def discover(root: Path) -> tuple[list[Path], list[Diagnostic]]:
    """All ``*.json`` files below ``root``, sorted; a missing or empty folder is an error."""
    c = Collector(root.as_posix())
    if root.is_file():
        return [root], []
    if not root.exists():
        c.error("", "no such file or folder")
        return [], c.items
    if not root.is_dir():
        c.error("", "not a folder")
        return [], c.items
    files = sorted(p for p in root.rglob("*.json") if p.is_file())
    if not files:
        c.error("", "no schema files (*.json) in this folder")
    return files, c.items


def entry_names(path: Path, root: Path) -> tuple[str, str]:
    """(display path, model id implied by the place) of a schema file under ``root``."""
    relative_id = "" if path == root else path.relative_to(root).with_suffix("").as_posix()
    return _display(path, root), relative_id


def read_entry(path: Path, root: Path) -> tuple[RawEntry | None, list[Diagnostic]]:
    display, relative_id = entry_names(path, root)
    c = Collector(display)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        c.error("", f"not UTF-8 text (byte {exc.start})")
        return None, c.items
    except OSError as exc:
        c.error("", f"cannot read file: {exc.strerror or exc}")
        return None, c.items
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        c.error("", f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}")
        return None, c.items
    except RecursionError:
        c.error("", "JSON nested too deeply")
        return None, c.items
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        c.error("", "contains a lone surrogate escape (\\ud800-\\udfff): not valid Unicode text")
        return None, c.items
    return RawEntry(path, display, relative_id, data, text), c.items


def select_files(
    root: Path, only: Iterable[str] | None = None
) -> tuple[list[Path], list[Diagnostic]]:
    """The schema files under ``root`` (or just those of the model ids in ``only``), sorted."""
    files, diagnostics = discover(root)
    wanted = set(only) if only is not None else None
    if wanted is not None:
        known = {p.relative_to(root).with_suffix("").as_posix(): p for p in files}
        for model_id in sorted(wanted - known.keys()):
            c = Collector(root.as_posix())
            c.error("", f"no schema file for model {model_id!r} (expected {model_id}.json)")
            diagnostics.extend(c.items)
        files = [p for mid, p in sorted(known.items()) if mid in wanted]
    return files, diagnostics
