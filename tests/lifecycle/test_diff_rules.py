"""One case per schema rule, each checked on the request side and on the response side."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from runcomfy_codegen.lifecycle.changes import Change, Severity, Side
from runcomfy_codegen.lifecycle.diff import RULES, diff_catalogs, diff_entry

B, W, I = Severity.BREAKING, Severity.WARNING, Severity.INFO  # noqa: E741

MODEL = "acme/rules/case"


@dataclass(frozen=True)
class Case:
    rule: str
    old: dict[str, Any] | None
    """The property ``p`` before (``None``: absent)."""
    new: dict[str, Any] | None
    on_input: Severity
    on_output: Severity
    old_required: bool = False
    new_required: bool = False
    path: str = "p"
    extra: dict[str, Any] = field(default_factory=dict)


S = {"type": "string"}
OBJ = {"type": "object", "properties": {"a": S}}

CASES = [
    Case("property-removed", S, None, B, B),
    Case("property-added-required", None, S, B, I, new_required=True),
    Case("property-added-optional", None, S, I, I),
    Case("became-required", S, S, B, I, new_required=True),
    Case("became-optional", S, S, I, B, old_required=True),
    Case("enum-value-removed", {**S, "enum": ["a", "b"]}, {**S, "enum": ["a"]}, B, I),
    Case("enum-value-added", {**S, "enum": ["a"]}, {**S, "enum": ["a", "b"]}, I, B),
    Case("enum-added", S, {**S, "enum": ["a"]}, B, I),
    Case("enum-removed", {**S, "enum": ["a"]}, S, I, B),
    Case("type-narrowed", {"type": "number"}, {"type": "integer"}, B, I),
    Case("type-narrowed", {"type": ["string", "null"]}, S, B, I),
    Case("type-narrowed", {}, S, B, I),
    Case("type-widened", {"type": "integer"}, {"type": "number"}, I, B),
    Case("type-widened", S, {**S, "nullable": True}, I, B),
    Case("type-changed", S, {"type": "integer"}, B, B),
    Case(
        "range-narrowed", {"type": "integer", "minimum": 0}, {"type": "integer", "minimum": 1}, B, I
    ),
    Case(
        "range-narrowed", {"type": "integer", "maximum": 9}, {"type": "integer", "maximum": 5}, B, I
    ),
    Case("range-narrowed", {"type": "integer"}, {"type": "integer", "exclusiveMaximum": 5}, B, I),
    Case("range-narrowed", {**S, "maxLength": 9}, {**S, "maxLength": 5}, B, I),
    Case("range-narrowed", S, {**S, "minLength": 1}, B, I),
    Case(
        "range-narrowed", {"type": "array", "maxItems": 5}, {"type": "array", "maxItems": 3}, B, I
    ),
    Case(
        "range-narrowed", {"type": "array", "minItems": 1}, {"type": "array", "minItems": 2}, B, I
    ),
    Case("range-narrowed", {"type": "array"}, {"type": "array", "uniqueItems": True}, B, I),
    Case(
        "range-narrowed",
        {"type": "integer", "multipleOf": 2},
        {"type": "integer", "multipleOf": 3},
        B,
        I,
    ),
    Case(
        "range-widened", {"type": "integer", "minimum": 1}, {"type": "integer", "minimum": 0}, I, W
    ),
    Case("range-widened", {"type": "integer", "maximum": 5}, {"type": "integer"}, I, W),
    Case("range-widened", {"type": "array", "maxItems": 3}, {"type": "array", "maxItems": 5}, I, W),
    Case("pattern-added", S, {**S, "pattern": "^a"}, B, W),
    Case("pattern-changed", {**S, "pattern": "^a"}, {**S, "pattern": "^b"}, B, W),
    Case("pattern-removed", {**S, "pattern": "^a"}, S, I, W),
    Case("media-format-removed", {**S, "format": "image_uri"}, S, B, B),
    Case("media-format-changed", {**S, "format": "image_uri"}, {**S, "format": "video_uri"}, B, B),
    Case(
        "media-format-changed",
        {"type": "array", "format": "image_uris"},
        {"type": "array", "format": "video_uris"},
        B,
        B,
    ),
    Case("media-format-added", S, {**S, "format": "image_uri"}, I, I),
    Case("format-changed", {**S, "format": "date"}, {**S, "format": "date-time"}, W, W),
    Case("default-changed", {**S, "default": "a"}, {**S, "default": "b"}, W, I),
    Case("default-added", S, {**S, "default": "a"}, I, I),
    Case("default-removed", {**S, "default": "a"}, S, W, I),
    Case("docs-changed", {**S, "description": "old"}, {**S, "description": "new"}, I, I),
    Case("docs-changed", {**S, "title": "Old"}, {**S, "title": "New"}, I, I),
    Case(
        "validation-added",
        S,
        {**S, "validations": [{"validation_rule": "file_size_mb<", "validation_value": 30}]},
        W,
        W,
    ),
    Case(
        "validation-removed",
        {**S, "validations": [{"validation_rule": "file_size_mb<", "validation_value": 30}]},
        S,
        I,
        I,
    ),
    Case("composite-changed", {"anyOf": [S]}, {"anyOf": [S, {"type": "integer"}]}, W, W),
    Case("closed", OBJ, {**OBJ, "additionalProperties": False}, B, I),
    Case("opened", {**OBJ, "additionalProperties": False}, OBJ, I, W),
    # Rules seen below the top level: in nested objects and in array items.
    Case("property-removed", OBJ, {"type": "object", "properties": {}}, B, B, path="p.a"),
    Case(
        "enum-value-added",
        {"type": "array", "items": {**S, "enum": ["a"]}},
        {"type": "array", "items": {**S, "enum": ["a", "b"]}},
        I,
        B,
        path="p[]",
    ),
]


def _schema(prop: dict[str, Any] | None, required: bool) -> dict[str, Any]:
    props = {} if prop is None else {"p": prop}
    return {"type": "object", "properties": props, "required": ["p"] if required else []}


def _entry(side: Side, prop: dict[str, Any] | None, required: bool) -> dict[str, Any]:
    plain = {"type": "object", "properties": {"q": S}}
    schema = _schema(prop, required)
    return {
        "model_id": MODEL,
        "input_schema": schema if side is Side.INPUT else plain,
        "output_schema": schema if side is Side.OUTPUT else plain,
    }


def _changes(case: Case, side: Side) -> list[Change]:
    old = _entry(side, case.old, case.old_required)
    new = _entry(side, case.new, case.new_required)
    return diff_entry(MODEL, old, new)


@pytest.mark.parametrize("side", [Side.INPUT, Side.OUTPUT])
@pytest.mark.parametrize("case", CASES, ids=[f"{i:02d}-{c.rule}" for i, c in enumerate(CASES)])
def test_rule(case: Case, side: Side) -> None:
    changes = _changes(case, side)
    expected = case.on_input if side is Side.INPUT else case.on_output
    found = [c for c in changes if c.rule == case.rule]
    assert found, changes
    assert all(c.side is side for c in changes)
    assert [c.path for c in found] == [f"{side.value}.{case.path}"]
    assert found[0].severity is expected
    assert found[0].message


def test_every_rule_has_a_case() -> None:
    model_rules = {"model-removed", "model-added", "display-name-changed", "categories-changed"}
    assert {c.rule for c in CASES} | model_rules == set(RULES)


def test_the_rule_table_matches_the_cases() -> None:
    for case in CASES:
        assert RULES[case.rule] == (case.on_input, case.on_output), case.rule


def test_no_change_is_no_change() -> None:
    entry = _entry(Side.INPUT, {**S, "enum": ["a", "b"], "default": "a"}, True)
    assert diff_entry(MODEL, entry, entry) == []


def test_enum_order_is_not_a_change() -> None:
    old = _entry(Side.INPUT, {**S, "enum": ["a", "b"]}, False)
    new = _entry(Side.INPUT, {**S, "enum": ["b", "a"]}, False)
    assert diff_entry(MODEL, old, new) == []


def test_float_is_number() -> None:
    old = _entry(Side.INPUT, {"type": "float"}, False)
    new = _entry(Side.INPUT, {"type": "number"}, False)
    assert diff_entry(MODEL, old, new) == []


def test_a_missing_output_schema_is_the_generic_one() -> None:
    old = {"model_id": MODEL, "input_schema": {"type": "object"}}
    new = {
        **old,
        "output_schema": {
            "type": "object",
            "properties": {"image": {"type": "string", "format": "uri"}},
        },
    }
    rules = {(c.path, c.rule, c.severity) for c in diff_entry(MODEL, old, new)}
    assert ("output.video", "property-removed", B) in rules
    assert ("output.images", "property-removed", B) in rules
    assert not any(path == "output.image" and rule != "docs-changed" for path, rule, _ in rules)


def test_model_level_rules() -> None:
    a = {"model_id": "acme/a/x", "display_name": "A", "categories": ["x"], "input_schema": {}}
    b = {"model_id": "acme/b/x", "input_schema": {}}
    renamed = {**a, "display_name": "A2", "categories": ["x", "y"]}
    changes = diff_catalogs({"acme/a/x": a, "acme/b/x": b}, {"acme/a/x": renamed, "acme/c/x": b})
    found = {(c.model_id, c.rule, c.severity, c.side) for c in changes}
    assert found == {
        ("acme/a/x", "display-name-changed", I, Side.MODEL),
        ("acme/a/x", "categories-changed", I, Side.MODEL),
        ("acme/b/x", "model-removed", B, Side.MODEL),
        ("acme/c/x", "model-added", I, Side.MODEL),
    }


def test_odd_property_names_are_quoted() -> None:
    old = {"model_id": MODEL, "input_schema": {"properties": {"a b\n": S}}}
    new = {"model_id": MODEL, "input_schema": {"properties": {}}}
    (change,) = diff_entry(MODEL, old, new)
    assert change.path == 'input."a b\\n"'
