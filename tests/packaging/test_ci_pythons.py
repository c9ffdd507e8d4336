"""``.ci/pythons``: the supported Pythons are tested where present and named where absent."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_an_absent_python_is_a_notice_not_a_failure() -> None:
    done = subprocess.run(
        ["bash", str(ROOT / ".ci" / "pythons"), "3.99"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "notice: Python 3.99 is not installed here; its tests are skipped." in done.stderr
    assert not (ROOT / ".venv-pythons" / "3.99").exists()


def test_ci_runs_every_supported_python_the_package_declares() -> None:
    assert "bash .ci/pythons" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    script = (ROOT / ".ci" / "pythons").read_text(encoding="utf-8")
    tested = re.search(r"versions=\(([\d. ]+)\)", script)
    assert tested is not None
    project = tomllib.loads((ROOT / "generated" / "pyproject.toml").read_text(encoding="utf-8"))
    declared = [
        c.rsplit(" :: ", 1)[1]
        for c in project["project"]["classifiers"]
        if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)
    ]
    assert tested.group(1).split() == declared == ["3.11", "3.12", "3.13"]
    assert project["project"]["requires-python"] == ">=3.11"
