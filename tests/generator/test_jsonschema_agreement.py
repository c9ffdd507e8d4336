"""The generated ``Input`` models agree with jsonschema on the catalog's own input schemas.

For every schema in ``schemas/``, the reference is ``jsonschema`` applied to the entry's original
input schema, normalised the way the generator reads the RunComfy dialect: ``type: "float"`` is
``number``, and custom formats (``image_uri``, ``image_uris``...) are ignored, as is the
``validations`` extension (the server checks those).

- Instances that jsonschema accepts (each property drawn with ``hypothesis_jsonschema``'s
  ``from_schema``, and checked with jsonschema) are accepted by ``Input.model_validate``.
- Instances mutated to be invalid (a wrong type, a number out of range, a value outside an enum,
  too many or too few array items, a missing required key) are rejected by jsonschema and by
  ``Input.model_validate``.

Deliberate differences, which the mutations avoid:

- An optional property without a default accepts Python ``None``: it means "not set" and is never
  sent (the binding leaves it out of the payload), while jsonschema rejects ``null`` for it.
- The generated ``Input`` uses strict scalar types, so an integer-valued float such as ``1.0``
  for an integer property is rejected, while jsonschema accepts it.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
import runcomfy_models
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from jsonschema import Draft202012Validator
from pydantic import BaseModel, ValidationError

from .support import HYPOTHESIS, load_entry, normalised, schema_ids

JSON_TYPES = ("string", "integer", "number", "boolean", "array", "object", "null")


class Case:
    def __init__(self, model_id: str) -> None:
        self.model_id = model_id
        self.schema: dict[str, Any] = normalised(load_entry(model_id)["input_schema"])
        self.validator = Draft202012Validator(self.schema)
        self.module = runcomfy_models.get_model(model_id)
        self.model: type[BaseModel] = self.module.Input
        self.properties: dict[str, Any] = self.schema.get("properties", {})
        self.required: list[str] = self.schema.get("required", [])

    def accepts(self, instance: Any) -> bool:
        try:
            self.model.model_validate(instance)
        except ValidationError:
            return False
        return True

    def payload(self, instance: dict[str, Any]) -> dict[str, Any]:
        """What the client sends for ``instance``: validated, then dumped by the real binding."""
        sent: dict[str, Any] = self.module._BINDING.resolve().payload(
            self.model.model_validate(instance)
        )
        return sent


CASES = {model_id: Case(model_id) for model_id in schema_ids()}


JSON_VALUES: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


def instances(schema: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Objects valid for ``schema``, property by property.

    ``from_schema`` draws each property's value; the object itself is assembled here because
    hypothesis-jsonschema's object strategy relies on a private hypothesis API that changed.
    Extra keys are added when the schema allows them (the catalog's schemas do).
    """
    properties: dict[str, Any] = schema.get("properties", {})
    required = set(schema.get("required", []))
    values = {name: _property_values(sub) for name, sub in properties.items()}
    objects = st.fixed_dictionaries(
        {n: s for n, s in values.items() if n in required},
        optional={n: s for n, s in values.items() if n not in required},
    )
    if schema.get("additionalProperties", True) is False:
        return objects
    extra = st.dictionaries(
        st.text(max_size=8).filter(lambda k: k not in properties), JSON_VALUES, max_size=2
    )
    return st.tuples(objects, extra).map(lambda pair: {**pair[1], **pair[0]})


