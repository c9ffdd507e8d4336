"""The README's Python blocks, verbatim: each type-checks (``mypy --strict``, pyright) and runs
against the emulator with jobs that really queue and run, so waiting and cancelling are real."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from runcomfy_models._runtime.emulator import running_emulator
from runcomfy_models._runtime.job_types import CANCEL_DESCRIPTIONS
from user_typecheck import mypy_error_lines, pyright_error_lines

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_PNG = ROOT / ".ci" / "sample.png"


def python_blocks(markdown: str) -> list[str]:
    """The text of each fenced ```python block, exactly as written."""
    return re.findall(r"^```python\n(.*?)^```$", markdown, flags=re.DOTALL | re.MULTILINE)


BLOCKS = python_blocks((ROOT / "README.md").read_text(encoding="utf-8"))


def test_the_readme_has_python_blocks_and_they_are_found_whole() -> None:
    assert BLOCKS
    sample = "intro\n```python\nx = 1\n\ny = 2\n```\n```bash\nz\n```\n```python\nw = 3\n```\n"
    assert python_blocks(sample) == ["x = 1\n\ny = 2\n", "w = 3\n"]


def _write(tmp_path: Path, index: int) -> Path:
    script = tmp_path / f"readme_block_{index}.py"
    script.write_text(BLOCKS[index], encoding="utf-8")
    return script


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_each_readme_block_runs_against_the_emulator(tmp_path: Path, index: int) -> None:
    script = _write(tmp_path, index)
    shutil.copy(SAMPLE_PNG, tmp_path / "cat.png")  # the local image the README sends
    clean = {k: v for k, v in os.environ.items() if not k.startswith("RUNCOMFY_")}
    with running_emulator(queue_seconds=0.3, run_seconds=0.3) as emu:
        proc = subprocess.run(
            [sys.executable, script.name],
            env={**clean, "RUNCOMFY_BASE_URL": emu.base_url, "RUNCOMFY_API_TOKEN": "local-test"},
            capture_output=True, text=True, timeout=110, cwd=tmp_path, check=False,
        )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    saved = re.findall(r'\.save\("([^"]+)"\)', BLOCKS[index])
    for name in saved:
        assert (tmp_path / name).stat().st_size > 0, name
    if ".cancel()" in BLOCKS[index]:
        assert any(text in proc.stdout for text in CANCEL_DESCRIPTIONS.values()), proc.stdout


@pytest.mark.slow
@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_each_readme_block_type_checks_with_mypy_strict_and_pyright(
    tmp_path: Path, index: int
) -> None:
    script = _write(tmp_path, index)
    assert mypy_error_lines(script) == []
    assert pyright_error_lines(script) == []
