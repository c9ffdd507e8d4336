"""Importing a model is cheap: its pydantic classes, pydantic, httpx and asyncio load on first use.

Each check runs in a fresh interpreter, since what matters is what ``import`` leaves in
``sys.modules``.
"""

from __future__ import annotations

import ast
import importlib
import json
import os
import subprocess
import sys
import typing
from pathlib import Path

import pytest
import runcomfy_models
from runcomfy_models import _runtime
from runcomfy_models._runtime import MediaField, MediaKind
from runcomfy_models.ideogram.ideogram_v3 import reframe

ROOT = Path(__file__).resolve().parents[2]
GENERATED = ROOT / "generated"
PREFIX_CASE = ROOT / "tests" / "hostile" / "model_id_prefix" / "schemas"
GENERATE = (sys.executable, "-m", "runcomfy_codegen", "generate")
HEAVY = ("pydantic", "httpx", "asyncio", "click")


def _fresh(code: str) -> dict[str, object]:
    """Run ``code`` in a new interpreter; it prints one JSON object as its last line."""
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=GENERATED
    )
    assert proc.returncode == 0, proc.stderr
    result: dict[str, object] = json.loads(proc.stdout.splitlines()[-1])
    return result


def _loaded(names: tuple[str, ...]) -> str:
    return f"sorted(n for n in {names!r} if n in sys.modules)"


def test_importing_a_model_loads_no_pydantic_httpx_or_classes() -> None:
    result = _fresh(
        "import json, sys\n"
        "from runcomfy_models.ideogram.ideogram_v3 import reframe\n"
        f"heavy = {_loaded(HEAVY)}\n"
        "types = [m for m in sys.modules if m.startswith('runcomfy_models._types')]\n"
        "reframe.Input\n"
        f"after = {_loaded(HEAVY)}\n"
        "print(json.dumps({'heavy': heavy, 'types': types, 'after': after}))\n"
    )
    assert result["heavy"] == [] and result["types"] == []
    assert {"httpx", "pydantic"} <= set(result["after"])  # type: ignore[arg-type]


def test_importing_the_package_loads_nothing_heavy_until_a_name_is_used() -> None:
    result = _fresh(
        "import json, sys\n"
        "import runcomfy_models\n"
        f"before = {_loaded(HEAVY)}\n"
        "client = runcomfy_models.RunComfy\n"
        "print(json.dumps({'before': before, 'name': client.__name__}))\n"
    )
    assert result == {"before": [], "name": "RunComfy"}


def test_a_model_module_serves_its_classes_on_first_use() -> None:
    from runcomfy_models._types.ideogram.ideogram_v3 import reframe as types

    assert reframe.Input is types.IdeogramIdeogramV3ReframeInput
    assert reframe.Output is types.IdeogramIdeogramV3ReframeOutput
    assert reframe.IdeogramIdeogramV3ReframeInput is reframe.Input
    value = reframe.Input(image="https://example.com/cat.png", resolution="1152:864 (4:3)")
    assert value.rendering_speed == "BALANCED"
    namespace: dict[str, object] = {}
    exec("from runcomfy_models.ideogram.ideogram_v3.reframe import Input, Output", namespace)
    assert namespace["Input"] is reframe.Input and namespace["Output"] is reframe.Output
    assert {"Input", "Output", "run", "submit", "MODEL_ID"} <= set(dir(reframe))


@pytest.mark.parametrize("name", ["Inptu", "BaseModel", "RemoteFile", "_private", "annotations_"])
def test_a_model_module_refuses_names_it_does_not_define(name: str) -> None:
    with pytest.raises(AttributeError) as info:
        getattr(reframe, name)
    assert str(info.value) == (
        f"module 'runcomfy_models.ideogram.ideogram_v3.reframe' has no attribute {name!r}"
    )


def test_type_hints_of_a_model_resolve_once_it_is_used() -> None:
    # Before first use the annotations name classes that are not loaded yet; after it (here
    # the tests above used reframe), they resolve like any module's.
    _ = reframe.Input
    hints = typing.get_type_hints(reframe.run)
    assert hints["return"] is reframe.Output
    assert typing.get_type_hints(reframe.submit)["return"] == runcomfy_models.Job[reframe.Output]
    assert typing.get_type_hints(MediaField)["kind"] == MediaKind


