"""Deterministic formatting of the generated Python with the pinned ruff and the tree's config."""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

from runcomfy_codegen.pipeline.write import WriteError

__all__ = ["format_python"]


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


_INIT = "__init__.py"
_INIT_STAND_IN = "_init_module_.py"
"""What a package's ``__init__.py`` is called while it is formatted: ruff never removes unused
imports from a file named ``__init__.py`` (it takes them for re-exports), and the module of a
model that has models below it is one. No generated name starts with an underscore."""


def _scratch_name(rel: str) -> str:
    head, _, name = rel.rpartition("/")
    return f"{head}/{_INIT_STAND_IN}" if name == _INIT and head else rel


def format_python(files: Mapping[str, bytes], pyproject: bytes) -> dict[str, bytes]:
    """Sort imports, drop unused ones and format, with the pinned ruff and the tree's own config."""
    if not files:
        return {}
    size = sum(len(c) for c in files.values())
    with tempfile.TemporaryDirectory(prefix="runcomfy-codegen-fmt-", dir=_scratch(size)) as tmp:
        root = Path(tmp)
        (root / "pyproject.toml").write_bytes(pyproject)
        for rel, content in files.items():
            target = root / _scratch_name(rel)
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
        return {rel: (root / _scratch_name(rel)).read_bytes() for rel in files}