def _property_values(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    if schema.get("type") == "object":
        if schema.get("properties"):
            return instances(schema)
        return st.dictionaries(st.text(max_size=5), JSON_VALUES, max_size=3)
    return from_schema(schema)


@pytest.mark.parametrize("model_id", sorted(CASES))
def test_valid_instances_are_accepted(model_id: str) -> None:
    case = CASES[model_id]

    @HYPOTHESIS
    @given(instances(case.schema))
    def check(instance: dict[str, Any]) -> None:
        assert case.validator.is_valid(instance)
        assert case.accepts(instance), instance
        # The request body holds exactly the schema's properties as given, and is valid.
        sent = case.payload(instance)
        assert sent == {k: v for k, v in instance.items() if k in case.properties}
        assert case.validator.is_valid(sent)

    check()


def _types(schema: dict[str, Any]) -> set[str]:
    declared = schema.get("type")
    if declared is None:
        return set(JSON_TYPES)
    return set(declared) if isinstance(declared, list) else {declared}


def _value_of_type(kind: str) -> st.SearchStrategy[Any]:
    return {
        "string": st.text(max_size=8),
        "integer": st.integers(-(2**40), 2**40),
        # Non-integral floats only: 1.0 for an integer property is a documented difference.
        "number": st.floats(allow_nan=False, allow_infinity=False).filter(
            lambda f: not f.is_integer()
        ),
        "boolean": st.booleans(),
        "array": st.lists(st.integers(), max_size=3),
        "object": st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
        "null": st.none(),
    }[kind]


def _wrong_type(case: Case, name: str) -> st.SearchStrategy[Any]:
    prop = case.properties[name]
    allowed = _types(prop)
    # An integer property gets no "number" here: a float stays a wrong type for it.
    if "number" in allowed:
        allowed = allowed | {"integer"}
    wrong = [k for k in JSON_TYPES if k not in allowed]
    # bool is a JSON type of its own, never an integer or a number.
    optional_without_default = name not in case.required and "default" not in prop
    if optional_without_default:
        wrong = [k for k in wrong if k != "null"]  # None means "not set" (documented)
    return st.sampled_from(wrong).flatmap(_value_of_type)


def _out_of_range(prop: dict[str, Any]) -> st.SearchStrategy[Any] | None:
    options: list[st.SearchStrategy[Any]] = []
    integer = _types(prop) == {"integer"}
    if "minimum" in prop:
        low = prop["minimum"]
        options.append(
            st.integers(max_value=int(low) - 1)
            if integer
            else st.floats(max_value=low, exclude_max=True, allow_nan=False)
        )
    if "maximum" in prop:
        high = prop["maximum"]
        options.append(
            st.integers(min_value=int(high) + 1)
            if integer
            else st.floats(min_value=high, exclude_min=True, allow_nan=False)
        )
    if "maxItems" in prop:
        high = prop["maxItems"]
        options.append(st.lists(st.text(max_size=3), min_size=high + 1, max_size=high + 3))
    if prop.get("minItems", 0) > 0:
        options.append(st.lists(st.text(max_size=3), max_size=prop["minItems"] - 1))
    if "maxLength" in prop:
        high = prop["maxLength"]
        options.append(st.text(min_size=high + 1, max_size=high + 5))
    if prop.get("minLength", 0) > 0:
        options.append(st.text(max_size=prop["minLength"] - 1))
    return st.one_of(options) if options else None


def _outside_enum(prop: dict[str, Any]) -> st.SearchStrategy[Any] | None:
    enum = prop.get("enum")
    if not enum:
        return None
    kinds = _types(prop) & {"string", "integer"}
    candidates = st.one_of([_value_of_type(k) for k in sorted(kinds)] or [st.text()])
    return candidates.filter(lambda v: v not in enum)


Mutation = Callable[[dict[str, Any]], dict[str, Any]]


@st.composite
def mutations(draw: st.DrawFn, case: Case) -> tuple[str, Mutation]:
    """One change that makes a valid instance invalid."""
    # A property without a type (a required name the schema does not define) takes any value.
    typed = [n for n, p in sorted(case.properties.items()) if _types(p) != set(JSON_TYPES)]
    kinds = ["wrong type"] if typed else []
    if case.required:
        kinds.append("missing required")
    ranged = [n for n, p in case.properties.items() if _out_of_range(p) is not None]
    if ranged:
        kinds.append("out of range")
    enums = [n for n, p in case.properties.items() if p.get("enum")]
    if enums:
        kinds.append("outside enum")
    kind = draw(st.sampled_from(kinds))

    if kind == "missing required":
        name = draw(st.sampled_from(case.required))
        return f"drop {name}", lambda inst: {k: v for k, v in inst.items() if k != name}
    if kind == "out of range":
        name = draw(st.sampled_from(ranged))
        strategy = _out_of_range(case.properties[name])
        assert strategy is not None
        value = draw(strategy)
    elif kind == "outside enum":
        name = draw(st.sampled_from(enums))
        strategy = _outside_enum(case.properties[name])
        assert strategy is not None
        value = draw(strategy)
    else:
        name = draw(st.sampled_from(typed))
        value = draw(_wrong_type(case, name))
    return f"{name} = {value!r}", lambda inst: {**inst, name: value}


@pytest.mark.parametrize("model_id", sorted(CASES))
def test_invalid_instances_are_rejected(model_id: str) -> None:
    case = CASES[model_id]

    @HYPOTHESIS
    @given(instances(case.schema), mutations(case))
    def check(instance: dict[str, Any], mutation: tuple[str, Mutation]) -> None:
        what, change = mutation
        mutated = change(copy.deepcopy(instance))
        assume(not case.validator.is_valid(mutated))
        assert not case.accepts(mutated), f"{what}: {mutated}"

    check()


def test_the_documented_differences_hold() -> None:
    """The two exceptions above, pinned so a change in either direction is noticed."""
    case = CASES["ideogram/ideogram-v3/reframe"]
    base = {"image": "https://example.com/cat.png", "resolution": "1152:864 (4:3)"}
    with_none = {**base, "seed": None}
    assert not case.validator.is_valid(with_none)
    assert case.accepts(with_none)
    assert case.model.model_validate(with_none).model_dump()["seed"] is None
    integral_float = {**base, "seed": 1.0}
    assert case.validator.is_valid(integral_float)
    assert not case.accepts(integral_float)
