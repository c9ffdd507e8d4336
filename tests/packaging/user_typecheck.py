"""Run mypy and pyright on a user's script, as a user would, and return the lines they refuse."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PYRIGHT = Path(sys.executable).parent / "pyright"


def mypy_error_lines(script: Path, python: str = sys.executable) -> list[int]:
    """Lines ``mypy --strict`` reports an error on (the package must be found, not stubbed)."""
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", "--no-incremental",
         "--python-executable", python, script.name],
        capture_output=True, text=True, check=False, cwd=script.parent,
    )  # fmt: skip
    assert "Cannot find implementation or library stub" not in proc.stdout, proc.stdout
    return [int(line.split(":")[1]) for line in proc.stdout.splitlines() if ": error:" in line]


def pyright_error_lines(script: Path, python: str = sys.executable) -> list[int]:
    """Lines pyright reports an error on (the package must be found)."""
    proc = subprocess.run(
        [str(PYRIGHT), "--outputjson", "--pythonpath", python, script.name],
        capture_output=True, text=True, check=False, cwd=script.parent,
    )  # fmt: skip
    report = json.loads(proc.stdout)
    errors = [d for d in report["generalDiagnostics"] if d["severity"] == "error"]
    assert not any(d.get("rule") == "reportMissingImports" for d in errors), errors
    return [d["range"]["start"]["line"] + 1 for d in errors]
