"""Every generated model module imports and has the promised surface; the seed model behaves.

These tests use the installed ``runcomfy_models`` (the committed ``generated/`` tree); the golden
test proves that tree is what the generator produces.
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest
import runcomfy_models
from pydantic import BaseModel, ValidationError
from runcomfy_models.ideogram.ideogram_v3 import reframe

from .support import SEED_MODEL, keyword_inputs, load_entry, normalised, schema_ids

MODEL_IDS = runcomfy_models.list_models()
SURFACE = ("MODEL_ID", "Input", "Output", "run", "run_async", "submit", "submit_async")
RUNTIME_PARAMETERS = {
    "run": ["client", "timeout", "on_update", "cancel_on_timeout"],
    "run_async": ["client", "timeout", "on_update", "cancel_on_timeout"],
    "submit": ["client", "timeout"],
    "submit_async": ["client", "timeout"],
}
EXAMPLE = {"image": "https://example.com/cat.png", "resolution": "1152:864 (4:3)"}


def wire_names(model: type[BaseModel]) -> dict[str, str]:
    """Python field name -> wire name."""
    return {name: name if f.alias is None else f.alias for name, f in model.model_fields.items()}


def test_every_schema_is_generated() -> None:
    assert schema_ids() == MODEL_IDS


@pytest.mark.parametrize("model_id", MODEL_IDS)
def test_module_surface(model_id: str) -> None:
    module = runcomfy_models.get_model(model_id)
    for name in (*SURFACE, "job", "job_async"):
        assert hasattr(module, name), name
    assert set(module.__all__) >= {*SURFACE, "job", "job_async"}
    assert model_id == module.MODEL_ID
    assert issubclass(module.Input, BaseModel)
    assert issubclass(module.Output, BaseModel)
    assert inspect.iscoroutinefunction(module.run_async)
    assert inspect.iscoroutinefunction(module.submit_async)
    assert not inspect.iscoroutinefunction(module.run)
    assert list(inspect.signature(module.job).parameters) == ["request_id", "client"]
    assert list(inspect.signature(module.job_async).parameters) == ["request_id", "client"]


@pytest.mark.parametrize("function", sorted(RUNTIME_PARAMETERS))
@pytest.mark.parametrize("model_id", MODEL_IDS)
def test_one_keyword_argument_per_input_field(model_id: str, function: str) -> None:
    module = runcomfy_models.get_model(model_id)
    properties = normalised(load_entry(model_id)["input_schema"])["properties"]
    required = set(load_entry(model_id)["input_schema"].get("required", []))
    fields = wire_names(module.Input)
    assert sorted(fields.values()) == sorted(properties)

    params = inspect.signature(getattr(module, function)).parameters
    runtime = RUNTIME_PARAMETERS[function]
    assert list(params) == [*runtime, "inputs"]
    assert all(params[name].kind is inspect.Parameter.KEYWORD_ONLY for name in runtime)
    assert params["inputs"].kind is inspect.Parameter.VAR_KEYWORD  # **inputs: Unpack[Params]
    inputs = keyword_inputs(module)
    assert set(inputs) == set(fields)
    for name, is_required in inputs.items():
        # Required only when the schema requires it; an optional one that is not given (or is
        # None) is not sent: the server applies its default.
        assert is_required == (fields[name] in required), name


def test_get_model_rejects_an_unknown_id() -> None:
    with pytest.raises(KeyError, match="did you mean ideogram/ideogram-v3/reframe"):
        runcomfy_models.get_model("ideogram/ideogram-v3/refram")


def test_registry_imports_the_same_module() -> None:
    assert runcomfy_models.get_model(SEED_MODEL) is reframe
    assert SEED_MODEL == reframe.MODEL_ID


def dump(value: BaseModel) -> dict[str, Any]:
    wire: dict[str, Any] = value.model_dump(mode="json", by_alias=True, exclude_unset=True)
    return wire


def test_reframe_accepts_the_seed_example() -> None:
    value = reframe.Input.model_validate(EXAMPLE)
    assert dump(value) == EXAMPLE
    typed = reframe.Input(image="https://example.com/cat.png", resolution="1152:864 (4:3)")
    assert dump(typed) == EXAMPLE


@pytest.mark.parametrize(
    "change",
    [
        {"resolution": "1152:865 (4:3)"},
        {"resolution": "1152:864"},
        {"resolution": ""},
        {"seed": -1},
        {"seed": 2147483648},
        {"seed": "5"},
        {"seed": 5.5},
        {"seed": True},
        {"image": 42},
        {"rendering_speed": "turbo"},
        {"color_palette": "red"},
    ],
    ids=repr,
)
def test_reframe_rejects_bad_values(change: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as info:
        reframe.Input.model_validate({**EXAMPLE, **change})
    assert [e["loc"][0] for e in info.value.errors()] == list(change)


def test_reframe_rejects_a_missing_image() -> None:
    with pytest.raises(ValidationError) as info:
        reframe.Input.model_validate({"resolution": "1152:864 (4:3)"})
    assert [(e["type"], e["loc"]) for e in info.value.errors()] == [("missing", ("image",))]


@pytest.mark.parametrize("seed", [0, 1, 2147483647])
def test_reframe_accepts_seeds_at_the_bounds(seed: int) -> None:
    assert dump(reframe.Input.model_validate({**EXAMPLE, "seed": seed}))["seed"] == seed


def test_wire_payload_holds_exactly_what_was_set() -> None:
    given = {**EXAMPLE, "seed": 7, "style": {"name": "x"}}
    value = reframe.Input.model_validate(given)
    assert dump(value) == given
    # Defaults stay on the server: an unset rendering_speed is not sent, even though Python
    # sees the schema's default.
    assert value.rendering_speed == "BALANCED"
    assert "rendering_speed" not in dump(value)
    # Setting a value equal to the default still sends it.
    explicit = reframe.Input.model_validate({**EXAMPLE, "rendering_speed": "BALANCED"})
    assert dump(explicit) == {**EXAMPLE, "rendering_speed": "BALANCED"}


def test_every_enum_value_of_the_seed_is_accepted() -> None:
    enum = load_entry(SEED_MODEL)["input_schema"]["properties"]["resolution"]["enum"]
    for value in enum:
        assert (
            dump(reframe.Input.model_validate({**EXAMPLE, "resolution": value}))["resolution"]
            == value
        )
