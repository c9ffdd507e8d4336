"""Deterministic formatting and the atomic replacement of the whole output tree."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
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
    parts = rel.parts
    if parts and (parts[0] in _BUILD_OUTPUT or parts[0].endswith(".egg-info")):
        return True
    return any(p in IGNORED_DIRS and p not in _BUILD_OUTPUT for p in parts)


def read_tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` that the generator owns, keyed by posix path."""
    if not root.is_dir():
        return {}
    found: list[tuple[str, Path]] = []
    for folder, dirs, names in os.walk(root):
        here = Path(folder)
        rel_dir = here.relative_to(root)
        # Prune ignored folders (caches can be large) instead of walking them.
        dirs[:] = [d for d in dirs if not _ignored(rel_dir / d)]
        for name in names:
            rel = rel_dir / name
            path = here / name
            if not _ignored(rel) and path.is_file():
                found.append((rel.as_posix(), path))
    return {rel: path.read_bytes() for rel, path in sorted(found)}


def _ruff() -> str:
    from ruff.__main__ import find_ruff_bin  # type: ignore[import-untyped]

    return os.fspath(find_ruff_bin())  # type: ignore[no-any-return]


def format_python(files: Mapping[str, bytes], pyproject: bytes) -> dict[str, bytes]:
    """Sort imports, drop unused ones and format, with the pinned ruff and the tree's own config."""
    if not files:
        return {}
    with tempfile.TemporaryDirectory(prefix="runcomfy-codegen-fmt-") as tmp:
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


def _link_unchanged(source: Path, target: Path, content: bytes) -> bool:
    """Hard-link an unchanged file of the old tree into the new one, if it is still as read."""
    try:
        if source.stat().st_size != len(content):
            return False
        os.link(source, target)
    except OSError:  # no hard links here (or the file is gone): write it instead
        return False
    return True


def replace_tree(
    out: Path, files: Mapping[str, bytes], *, existing: Mapping[str, bytes] | None = None
) -> None:
    """Write ``files`` as the whole content of ``out``, all at once.

    The new tree is built next to ``out`` and swapped in with renames, so a failure at any point
    leaves either the old tree or the new one, never a mix. Tool by-products (caches, egg-info)
    of the old tree are carried over. With ``existing`` (the old tree as read by
    :func:`read_tree`), files whose content is unchanged are hard-linked from the old tree rather
    than written again, which keeps their timestamps (and the bytecode caches of them valid).
    """
    out = out.resolve()
    parent = out.parent
    parent.mkdir(parents=True, exist_ok=True)
    _recover(out)
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
    """Finish or undo a swap interrupted by a crash."""
    backup = out.parent / f".{out.name}.old"
    if backup.exists():
        if out.exists():
            shutil.rmtree(backup, ignore_errors=True)
        else:
            os.replace(backup, out)
