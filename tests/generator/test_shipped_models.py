"""Every model the package ships imports and builds its ``Input`` from the schema's own
defaults plus drawn values for the required inputs, through the keyword arguments users call and
the binding's real payload.

These use the installed ``runcomfy_models`` (the committed ``generated/`` tree).
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import runcomfy_models
from hypothesis import given
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from jsonschema import Draft202012Validator

from .support import GENERATED, HYPOTHESIS, load_entry, normalised, schema_ids

MODEL_IDS = schema_ids()


def test_the_package_ships_every_real_schema() -> None:
    assert runcomfy_models.list_models() == MODEL_IDS
    assert len(MODEL_IDS) >= 123


def test_the_shipped_package_passes_ruff_and_mypy_strict(tmp_path: Path) -> None:
    """Every real schema, as generated and committed, passes the checks users run."""
    tools = Path(sys.executable).parent
    commands = (
        [str(tools / "ruff"), "check", "--no-cache", "."],
        [str(tools / "ruff"), "format", "--check", "--no-cache", "."],
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path), "runcomfy_models"],
    )
    for command in commands:
        proc = subprocess.run(command, cwd=GENERATED, capture_output=True, text=True, check=False)
        assert proc.returncode == 0, proc.stdout + proc.stderr


@st.composite
def inputs_from_defaults(draw: st.DrawFn, schema: dict[str, Any]) -> dict[str, Any]:
    """Every property that has a default set to it; every required one without a default drawn."""
    props: dict[str, Any] = schema.get("properties", {})
    values = {name: prop["default"] for name, prop in props.items() if "default" in prop}
    for name in schema.get("required", []):
        if name not in values:
            values[name] = draw(from_schema(props.get(name, {})))
    return values


@pytest.mark.parametrize("model_id", MODEL_IDS)
def test_every_model_builds_its_input_from_defaults(model_id: str) -> None:
    registry = importlib.import_module("runcomfy_models._registry")
    module = importlib.import_module(registry.MODELS[model_id].module)
    assert module is runcomfy_models.get_model(model_id)
    schema = normalised(load_entry(model_id)["input_schema"])
    validator = Draft202012Validator(schema)
    binding = module._BINDING.resolve()
    python_names = {(f.alias or name): name for name, f in module.Input.model_fields.items()}

    @HYPOTHESIS
    @given(inputs_from_defaults(schema))
    def check(values: dict[str, Any]) -> None:
        assert validator.is_valid(values)
        by_wire = module.Input.model_validate(values)
        by_keyword = module.Input(**{python_names[k]: v for k, v in values.items()})
        sent = binding.payload(by_wire)
        assert sent == values
        assert binding.payload(by_keyword) == values
        assert validator.is_valid(sent)

    check()
