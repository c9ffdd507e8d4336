"""What a valid JSON Schema means: contradictions, patterns and keywords the generated model
cannot enforce.

The meta-schema accepts ``minimum: 5, maximum: 1`` or ``enum: []``; the generated package would
then refuse every value, or (``const: {}``, a default outside its enum) fail ``mypy --strict``.
These are errors. Keywords that are valid but that the generated pydantic model does not check
the way jsonschema does are warnings that name them, so none is dropped silently.

Patterns are checked with Python's ``re``: the generated classes use pydantic's ``python-re``
engine (see ``pydantic_source.py``), the engine jsonschema uses, so a pattern accepted here compiles at
import and matches exactly the strings jsonschema matches (``$`` before a trailing newline too).
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from jsonschema import Draft202012Validator

from runcomfy_codegen.pipeline.diagnostics import Collector, json_pointer
from runcomfy_codegen.pipeline.meta_schema import is_valid_schema

_SUBSCHEMA_LISTS = ("anyOf", "oneOf", "allOf")
_JSON_TYPES = ("string", "integer", "number", "boolean", "array", "object", "null")
_BOUNDS = (
    ("minimum", "maximum", False),
    ("exclusiveMinimum", "maximum", True),
    ("minimum", "exclusiveMaximum", True),
    ("exclusiveMinimum", "exclusiveMaximum", True),
)
"""(lower keyword, upper keyword, whether equal bounds already leave nothing valid)."""
_SIZES = (
    ("minLength", "maxLength", "characters"),
    ("minItems", "maxItems", "items"),
    ("minProperties", "maxProperties", "properties"),
)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


def _children(node: Mapping[str, Any]) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    props = node.get("properties")
    if isinstance(props, dict):
        for name, sub in props.items():
            yield ("properties", name), sub
    for key in ("items", "additionalProperties"):
        if isinstance(node.get(key), dict):
            yield (key,), node[key]
    for key in _SUBSCHEMA_LISTS:
        branches = node.get(key)
        if isinstance(branches, list):
            for i, sub in enumerate(branches):
                yield (key, i), sub


def _types(node: Mapping[str, Any]) -> set[str]:
    """The JSON types a schema's ``type`` allows (``number`` includes ``integer``)."""
    declared = node.get("type")
    names = declared if isinstance(declared, list) else [declared] if declared else _JSON_TYPES
    kinds = {k for k in names if isinstance(k, str)}
    if "number" in kinds:
        kinds.add("integer")
    return kinds


