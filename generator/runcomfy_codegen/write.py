"""Deterministic formatting and the atomic replacement of the whole output tree."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

IGNORED_DIRS = frozenset(
    {"__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache", "build", "dist"}
)
"""Tool and build by-products that live in the output folder but are not ours."""


class WriteError(Exception):
    """The output folder could not be read, formatted or replaced."""


def _ignored(rel: Path) -> bool:
    return any(p in IGNORED_DIRS or p.endswith(".egg-info") for p in rel.parts)


def read_tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` that the generator owns, keyed by posix path."""
    if not root.is_dir():
        return {}
    files: dict[str, bytes] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if path.is_file() and not _ignored(rel):
            files[rel.as_posix()] = path.read_bytes()
    return files


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
            ["format", "--no-cache", "--quiet"],
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
                raise WriteError(f"ruff {args[0]} failed on generated code: {proc.stderr.strip()}")
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


def replace_tree(out: Path, files: Mapping[str, bytes]) -> None:
    """Write ``files`` as the whole content of ``out``, all at once.

    The new tree is built next to ``out`` and swapped in with renames, so a failure at any point
    leaves either the old tree or the new one, never a mix. Tool by-products (caches, egg-info)
    of the old tree are carried over.
    """
    out = out.resolve()
    parent = out.parent
    parent.mkdir(parents=True, exist_ok=True)
    _recover(out)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=parent))
    try:
        for name, content in sorted(files.items()):
            target = staging / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        if out.exists():
            for item in out.rglob("*"):
                rel = item.relative_to(out)
                if (
                    item.is_dir()
                    and _ignored(rel)
                    and not _ignored(rel.parent)
                    and (staging / rel.parent).is_dir()
                ):
                    shutil.move(str(item), str(staging / rel))
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
