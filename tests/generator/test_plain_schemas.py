"""``meta_schema.plainly_valid`` never calls a schema valid that the meta-schema refuses.

It settles the common property schemas without the validator; whatever it cannot settle goes to
the validator. Random schemas mix its keywords with values of the right and the wrong shapes,
and the keywords it leaves to the validator.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from runcomfy_codegen.pipeline import meta_schema

from .support import HYPOTHESIS, SCHEMAS

META = Draft202012Validator(Draft202012Validator.META_SCHEMA)

VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["string", "integer", "number", "object", "array", "float", "", "^a$"]),
)
KEYWORDS = st.sampled_from(
    [
        *("type", "title", "description", "format", "pattern", "$ref", "default", "const"),
        *("minimum", "maximum", "exclusiveMinimum", "minLength", "maxItems", "uniqueItems"),
        *("enum", "examples", "required", "items", "additionalProperties", "properties"),
        *("anyOf", "oneOf", "allOf", "readOnly", "multipleOf", "not", "$defs", "x-extra"),
    ]
)
SCHEMAS_ANY = st.recursive(
    VALUES,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.lists(st.sampled_from(["string", "integer", "null", "a"]), max_size=3),
        st.dictionaries(KEYWORDS, inner, max_size=4),
        st.dictionaries(st.sampled_from(["a", "b"]), inner, max_size=2),
    ),
    max_leaves=12,
)


MANY = settings(HYPOTHESIS, max_examples=600)


@MANY
@given(st.dictionaries(KEYWORDS, SCHEMAS_ANY, max_size=5))
def test_what_it_calls_valid_the_meta_schema_accepts(schema: dict[str, Any]) -> None:
    if meta_schema.plainly_valid(schema):
        assert META.is_valid(schema), schema


TYPES = st.sampled_from(["string", "integer", "number", "boolean", "array", "object", "null"])


def _schemas(wrong: bool) -> st.SearchStrategy[dict[str, Any]]:
    """Schemas of the keywords ``plainly_valid`` settles, of the right shapes (with ``wrong``,
    each value may also be of any shape, and keywords it leaves to the validator appear)."""

    def either(right: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return right | VALUES | SCHEMAS_ANY if wrong else right

    leaf = {
        "type": either(st.one_of(TYPES, st.lists(TYPES, min_size=1, max_size=3, unique=True))),
        "title": either(st.text(max_size=3)),
        "description": either(st.text(max_size=3)),
        "default": VALUES,
        "enum": either(st.lists(VALUES, max_size=3)),
        "minimum": either(st.integers(-5, 5) | st.floats(allow_nan=False)),
        "maxLength": either(st.integers(0, 5)),
        "minItems": either(st.integers(0, 5)),
        "uniqueItems": either(st.booleans()),
        "required": either(st.lists(st.text(max_size=2), max_size=3, unique=True)),
        "format": either(st.sampled_from(["image_uri", "uri"])),
        **({"multipleOf": VALUES, "not": VALUES, "x-extra": VALUES} if wrong else {}),
    }
    return st.recursive(
        st.fixed_dictionaries({}, optional=leaf),
        lambda inner: st.fixed_dictionaries(
            {},
            optional={
                **leaf,
                "items": either(inner),
                "properties": either(st.dictionaries(st.text(max_size=2), inner, max_size=3)),
                "anyOf": either(st.lists(inner, min_size=1, max_size=2)),
                "additionalProperties": either(st.booleans() | inner),
            },
        ),
        max_leaves=6,
    )


@MANY
@given(_schemas(wrong=True))
def test_what_it_calls_valid_among_near_misses_the_meta_schema_accepts(
    schema: dict[str, Any],
) -> None:
    if meta_schema.plainly_valid(schema):
        assert META.is_valid(schema), schema


@MANY
@given(_schemas(wrong=False))
def test_it_settles_schemas_of_its_keywords_that_the_meta_schema_accepts(
    schema: dict[str, Any],
) -> None:
    assert META.is_valid(schema)
    assert meta_schema.plainly_valid(schema)


def _property_schemas() -> list[Any]:
    found: list[Any] = []
    for path in sorted(SCHEMAS.rglob("*.json")):
        entry = json.loads(path.read_text(encoding="utf-8"))
        for key in ("input_schema", "output_schema"):
            properties = (entry.get(key) or {}).get("properties") or {}
            found.extend(properties.values())
    return found


def test_it_settles_most_property_schemas_of_the_catalog_and_agrees_on_them() -> None:
    schemas = _property_schemas()
    settled = [s for s in schemas if meta_schema.plainly_valid(s)]
    assert len(settled) >= 0.8 * len(schemas), (len(settled), len(schemas))
    assert all(META.is_valid(s) for s in settled)


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "float"},
        {"type": []},
        {"type": ["string", "string"]},
        {"minLength": -1},
        {"maxItems": True},
        {"minimum": "0"},
        {"title": 3},
        {"enum": "a"},
        {"required": ["a", "a"]},
        {"anyOf": []},
        {"items": 3},
        {"properties": {"a": {"type": "float"}}},
        {"additionalProperties": {"minLength": 1.5}},
        {"uniqueItems": 1},
    ],
)
def test_near_misses_go_to_the_validator(schema: dict[str, Any]) -> None:
    assert not meta_schema.plainly_valid(schema)
    assert not META.is_valid(schema)
