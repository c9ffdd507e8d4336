"""Validation turns any entry into diagnostics, never a traceback: keywords drawn from the ones
the checks read, with values of any JSON type, at any depth."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from runcomfy_codegen.pipeline.interpret import build_spec
from runcomfy_codegen.pipeline.load import RawEntry
from runcomfy_codegen.pipeline.validate import check_entry

from .support import HYPOTHESIS

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.floats(-5, 5, allow_nan=False)
    | st.sampled_from(["", "a", "^[a-z]+$", "[a-", "\\p{L}", "(?=x)x", "string", "float"])
)
KEYWORDS = st.sampled_from(
    [
        "type",
        "enum",
        "const",
        "default",
        "pattern",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "minLength",
        "maxLength",
        "minItems",
        "maxItems",
        "minProperties",
        "maxProperties",
        "multipleOf",
        "uniqueItems",
        "required",
        "format",
        "nullable",
        "validations",
    ]
)
TYPES = st.sampled_from(["string", "integer", "number", "float", "object", "array", "null", 5])


def schemas() -> st.SearchStrategy[Any]:
    leaf = st.dictionaries(KEYWORDS, SCALARS | st.lists(SCALARS, max_size=3), max_size=5)
    typed = st.tuples(leaf, TYPES | st.lists(TYPES, max_size=2)).map(
        lambda pair: {**pair[0], "type": pair[1]}
    )
    return st.recursive(
        leaf | typed,
        lambda inner: st.one_of(
            st.tuples(leaf, st.dictionaries(st.text(max_size=3), inner, max_size=3)).map(
                lambda pair: {**pair[0], "properties": pair[1]}
            ),
            st.tuples(leaf, inner).map(lambda pair: {**pair[0], "items": pair[1]}),
            st.tuples(leaf, inner).map(lambda pair: {**pair[0], "additionalProperties": pair[1]}),
            st.tuples(leaf, st.lists(inner, max_size=3)).map(
                lambda pair: {**pair[0], "oneOf": pair[1]}
            ),
        ),
        max_leaves=8,
    )


@HYPOTHESIS
@given(st.dictionaries(st.text(max_size=4), schemas(), max_size=4), st.lists(SCALARS, max_size=3))
def test_check_entry_never_raises(properties: dict[str, Any], required: list[Any]) -> None:
    data = {
        "model_id": "a/b",
        "input_schema": {"type": "object", "properties": properties, "required": required},
    }
    raw = RawEntry(Path("schemas/a/b.json"), "schemas/a/b.json", "a/b", data, "")
    checked, diagnostics = check_entry(raw)
    assert (checked is None) == any(d.level.value == "error" for d in diagnostics)
    if checked is not None:
        build_spec(checked)
