"""Building the generated package's wheel from a private copy of ``generated/``.

setuptools writes ``build/`` and ``*.egg-info`` into the folder it builds: building the
committed tree in place would change files that tests running at the same time read.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

GENERATED = Path(__file__).resolve().parents[2] / "generated"
_NOT_SOURCES = shutil.ignore_patterns(
    "build", "*.egg-info", "__pycache__", ".codegen-cache", ".mypy_cache", ".ruff_cache"
)


def build_wheel(work: Path) -> Path:
    """Build the wheel of ``generated/`` under ``work`` (offline) and return its path."""
    source = work / "generated-copy"
    shutil.copytree(GENERATED, source, ignore=_NOT_SOURCES)
    dist = work / "dist"
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--disable-pip-version-check", "-w", str(dist), str(source)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    (wheel,) = dist.glob("runcomfy_models-*.whl")
    return wheel
