"""``.ci/setup``: pip runs only when the dependency files change, and says nothing unless it fails.

The script runs against a stand-in ``.venv/bin/python`` that records each pip call and prints
the kind of noise setuptools prints, so the test neither installs anything nor touches the
real environment.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

FAKE_PYTHON = """#!/usr/bin/env bash
here=$(cd "$(dirname "$0")" && pwd)
if [ "$1" = "--version" ]; then echo "Python 3.11.7"; exit 0; fi
if [ "$1 $2" = "-m pip" ]; then
  echo "pip $*" >> "$here/../../pip-calls.log"
  echo "!! ******** setuptools editable-install banner ********" >&2
  if [ -n "${FAIL_PIP:-}" ]; then echo "ERROR: could not install" >&2; exit 1; fi
  printf '#!/bin/sh\\n' > "$here/runcomfy-codegen"; chmod +x "$here/runcomfy-codegen"
  printf '#!/bin/sh\\n' > "$here/runcomfy-models"; chmod +x "$here/runcomfy-models"
  printf '#!/bin/sh\\n' > "$here/pyright"; chmod +x "$here/pyright"
  exit 0
fi
exit 2
"""


def _project(tmp_path: Path) -> Path:
    (tmp_path / ".ci").mkdir()
    shutil.copy(ROOT / ".ci" / "setup", tmp_path / ".ci" / "setup")
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    (tmp_path / "generated").mkdir()
    (tmp_path / "generated" / "pyproject.toml").write_text(
        '# header (sha256 1)\n[project]\ndependencies = ["httpx"]\n', encoding="utf-8"
    )
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "python").write_text(FAKE_PYTHON, encoding="utf-8")
    (bin_dir / "python").chmod(0o755)
    return tmp_path


def _setup(project: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(project / ".ci" / "setup")],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", **env},
    )


def _pip_calls(project: Path) -> int:
    log = project / "pip-calls.log"
    return len(log.read_text(encoding="utf-8").splitlines()) if log.exists() else 0


def test_setup_runs_pip_once_quietly_then_skips_until_dependencies_change(
    tmp_path: Path,
) -> None:
    project = _project(tmp_path)
    first = _setup(project)
    assert first.returncode == 0, first.stderr
    assert first.stdout == first.stderr == ""  # the banner stays in .venv/setup.log
    assert _pip_calls(project) == 2
    assert "banner" in (project / ".venv" / "setup.log").read_text(encoding="utf-8")

    again = _setup(project)
    assert again.returncode == 0 and again.stdout == again.stderr == ""
    assert _pip_calls(project) == 2  # nothing changed: pip is skipped

    generated = project / "generated" / "pyproject.toml"
    generated.write_text(generated.read_text().replace("sha256 1", "sha256 2"), encoding="utf-8")
    assert _setup(project).returncode == 0
    assert _pip_calls(project) == 2  # a new header (regenerated schemas) is no new dependency

    generated.write_text(generated.read_text() + 'optional = ["x"]\n', encoding="utf-8")
    assert _setup(project).returncode == 0
    assert _pip_calls(project) == 4


def test_a_failed_install_is_shown_and_retried_next_time(tmp_path: Path) -> None:
    project = _project(tmp_path)
    failed = _setup(project, FAIL_PIP="1")
    assert failed.returncode == 1
    assert "could not install" in failed.stderr and "setup.log" in failed.stderr
    assert not (project / ".venv" / "setup.stamp").exists()
    assert _setup(project).returncode == 0
    assert (project / ".venv" / "setup.stamp").exists()
