"""The two sides of ``diff``: a schema file, a folder of them, or a git revision of ``schemas/``.

An argument that names an existing path is read from disk; otherwise it must be a git revision
(``git rev-parse --verify``), and the schema files are read from that revision's tree with
``git ls-tree`` and ``git cat-file``, without touching the working tree.
"""

from __future__ import annotations

import json
import os
import posixpath
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class SourceError(Exception):
    """An argument is neither a path nor a revision, or git could not read it."""


@dataclass
class DiffSide:
    """One side of a diff: entries keyed by model id, and what could not be read."""

    label: str
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def add(self, model_id: str, origin: str, text: bytes) -> None:
        try:
            data = json.loads(text.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
            self.notes.append(f"{self.label}: {origin} is not valid JSON ({exc}); left out")
            return
        if not isinstance(data, dict):
            self.notes.append(f"{self.label}: {origin} does not hold a JSON object; left out")
            return
        self.entries[model_id] = data


def _read_bytes(path: Path, side: DiffSide) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError as exc:
        side.notes.append(f"{side.label}: cannot read {path.as_posix()} ({exc}); left out")
        return None


def _read_file(path: Path, side: DiffSide) -> None:
    text = _read_bytes(path, side)
    if text is None:
        return
    try:
        data = json.loads(text.decode("utf-8"))
        model_id = data.get("model_id") if isinstance(data, dict) else None
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        model_id = None
    side.add(model_id if isinstance(model_id, str) else path.stem, path.as_posix(), text)


def read_path(path: Path, label: str) -> DiffSide:
    """A schema file (keyed by its ``model_id``) or a folder of them (keyed by place)."""
    side = DiffSide(label)
    if path.is_file():
        _read_file(path, side)
        return side
    for file in sorted(p for p in path.rglob("*.json") if p.is_file()):
        model_id = file.relative_to(path).with_suffix("").as_posix()
        text = _read_bytes(file, side)
        if text is not None:
            side.add(model_id, file.as_posix(), text)
    return side


def _git() -> str:
    git = shutil.which("git")
    if git is None:
        raise SourceError("git is not installed; pass schema files or folders instead")
    return git


def _run(args: list[str], cwd: Path, stdin: bytes | None = None) -> bytes:
    proc = subprocess.run(  # noqa: S603 - git with fixed sub-commands, no shell
        [_git(), *args], cwd=cwd, input=stdin, capture_output=True, check=False
    )
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise SourceError(f"git {args[0]} failed: {message[-1] if message else proc.returncode}")
    return proc.stdout


def is_revision(rev: str, cwd: Path) -> bool:
    if not rev or rev.startswith("-") or shutil.which("git") is None:
        return False
    proc = subprocess.run(  # noqa: S603 - see _run
        [_git(), "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"],
        cwd=cwd,
        capture_output=True,
        check=False,
    )
    return proc.returncode == 0


def _parse_batch(output: bytes, count: int) -> list[bytes]:
    """Split ``git cat-file --batch`` output into the blob contents, in request order."""
    blobs: list[bytes] = []
    pos = 0
    for _ in range(count):
        end = output.index(b"\n", pos)
        header = output[pos:end].split()
        if len(header) != 3:
            raise SourceError("git cat-file: unexpected answer")
        size = int(header[2])
        blobs.append(output[end + 1 : end + 1 + size])
        pos = end + 1 + size + 1
    return blobs


def read_revision(rev: str, schemas: Path, cwd: Path) -> DiffSide:
    """The schema files under ``schemas`` (relative to ``cwd``) as they are in ``rev``."""
    side = DiffSide(rev)
    if schemas.is_absolute():
        schemas = Path(os.path.relpath(schemas, cwd))
    folder = posixpath.normpath(schemas.as_posix())
    listing = _run(["ls-tree", "-r", "-z", f"{rev}^{{commit}}", "--", folder], cwd)
    wanted: list[tuple[str, str]] = []
    for record in listing.split(b"\0"):
        if not record:
            continue
        meta, _, raw_path = record.partition(b"\t")
        kind, sha = meta.split()[1:3]
        path = raw_path.decode("utf-8", "surrogateescape")
        if kind == b"blob" and path.endswith(".json"):
            wanted.append((sha.decode("ascii"), path))
    if not wanted:
        return side
    output = _run(["cat-file", "--batch"], cwd, "".join(f"{s}\n" for s, _ in wanted).encode())
    for (_, path), blob in zip(wanted, _parse_batch(output, len(wanted)), strict=True):
        model_id = posixpath.relpath(path, folder).removesuffix(".json")
        side.add(model_id, f"{rev}:{path}", blob)
    return side


def read_side(arg: str, schemas: Path, cwd: Path) -> DiffSide:
    """An existing path first, then a git revision; anything else is an error."""
    path = Path(arg)
    if not path.is_absolute():
        path = cwd / path
    if path.exists():
        return read_path(path, arg)
    if is_revision(arg, cwd):
        return read_revision(arg, schemas, cwd)
    raise SourceError(f"{arg!r} is neither a schema file, a folder nor a git revision")
