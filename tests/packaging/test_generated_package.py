"""The generated distribution stands alone: its own metadata, data files and imports."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from wheel_build import build_wheel

ROOT = Path(__file__).resolve().parents[2]
GENERATED = ROOT / "generated"

GENERATOR_ONLY = (
    "jinja2",
    "jsonschema",
    "datamodel_code_generator",
    "runcomfy_codegen",
    "anyascii",
)
EMULATOR_ONLY = ("starlette", "uvicorn")

BLOCKER = """
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"{name} must not be imported by runcomfy_models")
        return None
sys.meta_path.insert(0, Block())
"""


def _requirement_name(spec: str) -> str:
    for i, ch in enumerate(spec):
        if not (ch.isalnum() or ch in "-_."):
            return spec[:i].lower()
    return spec.lower()


def test_runtime_dependencies_are_httpx_pydantic_click_only() -> None:
    meta = tomllib.loads((GENERATED / "pyproject.toml").read_text())["project"]
    assert meta["name"] == "runcomfy-models"
    assert {_requirement_name(d) for d in meta["dependencies"]} == {"httpx", "pydantic", "click"}
    assert meta["scripts"]["runcomfy-models"] == "runcomfy_models._runtime.cli:main"
    emulator = {_requirement_name(d) for d in meta["optional-dependencies"]["emulator"]}
    assert emulator == {"starlette", "uvicorn", "jsonschema"}


def test_every_model_imports_without_generator_or_emulator_libraries() -> None:
    blocked = GENERATOR_ONLY + EMULATOR_ONLY + ("jsonschema",)
    code = (
        f"BLOCKED = {set(blocked)!r}\n" + BLOCKER + "import runcomfy_models\n"
        "for model_id in runcomfy_models.list_models():\n"
        "    module = runcomfy_models.get_model(model_id)\n"
        "    assert module.MODEL_ID == model_id\n"
        "    assert module._BINDING.resolve().input_type is module.Input\n"
        "    assert module._BINDING.resolve().output_type is module.Output\n"
        "print(len(runcomfy_models.list_models()))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=GENERATED
    )
    assert proc.returncode == 0, proc.stderr
    assert int(proc.stdout) >= 7


def test_importing_the_package_imports_no_model() -> None:
    code = (
        "import sys, runcomfy_models\n"
        "loaded = [m for m in sys.modules if m.startswith('runcomfy_models.') "
        "and not m.startswith(('runcomfy_models._runtime', 'runcomfy_models._registry'))]\n"
        "print(loaded)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"


@pytest.mark.slow
def test_wheel_carries_types_catalog_and_runtime(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path)
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "runcomfy_models/py.typed",
        "runcomfy_models/_catalog.json",
        "runcomfy_models/_registry.py",
        "runcomfy_models/_runtime/__init__.py",
        "runcomfy_models/_runtime/emulator/__init__.py",
        "runcomfy_models/ideogram/ideogram_v3/reframe.py",
        "runcomfy_models/_commands/ideogram/ideogram_v3/reframe.py",
        "runcomfy_models/_types/ideogram/ideogram_v3/reframe.py",
    ):
        assert required in names
    assert not any(n.startswith("docs/") for n in names)