class _Checker:
    def __init__(self, c: Collector, root: str) -> None:
        self.c = c
        self.root = root

    def at(self, *path: str | int) -> str:
        return json_pointer(self.root, *path)

    def node(self, node: Any, path: tuple[str | int, ...]) -> None:
        if not isinstance(node, dict):
            return
        bad_pattern = self._pattern(node, path)
        self._bounds(node, path)
        self._enum(node, path)
        self._const(node, path)
        self._unenforced(node, path)
        if "default" in node and not bad_pattern:
            self._default(node, path)
        for sub_path, sub in _children(node):
            self.node(sub, (*path, *sub_path))

    def _pattern(self, node: Mapping[str, Any], path: tuple[str | int, ...]) -> bool:
        pattern = node.get("pattern")
        if not isinstance(pattern, str):
            return False
        try:
            re.compile(pattern)
        except (re.error, OverflowError, RecursionError) as exc:
            self.c.error(
                self.at(*path, "pattern"),
                f"pattern {pattern!r} is not a regular expression the generated model can use "
                f"({exc}); patterns are checked with Python's re, as jsonschema does",
            )
            return True
        return False

    def _bounds(self, node: Mapping[str, Any], path: tuple[str | int, ...]) -> None:
        for low_key, high_key, strict in _BOUNDS:
            low, high = _number(node.get(low_key)), _number(node.get(high_key))
            if low is not None and high is not None and (low >= high if strict else low > high):
                self.c.error(
                    self.at(*path, low_key),
                    f"{low_key} {low} and {high_key} {high} leave no valid value",
                )
        for low_key, high_key, what in _SIZES:
            low, high = _number(node.get(low_key)), _number(node.get(high_key))
            if low is not None and high is not None and low > high:
                self.c.error(
                    self.at(*path, low_key),
                    f"{low_key} {low} is greater than {high_key} {high}: no number of {what} "
                    "is valid",
                )

    def _enum(self, node: Mapping[str, Any], path: tuple[str | int, ...]) -> None:
        enum = node.get("enum")
        if not isinstance(enum, list):
            return
        here = self.at(*path, "enum")
        if not enum:
            self.c.error(here, "enum is empty: no value is valid")
            return
        declared = node.get("type")
        names = declared if isinstance(declared, list) else [declared]
        if all(isinstance(t, str) and t in _JSON_TYPES for t in names):  # else: meta-schema's
            checker = Draft202012Validator({"type": declared})
            for i, value in enumerate(enum):
                if not checker.is_valid(value):
                    self.c.error(
                        self.at(*path, "enum", i),
                        f"enum value {json.dumps(value, ensure_ascii=False)} is not of the "
                        f"declared type {json.dumps(node['type'])}",
                    )
        if not all(v is None or isinstance(v, str | int | bool) for v in enum):
            self.c.warning(
                here,
                "enum values that are not strings, integers, booleans or null (here "
                + ", ".join(
                    json.dumps(v) for v in enum if not (v is None or isinstance(v, str | int))
                )[:80]
                + ") are not checked by the generated model; RunComfy checks them",
            )

    def _const(self, node: Mapping[str, Any], path: tuple[str | int, ...]) -> None:
        if "const" not in node:
            return
        value = node["const"]
        what = (
            "an object"
            if isinstance(value, dict)
            else "an array"
            if isinstance(value, list)
            else "a non-integer number"
            if isinstance(value, float)
            else None
        )
        if what is not None:
            self.c.error(
                self.at(*path, "const"),
                f"const with {what} value is not supported: the generated model can only pin "
                "strings, integers, booleans and null",
            )

    def _unenforced(self, node: Mapping[str, Any], path: tuple[str | int, ...]) -> None:
        def warn(key: str, why: str) -> None:
            self.c.warning(self.at(*path, key), f"{key} {why}; RunComfy checks it")

        if node.get("uniqueItems") is True:
            warn("uniqueItems", "is not checked by the generated model")
        multiple = _number(node.get("multipleOf"))
        if multiple is not None and (not isinstance(multiple, int) or _types(node) != {"integer"}):
            warn(
                "multipleOf",
                "on non-integers is checked with floating-point arithmetic by the generated "
                "model and may disagree",
            )
        if isinstance(node.get("properties"), dict) and node["properties"]:
            for key in ("minProperties", "maxProperties"):
                if key in node:
                    warn(key, "on an object with properties is not checked by the generated model")
        branches = node.get("oneOf")
        if isinstance(branches, list):
            shapes = [_types(b) if isinstance(b, dict) else set(_JSON_TYPES) for b in branches]
            for (i, a), (j, b) in itertools.combinations(enumerate(shapes), 2):
                if a & b:
                    self.c.warning(
                        self.at(*path, "oneOf"),
                        f"oneOf branches {i} and {j} can both match a value; the generated model "
                        "accepts a value matching any branch (as anyOf), RunComfy checks the rest",
                    )
                    break

    def _default(self, node: Mapping[str, Any], path: tuple[str | int, ...]) -> None:
        # The meta-schema accepts any ``default`` and ignores ``validations``, so ``node`` is
        # valid exactly when ``schema`` is; asking about ``node`` finds the property's verdict
        # in the meta-schema check's memo.
        if not is_valid_schema(node):  # reported by the meta-schema check
            return
        schema = {k: v for k, v in node.items() if k not in ("default", "validations")}
        try:
            errors = list(Draft202012Validator(schema).iter_errors(node["default"]))
        except (re.error, RecursionError):  # a bad pattern: reported above
            return
        if errors:
            self.c.error(
                self.at(*path, "default"),
                f"default {json.dumps(node['default'], ensure_ascii=False)[:80]} does not match "
                f"its own schema: {errors[0].message[:160]}",
            )


def check_semantics(schema: Mapping[str, Any], root: str, c: Collector) -> None:
    """Report contradictions and unenforced keywords anywhere in ``schema`` (normalised)."""
    _Checker(c, root).node(schema, ())
