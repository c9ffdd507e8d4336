"""Fixtures for the generator tests: one fresh generation of ``schemas/``, shared by the session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .support import SCHEMAS, run_cli


@pytest.fixture(scope="session")
def fresh_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``schemas/`` generated into a temporary folder (read-only for tests: copy before editing)."""
    out = tmp_path_factory.mktemp("fresh") / "generated"
    result = run_cli("generate", "--schemas", SCHEMAS, "--out", out)
    assert result.exit_code == 0, result.stderr
    return out


@pytest.fixture
def tree_copy(fresh_tree: Path, tmp_path: Path) -> Path:
    """A private, editable copy of the fresh tree."""
    out = tmp_path / "generated"
    shutil.copytree(fresh_tree, out, ignore=shutil.ignore_patterns("__pycache__"))
    return out


@pytest.fixture
def schemas_copy(tmp_path: Path) -> Path:
    """A private, editable copy of ``schemas/``."""
    copy = tmp_path / "schemas"
    shutil.copytree(SCHEMAS, copy)
    return copy
