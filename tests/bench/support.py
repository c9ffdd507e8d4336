"""Shared code of the benchmark and incremental-generation tests."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from click.testing import CliRunner, Result
from runcomfy_codegen.cli import cli
from runcomfy_codegen.pipeline import render
from runcomfy_codegen.pipeline.build import analyse
from runcomfy_codegen.pipeline.write import read_tree

REPO = Path(__file__).resolve().parents[2]
BENCH = REPO / "bench"
TEMPLATES = REPO / "templates"
REGISTRY = "runcomfy_models/_registry.py"
CATALOG = "runcomfy_models/_catalog.json"


def run_cli(*args: str | Path) -> Result:
    """``runcomfy-codegen`` in-process."""
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def generate(schemas: Path, out: Path, *args: str | Path) -> Result:
    result = run_cli("generate", "--schemas", schemas, "--out", out, *args)
    assert result.exit_code == 0, result.stderr
    return result


def run_script(name: str, *args: str | Path) -> subprocess.CompletedProcess[str]:
    """``bench/<name>`` run with this interpreter, from the repository's root."""
    return subprocess.run(
        [sys.executable, str(BENCH / name), *(str(a) for a in args)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        timeout=110,
    )


def bench_module(name: str) -> ModuleType:
    """A module of ``bench/`` (they import each other by plain name, as scripts do)."""
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def model_files(schemas: Path, model_id: str) -> set[str]:
    """The module, types, command and docs page of a model, where the generator puts them."""
    build = analyse(schemas)
    layout = render.Layout.of(build.specs)
    (spec,) = [s for s in build.specs if s.model_id == model_id]
    return {
        layout.module_path(spec),
        layout.types_path(spec),
        layout.command_path(spec),
        f"docs/{model_id}.md",
    }


def tree(root: Path) -> dict[str, bytes]:
    return read_tree(root)


def rewrite_schema(path: Path, change: str) -> str:
    """Change one model's schema (``description``: text only; ``enum``: a new allowed value);
    returns its model id."""
    data = json.loads(path.read_text(encoding="utf-8"))
    props = data["input_schema"]["properties"]
    if change == "description":
        first = sorted(props)[0]
        props[first]["description"] = "Changed by a test."
    else:
        props["test_choice"] = {"type": "string", "enum": ["a", "b", "c"]}
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    model_id: str = data["model_id"]
    return model_id
