"""Nothing the generator accepts fails later: every hostile case it accepts, generated together,
passes ``ruff check``, ``ruff format --check`` and ``mypy --strict``.

The cases are generated as one tree (one mypy run instead of one per case): each model id gets
its case's name as a first segment, so ids that several cases share stay apart.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .support import HOSTILE, run_cli

OK_CASES = sorted(
    p.name
    for p in HOSTILE.iterdir()
    if (p / "expect.json").is_file()
    and json.loads((p / "expect.json").read_text(encoding="utf-8"))["outcome"] == "ok"
)
BIN = Path(sys.executable).parent


def _combined_schemas(target: Path) -> list[str]:
    ids: list[str] = []
    for case in OK_CASES:
        root = HOSTILE / case / "schemas"
        for path in sorted(root.rglob("*.json")):
            entry = json.loads(path.read_text(encoding="utf-8"))
            model_id = f"{case}/{entry['model_id']}"
            entry["model_id"] = model_id
            out = target / f"{model_id}.json"
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps(entry, ensure_ascii=False), encoding="utf-8")
            ids.append(model_id)
    return ids


def _tool(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def accepted_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("accepted")
    ids = _combined_schemas(base / "schemas")
    assert len(ids) >= 30
    out = base / "out"
    result = run_cli("generate", "--schemas", base / "schemas", "--out", out)
    assert result.exit_code == 0, result.stderr
    return out


def test_accepted_hostile_cases_pass_ruff(accepted_tree: Path) -> None:
    for args in (["check", "--no-cache", "."], ["format", "--check", "--no-cache", "."]):
        proc = _tool([str(BIN / "ruff"), *args], accepted_tree)
        assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.slow
def test_accepted_hostile_cases_pass_mypy_strict(accepted_tree: Path) -> None:
    proc = _tool(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "runcomfy_models"],
        accepted_tree,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