def test_a_child_of_a_model_that_is_also_a_package_imports_without_pydantic(
    tmp_path: Path,
) -> None:
    # Models a/b and a/b/c: "from runcomfy_models.a.b import c" looks c up on the module a.b
    # first, which must not load a/b's classes.
    out = tmp_path / "out"
    subprocess.run(
        [*GENERATE, "--schemas", str(PREFIX_CASE), "--out", str(out)],
        check=True,
        capture_output=True,
    )
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, sys\n"
            "from runcomfy_models.a.b import c\n"
            f"print(json.dumps({_loaded(HEAVY)}))\n"
            "c.Input\n",
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=out,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == []


def test_every_model_module_resolves_its_binding() -> None:
    for model_id in runcomfy_models.list_models():
        module = runcomfy_models.get_model(model_id)
        binding = module._BINDING.resolve()
        assert binding is module._BINDING.resolve()
        assert binding.model_id == model_id
        assert (binding.input_type, binding.output_type) == (module.Input, module.Output)
        assert module._BINDING.module == module.__name__


def _type_checking_imports(path: Path) -> dict[str, str]:
    """Name -> module of the imports under ``if TYPE_CHECKING:`` in a package ``__init__``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for stmt in node.body:
                if isinstance(stmt, ast.ImportFrom) and stmt.module:
                    for alias in stmt.names:
                        found[alias.asname or alias.name] = stmt.module
    return found


def test_the_runtime_exports_what_type_checkers_see() -> None:
    # The lazy table and the imports type checkers read must list the same names and modules.
    seen = _type_checking_imports(Path(_runtime.__file__))
    assert seen == _runtime._MODULES
    assert sorted(_runtime.__all__) == sorted(_runtime._MODULES)
    for name, module in _runtime._MODULES.items():
        defined = importlib.import_module(f"runcomfy_models._runtime.{module}")
        assert getattr(_runtime, name) is getattr(defined, name)
        assert getattr(runcomfy_models, name) is getattr(defined, name)
    assert set(_runtime.__all__) <= set(dir(_runtime)) and set(_runtime.__all__) <= set(
        dir(runcomfy_models)
    )
    with pytest.raises(AttributeError, match="'runcomfy_models' has no attribute 'Nope'"):
        _ = runcomfy_models.Nope  # type: ignore[attr-defined]
    with pytest.raises(
        AttributeError, match=r"'runcomfy_models\._runtime' has no attribute 'Nope'"
    ):
        _ = _runtime.Nope  # type: ignore[attr-defined]


def test_star_import_of_the_package_gives_every_runtime_name() -> None:
    namespace: dict[str, object] = {}
    exec("from runcomfy_models import *", namespace)
    assert set(runcomfy_models.__all__) <= set(namespace)


USER_CODE = """
import runcomfy_models
from runcomfy_models.ideogram.ideogram_v3 import reframe

value: reframe.Input = reframe.Input(image="https://example.com/a.png", resolution="1152:864 (4:3)")
job: runcomfy_models.Job[reframe.Output] = reframe.submit(
    image="https://example.com/a.png", resolution="1152:864 (4:3)"
)
client: runcomfy_models.RunComfy = runcomfy_models.RunComfy()
reframe.Inptu
runcomfy_models.Nope
reframe.run(image="https://example.com/a.png", resolution="4:3")
"""


@pytest.mark.slow
def test_type_checkers_see_the_lazy_names_and_nothing_more(tmp_path: Path) -> None:
    # Lazy attributes must not hide typos from mypy: the catch-all __getattr__ is runtime-only.
    (tmp_path / "user_code.py").write_text(USER_CODE, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", "user_code.py"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        env={**os.environ, "MYPYPATH": str(GENERATED)},
    )
    errors = [
        line.split(": error: ")[1] for line in proc.stdout.splitlines() if ": error: " in line
    ]
    assert len(errors) == 3, proc.stdout
    assert errors[0].startswith('Module has no attribute "Inptu"')
    assert errors[1].startswith('Module has no attribute "Nope"')
    assert "incompatible type \"Literal['4:3']\"" in errors[2]
