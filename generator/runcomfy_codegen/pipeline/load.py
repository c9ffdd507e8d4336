"""Schema files -> raw entries. Reading problems become diagnostics, never tracebacks."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runcomfy_codegen.pipeline.diagnostics import Collector, Diagnostic


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


def display_path(path: Path, root: Path) -> str:
    """How diagnostics name ``path``: relative to the folder holding ``root`` when below it."""
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
    files = sorted(_json_files(root), key=lambda p: p.parts)  # (the order of Path's own sort)
    if not files:
        c.error("", "no schema files (*.json) in this folder")
    return files, c.items


def _json_files(root: Path) -> Iterator[Path]:
    """The ``*.json`` files below ``root`` (``os.walk``: a tenth of ``rglob``'s time)."""
    for folder, _, names in os.walk(root):
        for name in names:
            if name.endswith(".json"):
                path = Path(folder, name)
                if path.is_file():
                    yield path


def entry_names(path: Path, root: Path, id_root: Path | None = None) -> tuple[str, str]:
    """(display path, model id implied by the place) of a schema file under ``root``.

    The id is the path below ``id_root`` (the schemas folder, when ``root`` is a sub-folder of
    it), else below ``root``; a single file given on its own implies none.
    """
    if path == root:
        relative_id = ""
    elif id_root is not None:
        relative_id = path.resolve().relative_to(id_root).with_suffix("").as_posix()
    else:
        relative_id = path.relative_to(root).with_suffix("").as_posix()
    return display_path(path, root), relative_id


def schemas_folder_of(path: Path) -> Path | None:
    """The nearest folder named ``schemas`` above ``path`` (a sub-folder being validated on
    its own), or None."""
    resolved = path.resolve()
    for parent in resolved.parents:
        if parent.name == "schemas":
            return parent
    return None


def read_entry(
    path: Path, root: Path, id_root: Path | None = None
) -> tuple[RawEntry | None, list[Diagnostic]]:
    display, relative_id = entry_names(path, root, id_root)
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
