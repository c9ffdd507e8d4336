"""Raw entries -> checked entries: the entry meta-schema, JSON Schema validity and the RunComfy dialect.

The RunComfy dialect differs from plain JSON Schema in a few ways seen in the live catalog:
``type: "float"`` means ``number``; media inputs are strings with ``format: image_uri`` (and
``video_uri``, ``audio_uri``) or arrays with the ``*_uris`` forms; ``validations`` lists
server-side checks; ``required`` may be missing. Normalisation rewrites a copy into plain JSON
Schema and reports what it changed.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator

from runcomfy_codegen.pipeline.diagnostics import Collector, Diagnostic, has_errors, json_pointer
from runcomfy_codegen.pipeline.entry_keys import (
    CATALOG_KEYS,
    ENTRY_SCHEMA,
    catalog_values,
    check_model_id,
    finite,
)
from runcomfy_codegen.pipeline.load import RawEntry
from runcomfy_codegen.pipeline.meta_schema import schema_errors
from runcomfy_codegen.pipeline.output_schema import GENERIC_OUTPUT_SCHEMA, with_media_outputs
from runcomfy_codegen.pipeline.semantics import check_semantics

MAX_DEPTH = 24
"""Deepest nesting of schemas accepted; deeper input is almost certainly hostile."""

LARGE_ENUM = 1000

MEDIA_FORMATS: Mapping[str, tuple[str, bool]] = {
    "image_uri": ("image", False),
    "video_uri": ("video", False),
    "audio_uri": ("audio", False),
    "image_uris": ("image", True),
    "video_uris": ("video", True),
    "audio_uris": ("audio", True),
}
"""Media ``format`` -> (kind, is a list)."""

STANDARD_FORMATS = frozenset(
    {
        "uri",
        "uri-reference",
        "url",
        "date-time",
        "date",
        "time",
        "duration",
        "email",
        "hostname",
        "ipv4",
        "ipv6",
        "uuid",
        "regex",
        "json-pointer",
        "binary",
        "byte",
        "password",
    }
)

KNOWN_KEYWORDS = frozenset(
    {
        "type",
        "title",
        "description",
        "default",
        "examples",
        "enum",
        "const",
        "format",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "minItems",
        "maxItems",
        "uniqueItems",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minLength",
        "maxLength",
        "pattern",
        "minProperties",
        "maxProperties",
        "anyOf",
        "oneOf",
        "allOf",
        "nullable",
        "readOnly",
        "writeOnly",
        "deprecated",
        "$schema",
        "$id",
        "$comment",
        "validations",
    }
)


_ENTRY_VALIDATOR = Draft202012Validator(ENTRY_SCHEMA)


@dataclass(frozen=True)
class CheckedEntry:
    """An entry that passed validation; its schemas are normalised to plain JSON Schema."""

    raw: RawEntry
    model_id: str
    source: str
    catalog: Mapping[str, Any]
    """The catalog keys of :data:`CATALOG_KEYS` that the entry holds, with valid values."""
    input_schema: Mapping[str, Any]
    output_schema: Mapping[str, Any]
    original_input_schema: Mapping[str, Any]
    original_output_schema: Mapping[str, Any] | None


class _Normaliser:
    """Walks one schema, rewriting the dialect into JSON Schema and reporting as it goes."""

    def __init__(self, c: Collector, root: str) -> None:
        self.c = c
        self.root = root

    def schema(self, node: Any, path: tuple[str | int, ...], depth: int = 0) -> Any:
        pointer = json_pointer(self.root, *path)
        if depth > MAX_DEPTH:
            self.c.error(pointer, f"schema nested deeper than {MAX_DEPTH} levels")
            return {}
        if isinstance(node, bool):
            return node
        if not isinstance(node, dict):
            self.c.error(pointer, f"a schema must be an object, not {type(node).__name__}")
            return {}
        out: dict[str, Any] = {}
        for key, value in node.items():
            here = json_pointer(self.root, *path, key)
            if key == "$ref" or key in ("$defs", "definitions"):
                self.c.error(here, f"{key!r} is not supported: RunComfy schemas are self-contained")
                continue
            if key not in KNOWN_KEYWORDS:
                self.c.warning(here, f"unknown keyword {key!r} is ignored")
                continue
            if not self._holds_subschemas(key, value) and not finite(value):
                self.c.error(here, "NaN and Infinity are not valid JSON values")
                continue
            out[key] = self._keyword(key, value, path, depth)
        self._null_default(out, path)
        self._check_format(out, path)
        self._check_enum(out, path)
        self._undefined_required(out, path)
        if "validations" in out:
            out["validations"] = self._validations(out["validations"], (*path, "validations"))
        return out

    def _null_default(self, node: dict[str, Any], path: tuple[str | int, ...]) -> None:
        """``default: null`` on a type that has no null (a seed in RunComfy's raw catalog)
        means the model picks the value: read as no default, with a warning."""
        types = node.get("type")
        if "default" not in node or node["default"] is not None or not isinstance(types, str):
            return
        if types != "null" and "enum" not in node and "const" not in node:
            del node["default"]
            self.c.warning(
                json_pointer(self.root, *path, "default"),
                f"default null on type {types!r} is read as no default (RunComfy dialect)",
            )

    def _undefined_required(self, node: dict[str, Any], path: tuple[str | int, ...]) -> None:
        """A required name without a property is, as in JSON Schema, required and of any JSON
        value: it becomes a property ``{}`` (of the top-level schema, or of an object that has
        properties; an object without any stays a free-form mapping, which cannot check it)."""
        required = node.get("required")
        if not isinstance(required, list):
            return
        props = node.get("properties")
        if props is None and not path:
            props = node["properties"] = {}
        for i, name in enumerate(required):
            if not isinstance(name, str) or (isinstance(props, dict) and name in props):
                continue
            here = json_pointer(self.root, *path, "required", i)
            if isinstance(props, dict) and (props or not path):
                self.c.warning(
                    here,
                    f"required property {name!r} is not defined in properties: as in JSON "
                    "Schema, it is required and may hold any JSON value",
                )
                props[name] = {}
            else:
                self.c.warning(
                    here,
                    f"required property {name!r} of an object without properties is not "
                    "checked by the generated model; RunComfy checks it",
                )

    @staticmethod
    def _holds_subschemas(key: str, value: Any) -> bool:
        """Whether ``_keyword`` walks into ``value`` (which then reports NaN where it is)."""
        if key == "properties":
            return isinstance(value, dict)
        if key in ("items", "additionalProperties"):
            return isinstance(value, dict | bool)
        return key in ("anyOf", "oneOf", "allOf") and isinstance(value, list)

    def _keyword(self, key: str, value: Any, path: tuple[str | int, ...], depth: int) -> Any:
        if key == "type":
            return self._type(value, (*path, key))
        if key == "properties" and isinstance(value, dict):
            return {
                name: self.schema(sub, (*path, key, name), depth + 1) for name, sub in value.items()
            }
        if key in ("items", "additionalProperties") and isinstance(value, dict | bool):
            return self.schema(value, (*path, key), depth + 1)
        if key in ("anyOf", "oneOf", "allOf") and isinstance(value, list):
            return [self.schema(sub, (*path, key, i), depth + 1) for i, sub in enumerate(value)]
        return copy.deepcopy(value)

    def _type(self, value: Any, path: tuple[str | int, ...]) -> Any:
        def fix(t: Any) -> Any:
            if t == "float":
                self.c.warning(
                    json_pointer(self.root, *path),
                    "type 'float' is read as 'number' (RunComfy dialect)",
                )
                return "number"
            return t

        if isinstance(value, list):
            return [fix(t) for t in value]
        return fix(value)

    def _check_format(self, node: dict[str, Any], path: tuple[str | int, ...]) -> None:
        fmt = node.get("format")
        if fmt is None:
            return
        here = json_pointer(self.root, *path, "format")
        if not isinstance(fmt, str):
            self.c.error(here, "format must be a string")
            node.pop("format")
            return
        if fmt in MEDIA_FORMATS:
            _, many = MEDIA_FORMATS[fmt]
            expected = "array" if many else "string"
            if node.get("type", expected) != expected:
                self.c.error(here, f"media format {fmt!r} needs type {expected!r}")
        elif fmt not in STANDARD_FORMATS:
            self.c.warning(here, f"unknown format {fmt!r}: the value is passed through as given")

    def _check_enum(self, node: dict[str, Any], path: tuple[str | int, ...]) -> None:
        enum = node.get("enum")
        if enum is None:
            return
        here = json_pointer(self.root, *path, "enum")
        if isinstance(enum, list) and len(enum) > LARGE_ENUM:
            self.c.warning(here, f"enum has {len(enum)} values; type checkers may be slow")
        if isinstance(enum, list):
            seen: set[str] = set()
            for value in enum:
                key = json.dumps(value, sort_keys=True)
                if key in seen:
                    self.c.warning(here, f"duplicate enum value {value!r}")
                seen.add(key)

    def _validations(self, value: Any, path: tuple[str | int, ...]) -> list[dict[str, Any]]:
        here = json_pointer(self.root, *path)
        if not isinstance(value, list):
            self.c.error(here, "validations must be a list")
            return []
        kept: list[dict[str, Any]] = []
        for i, item in enumerate(value):
            item_ptr = json_pointer(self.root, *path, i)
            if not isinstance(item, dict) or not isinstance(item.get("validation_rule"), str):
                self.c.warning(item_ptr, "validation without a string validation_rule is ignored")
                continue
            extra = set(item) - {"validation_rule", "validation_value", "validation_error"}
            for key in sorted(extra):
                self.c.warning(f"{item_ptr}/{key}", f"unknown validation key {key!r} is ignored")
            kept.append({k: item[k] for k in sorted(item) if k not in extra})
        return kept


def _check_json_schema(schema: Any, pointer: str, c: Collector) -> None:
    for path, message in schema_errors(schema):
        parts = [str(p) for p in path]
        c.error(pointer + json_pointer(*parts), f"invalid JSON Schema: {message}")


def _check_object_schema(schema: Mapping[str, Any], pointer: str, c: Collector) -> None:
    if schema.get("type", "object") != "object":
        c.error(pointer + "/type", "the top-level schema must have type 'object'")


def _check_schema(schema: Mapping[str, Any], root: str, c: Collector) -> None:
    pointer = json_pointer(root)
    _check_json_schema(schema, pointer, c)
    _check_object_schema(schema, pointer, c)
    check_semantics(schema, root, c)


def check_entry(raw: RawEntry) -> tuple[CheckedEntry | None, list[Diagnostic]]:
    """Validate one entry; returns ``None`` with the reasons when it cannot be generated.

    Every check that can run does, so one run reports every problem of the file.
    """
    c = Collector(raw.display_path)
    data = raw.data
    if not isinstance(data, dict):
        c.error(
            "", f"the file must hold a JSON object (a catalog entry), not {type(data).__name__}"
        )
        return None, c.items
    for err in sorted(_ENTRY_VALIDATOR.iter_errors(data), key=lambda e: list(e.absolute_path)):
        c.error(json_pointer(*err.absolute_path), err.message)
    catalog = catalog_values(data, c)
    known = {*ENTRY_SCHEMA["properties"], *CATALOG_KEYS}
    for key in sorted(set(data) - known):
        c.info(json_pointer(key), f"entry key {key!r} is not used by the generator")
    model_id = data.get("model_id")
    if isinstance(model_id, str):
        check_model_id(model_id, raw.relative_id, c)

    original_input = data.get("input_schema")
    input_schema: Any = None
    if isinstance(original_input, dict):
        input_schema = _Normaliser(c, "input_schema").schema(original_input, ())
    original_output = data.get("output_schema")
    output_schema: Any = None
    if original_output is None or isinstance(original_output, dict):
        output_source = original_output if original_output is not None else GENERIC_OUTPUT_SCHEMA
        output_schema = _Normaliser(c, "output_schema").schema(output_source, ())
        if isinstance(output_schema, dict):
            output_schema = with_media_outputs(output_schema)
    for root, schema in (("input_schema", input_schema), ("output_schema", output_schema)):
        if isinstance(schema, dict):
            _check_schema(schema, root, c)
    if (
        has_errors(c.items)
        or not isinstance(model_id, str)
        or not isinstance(original_input, dict)
        or not isinstance(input_schema, dict)
        or not isinstance(output_schema, dict)
    ):
        return None, c.items
    source = data.get("source")
    checked = CheckedEntry(
        raw=raw,
        model_id=model_id,
        source=source if isinstance(source, str) else "",
        catalog=catalog,
        input_schema=input_schema,
        output_schema=output_schema,
        original_input_schema=original_input,
        original_output_schema=original_output,
    )
    return checked, c.items
