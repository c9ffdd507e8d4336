"""Deterministic formatting and the atomic replacement of the whole output tree."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

CACHE_DIR = ".codegen-cache"
"""The generator's own cache in the output folder (see ``cache.py``); not part of the tree."""

IGNORED_DIRS = frozenset(
    {"__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache", "build", "dist", CACHE_DIR}
)
"""Tool and build by-products that live in the output folder but are not ours."""


class WriteError(Exception):
    """The output folder could not be read, formatted or replaced."""


_BUILD_OUTPUT = frozenset({"build", "dist"})


def _ignored(rel: Path) -> bool:
    """Whether ``rel`` is a by-product: a cache anywhere, or build output at the top level.

    ``build``, ``dist`` and ``*.egg-info`` count only at the top of the output folder: below it
    they are the package and docs of a model whose id has such a segment (``build/model``).
    """
    return _ignored_parts(rel.parts)


def _ignored_parts(parts: tuple[str, ...]) -> bool:
    if parts and (parts[0] in _BUILD_OUTPUT or parts[0].endswith(".egg-info")):
        return True
    return any(p in IGNORED_DIRS and p not in _BUILD_OUTPUT for p in parts)


def read_tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` that the generator owns, keyed by posix path."""
    if not root.is_dir():
        return {}
    found: list[tuple[str, str]] = []
    pending: list[tuple[str, tuple[str, ...]]] = [(os.fspath(root), ())]
    while pending:
        folder, rel_dir = pending.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                parts = (*rel_dir, entry.name)
                if _ignored_parts(parts):
                    continue  # caches can be large: not even walked
                if entry.is_dir(follow_symlinks=False):
                    pending.append((entry.path, parts))
                elif entry.is_file():
                    found.append(("/".join(parts), entry.path))
    files: dict[str, bytes] = {}
    for rel, path in sorted(found):
        with open(path, "rb") as f:
            files[rel] = f.read()
    return files


def _ruff() -> str:
    from ruff.__main__ import find_ruff_bin  # type: ignore[import-untyped]

    return os.fspath(find_ruff_bin())  # type: ignore[no-any-return]


def _scratch(size: int) -> str | None:
    """A memory-backed folder for the formatter's copies when there is room, else the default.

    ruff works on files, and thousands of small files are written and read back per run.
    """
    shm = "/dev/shm"  # noqa: S108 - only the parent of a private mkdtemp folder
    try:
        stat = os.statvfs(shm)
    except (OSError, AttributeError):
        return None
    room = stat.f_bavail * stat.f_frsize
    return shm if room > 4 * size + (64 << 20) and os.access(shm, os.W_OK | os.X_OK) else None


def format_python(files: Mapping[str, bytes], pyproject: bytes) -> dict[str, bytes]:
    """Sort imports, drop unused ones and format, with the pinned ruff and the tree's own config."""
    if not files:
        return {}
    size = sum(len(c) for c in files.values())
    with tempfile.TemporaryDirectory(prefix="runcomfy-codegen-fmt-", dir=_scratch(size)) as tmp:
        root = Path(tmp)
        (root / "pyproject.toml").write_bytes(pyproject)
        for rel, content in files.items():
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        config = str(root / "pyproject.toml")
        steps = (
            ["check", "--fix-only", "--select", "I,F401", "--no-cache", "--quiet"],
            # Not --quiet: ruff format then explains a file it cannot parse.
            ["format", "--no-cache"],
        )
        for args in steps:
            proc = subprocess.run(  # noqa: S603 - our own pinned binary, fixed arguments
                [_ruff(), *args, "--config", config, "."],
                cwd=root,
                capture_output=True,
                text=True,
                check=False,
            )
            if proc.returncode != 0:
                problems = [line for line in proc.stderr.splitlines() if line.strip()]
                detail = problems[0] if problems else f"exit code {proc.returncode}"
                if len(problems) > 1:
                    detail += f" (and {len(problems) - 1} more)"
                raise WriteError(f"ruff {args[0]} failed on generated code: {detail}")
        return {rel: (root / rel).read_bytes() for rel in files}


@dataclass
class Changes:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    @property
    def stale(self) -> list[str]:
        return sorted(self.added + self.changed + self.removed)

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed)


def compare(old: Mapping[str, bytes], new: Mapping[str, bytes]) -> Changes:
    return Changes(
        added=sorted(set(new) - set(old)),
        changed=sorted(k for k in set(new) & set(old) if new[k] != old[k]),
        removed=sorted(set(old) - set(new)),
    )


PATCH_LIMIT = 0.5
"""Below this share of changed files, :func:`replace_tree` patches the tree in place."""

_JOURNAL = "journal.json"


def replace_tree(
    out: Path, files: Mapping[str, bytes], *, existing: Mapping[str, bytes] | None = None
) -> None:
    """Write ``files`` as the whole content of ``out``, all at once.

    A failure at any point (or a crash, repaired by the next run) leaves the old tree exactly as
    it was; tool by-products (caches, egg-info) of the old tree are kept. Two ways:

    - with ``existing`` (the tree on disk as read by :func:`read_tree`) and few changes, only the
      changed files are touched: they are written aside first, the old ones are kept aside until
      every new one is in place, and all are put back if anything fails;
    - otherwise the new tree is built next to ``out`` and swapped in with renames; files that
      ``existing`` shows unchanged are hard-linked into it rather than written again.

    Either way unchanged files keep their timestamps (and bytecode caches of them stay valid).
    """
    out = out.resolve()
    parent = out.parent
    parent.mkdir(parents=True, exist_ok=True)
    _recover(out)
    if existing is not None and out.is_dir():
        changes = compare(existing, files)
        if not changes:
            return
        touched = len(changes.added) + len(changes.changed) + len(changes.removed)
        if touched <= PATCH_LIMIT * max(len(files), 1):
            _patch(out, files, changes)
            return
    _swap(out, files, existing)


def _missing_dirs(out: Path, paths: Iterable[str]) -> list[str]:
    """The folders (relative, parents first) that writing ``paths`` under ``out`` creates."""
    missing: set[str] = set()
    for rel in paths:
        parts = rel.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            folder = "/".join(parts[:i])
            if folder not in missing and not (out / folder).is_dir():
                missing.add(folder)
    return sorted(missing, key=lambda d: (d.count("/"), d))


def _patch(out: Path, files: Mapping[str, bytes], changes: Changes) -> None:
    txn = Path(tempfile.mkdtemp(prefix=f".{out.name}.patch-", dir=out.parent))
    plan = {
        "added": changes.added,
        "changed": changes.changed,
        "removed": changes.removed,
        "dirs": _missing_dirs(out, changes.added),
    }
    try:
        for rel in changes.added + changes.changed:
            target = txn / "new" / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(files[rel])
        (txn / "old").mkdir()
        pending = txn / f"{_JOURNAL}.tmp"
        pending.write_text(json.dumps(plan), encoding="utf-8")
        os.replace(pending, txn / _JOURNAL)  # from here on, _recover can undo a crash
    except OSError as exc:
        shutil.rmtree(txn, ignore_errors=True)
        raise WriteError(f"cannot write {out.name}/: {exc}") from exc
    try:
        _apply(out, txn, plan)
    except OSError as exc:
        _undo(out, txn, plan)
        raise WriteError(f"cannot write {out.name}/: {exc}") from exc
    (txn / _JOURNAL).unlink()  # done: from here on the new tree stands
    shutil.rmtree(txn, ignore_errors=True)
    for rel in changes.removed:
        _prune(out, rel)


def _apply(out: Path, txn: Path, plan: Mapping[str, list[str]]) -> None:
    old = txn / "old"
    for rel in plan["changed"]:
        backup = old / rel
        backup.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(out / rel, backup)  # the old file stays in place until replaced
        except OSError:
            os.replace(out / rel, backup)
    for rel in plan["removed"]:
        backup = old / rel
        backup.parent.mkdir(parents=True, exist_ok=True)
        os.replace(out / rel, backup)
    for folder in plan["dirs"]:
        (out / folder).mkdir(exist_ok=True)
    for rel in plan["added"] + plan["changed"]:
        os.replace(txn / "new" / rel, out / rel)


def _undo(out: Path, txn: Path, plan: Mapping[str, list[str]]) -> None:
    """Put the tree back as it was before :func:`_apply` (which may have stopped anywhere)."""
    old = txn / "old"
    for rel in plan["added"]:
        if not (txn / "new" / rel).exists():  # it was moved in
            (out / rel).unlink(missing_ok=True)
    for rel in plan["changed"] + plan["removed"]:
        if (old / rel).exists():
            (out / rel).parent.mkdir(parents=True, exist_ok=True)
            os.replace(old / rel, out / rel)
    for folder in reversed(plan["dirs"]):
        with contextlib.suppress(OSError):
            (out / folder).rmdir()
    shutil.rmtree(txn, ignore_errors=True)


def _prune(out: Path, rel: str) -> None:
    """Remove the folders a removed file leaves with nothing of ours (caches aside)."""
    parts = rel.split("/")[:-1]
    while parts:
        folder = out.joinpath(*parts)
        try:
            entries = list(os.scandir(folder))
        except OSError:
            return
        if any(not (e.is_dir() and _ignored_parts((*parts, e.name))) for e in entries):
            return
        shutil.rmtree(folder, ignore_errors=True)
        parts = parts[:-1]


def _link_unchanged(source: Path, target: Path, content: bytes) -> bool:
    """Hard-link an unchanged file of the old tree into the new one, if it is still as read."""
    try:
        if source.stat().st_size != len(content):
            return False
        os.link(source, target)
    except OSError:  # no hard links here (or the file is gone): write it instead
        return False
    return True


def _swap(out: Path, files: Mapping[str, bytes], existing: Mapping[str, bytes] | None) -> None:
    parent = out.parent
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=parent))
    try:
        made: set[Path] = set()
        for name, content in sorted(files.items()):
            target = staging / name
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            if (
                existing is not None
                and existing.get(name) == content
                and _link_unchanged(out / name, target, content)
            ):
                continue
            target.write_bytes(content)
        if out.exists():
            os.chmod(staging, out.stat().st_mode & 0o7777)
            for folder, dirs, _ in os.walk(out):
                here = Path(folder)
                rel_dir = here.relative_to(out)
                walk_on = []
                for d in dirs:
                    if not _ignored(rel_dir / d):
                        walk_on.append(d)
                    elif (staging / rel_dir).is_dir():
                        shutil.move(str(here / d), str(staging / rel_dir / d))
                dirs[:] = walk_on
        else:
            os.chmod(staging, 0o755)  # noqa: S103 - a package folder, readable like any other
        backup = parent / f".{out.name}.old"
        if out.exists():
            os.replace(out, backup)
        os.replace(staging, out)
        shutil.rmtree(backup, ignore_errors=True)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        _recover(out)
        raise WriteError(f"cannot write {out.name}/: {exc}") from exc


def _recover(out: Path) -> None:
    """Undo a patch, or finish or undo a swap, that a crash interrupted."""
    for txn in sorted(out.parent.glob(f".{out.name}.patch-*")):
        try:
            plan = json.loads((txn / _JOURNAL).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            plan = None  # never started changing the tree
        if isinstance(plan, dict):
            _undo(out, txn, plan)
        shutil.rmtree(txn, ignore_errors=True)
    backup = out.parent / f".{out.name}.old"
    if backup.exists():
        if out.exists():
            shutil.rmtree(backup, ignore_errors=True)
        else:
            os.replace(backup, out)
