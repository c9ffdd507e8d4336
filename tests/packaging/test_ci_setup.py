"""``.ci/setup``: pip runs only when the dependency files change (or the editable installs were
replaced); each step is named as it starts, pip's output is shown only when it fails.

The script runs against a stand-in ``.venv/bin/python`` that records each pip call and prints
the kind of noise setuptools prints, so the test neither installs anything nor touches the
real environment.
"""

from __future__ import annotations

import shutil
import subprocess
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

FAKE_PYTHON = """#!/usr/bin/env bash
here=$(cd "$(dirname "$0")" && pwd)
if [ "$1" = "--version" ]; then echo "Python 3.11.7"; exit 0; fi
# The check that both packages are imported from the project folder (editable installs).
if [ "$1 $2" = "-I -c" ]; then [ -f "$here/../editable-installs" ]; exit; fi
if [ "$1 $2" = "-m pip" ]; then
  echo "pip $*" >> "$here/../../pip-calls.log"
  echo "!! ******** setuptools editable-install banner ********" >&2
  if [ -n "${FAIL_PIP:-}" ]; then echo "ERROR: could not install" >&2; exit 1; fi
  printf '#!/bin/sh\\n' > "$here/runcomfy-codegen"; chmod +x "$here/runcomfy-codegen"
  printf '#!/bin/sh\\n' > "$here/runcomfy-models"; chmod +x "$here/runcomfy-models"
  printf '#!/bin/sh\\n' > "$here/pyright"; chmod +x "$here/pyright"
  [ -n "${NOT_EDITABLE:-}" ] || touch "$here/../editable-installs"
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
    # Each step is named as it starts (a first setup takes minutes); pip's noise stays in the log.
    assert first.stdout == "" and "banner" not in first.stderr
    steps = first.stderr.splitlines()
    assert [line.split(" (")[0].split(";")[0] for line in steps] == [
        "setup: updating pip",
        "setup: installing the generator, generated/ and the test tools",
        "setup: preparing pyright",
        "setup: checking that .venv imports generator/ and generated/ from this folder",
        "setup: .venv is ready",
    ]
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


def test_replaced_editable_installs_are_noticed_and_installed_again(tmp_path: Path) -> None:
    project = _project(tmp_path)
    assert _setup(project).returncode == 0
    assert _pip_calls(project) == 2
    # `pip install ./generated` into .venv (as a user might) replaces the editable install.
    (project / ".venv" / "editable-installs").unlink()
    repaired = _setup(project)
    assert repaired.returncode == 0, repaired.stderr
    assert "installing them again" in repaired.stderr
    assert _pip_calls(project) == 4
    assert (project / ".venv" / "editable-installs").exists()
    again = _setup(project)
    assert again.returncode == 0 and again.stderr == ""
    assert _pip_calls(project) == 4


def test_an_install_that_leaves_no_editable_packages_fails(tmp_path: Path) -> None:
    project = _project(tmp_path)
    failed = _setup(project, NOT_EDITABLE="1")
    assert failed.returncode == 1
    assert "editable installs are not in effect" in failed.stderr
    assert not (project / ".venv" / "setup.stamp").exists()


def test_ci_runs_the_slow_tests_too_and_the_readme_command_runs_in_parallel() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert 'for marks in "not slow" "slow"' in ci and '-m "$marks"' in ci
    options = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]
    addopts = options["pytest"]["ini_options"]["addopts"]
    assert addopts[:2] == ["-n", "auto"] and addopts[-2:] == ["-m", "not slow"]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "bash .ci/setup && .venv/bin/python -m pytest " in readme
