"""Meta-schema errors of an input or output schema, checked property by property and remembered.

The same property schemas (a prompt, a seed, an aspect ratio) recur all over a catalog, so each
is checked once per process; so is the rest of a schema (its properties left out), and a
default's check of its property asks the same memo.
"""

from __future__ import annotations

import json
from typing import Any

from jsonschema import Draft202012Validator

_META_VALIDATOR = Draft202012Validator(Draft202012Validator.META_SCHEMA)

MetaErrors = tuple[tuple[tuple[str | int, ...], str], ...]
"""(path in the schema, message) of each meta-schema error, in the validator's order."""

_META_MEMO: dict[str, MetaErrors] = {}
_META_MEMO_LIMIT = 20_000


def _meta_errors(schema: Any) -> MetaErrors:
    return tuple(
        (tuple(err.absolute_path), err.message) for err in _META_VALIDATOR.iter_errors(schema)
    )


_ANNOTATIONS = frozenset({"title", "description"})
"""Keywords the meta-schema asks only to be strings: a schema differing from a valid one only in
their strings is valid too (the same prompt property, described in other words)."""


def _remembered_meta_errors(schema: Any) -> MetaErrors:
    """The meta-schema errors of a schema, remembered: the same property schemas (a prompt, a
    seed, an aspect ratio) recur all over a catalog, and so do the schemas around them."""
    if plainly_valid(schema):
        return ()
    if isinstance(schema, dict) and any(
        k in _ANNOTATIONS and isinstance(v, str) and v for k, v in schema.items()
    ):
        plain = {
            k: "" if k in _ANNOTATIONS and isinstance(v, str) else v for k, v in schema.items()
        }
        if not _remembered(plain):
            return ()
    return _remembered(schema)


def _remembered(schema: Any) -> MetaErrors:
    key = json.dumps(schema)
    found = _META_MEMO.get(key)
    if found is None:
        if len(_META_MEMO) >= _META_MEMO_LIMIT:
            _META_MEMO.clear()
        found = _META_MEMO[key] = _meta_errors(schema)
    return found


_SIMPLE_TYPES = frozenset({"array", "boolean", "integer", "null", "number", "object", "string"})
_STRINGS = frozenset(
    {"title", "description", "format", "pattern", "$comment", "$ref", "contentEncoding"}
)
_ANY = frozenset({"default", "const"})
_NUMBERS = frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"})
_COUNTS = frozenset(
    {"minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties"}
)
_FLAGS = frozenset({"uniqueItems", "deprecated", "readOnly", "writeOnly"})
_SUBSCHEMA_LISTS = frozenset({"anyOf", "oneOf", "allOf"})
_OTHER_KEYWORDS = frozenset(
    {
        *("$id", "$schema", "$anchor", "$dynamicRef", "$dynamicAnchor", "$vocabulary", "$defs"),
        *("definitions", "dependencies", "$recursiveAnchor", "$recursiveRef", "not", "if"),
        *("then", "else", "dependentSchemas", "prefixItems", "contains", "patternProperties"),
        *("propertyNames", "unevaluatedItems", "unevaluatedProperties", "multipleOf"),
        *("maxContains", "minContains", "dependentRequired", "contentMediaType"),
        *("contentSchema",),
    }
)
"""The meta-schema's other keywords: a schema using one goes to the full check."""


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _plain_keyword(key: str, value: Any) -> bool:
    if key in _ANY:
        return True
    if key in _STRINGS:
        return isinstance(value, str)
    if key in _NUMBERS:
        return _is_number(value)
    if key in _COUNTS:
        return _is_count(value)
    if key in _FLAGS:
        return isinstance(value, bool)
    if key == "type":
        if isinstance(value, str):
            return value in _SIMPLE_TYPES
        return (
            isinstance(value, list)
            and bool(value)
            and all(isinstance(t, str) and t in _SIMPLE_TYPES for t in value)
            and len(set(value)) == len(value)
        )
    if key in ("enum", "examples"):
        return isinstance(value, list)
    if key == "required":
        return (
            isinstance(value, list)
            and all(isinstance(v, str) for v in value)
            and len(set(value)) == len(value)
        )
    if key in ("items", "additionalProperties"):
        return plainly_valid(value)
    if key == "properties":
        return isinstance(value, dict) and all(plainly_valid(v) for v in value.values())
    if key in _SUBSCHEMA_LISTS:
        return isinstance(value, list) and bool(value) and all(plainly_valid(v) for v in value)
    return key not in _OTHER_KEYWORDS  # a keyword the meta-schema does not know: allowed


def plainly_valid(schema: Any) -> bool:
    """Whether ``schema`` is certainly valid by the meta-schema, seen from its keywords alone.

    Most property schemas of a catalog use a few keywords (type, enum, bounds, a default,
    their documentation), whose rules are simple: those are settled here, without a validator.
    False means only "not settled here": the validator decides (and words the errors).
    """
    if isinstance(schema, bool):
        return True
    return isinstance(schema, dict) and all(_plain_keyword(k, v) for k, v in schema.items())


def is_valid_schema(schema: Any) -> bool:
    """Whether ``schema`` passes the meta-schema, from the same memo as the property checks
    (a default is checked against a property's schema, which has usually been seen)."""
    return not _remembered_meta_errors(schema)


def schema_errors(schema: Any) -> list[tuple[tuple[str | int, ...], str]]:
    """Every meta-schema error of ``schema``, sorted by path (ties in the validator's order).

    The meta-schema asks of ``properties`` only that it is an object whose values are schemas,
    which it checks by applying itself to each of them; so checking each property's schema on
    its own (and the rest with no properties) finds exactly the errors of checking the whole,
    with the same messages at the same paths.
    """
    props = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(props, dict) or not props:
        errors = list(_meta_errors(schema))
    else:
        # (the rest recurs too: output schemas are often alike, and so are inputs' headers)
        errors = list(_remembered_meta_errors({**schema, "properties": {}}))
        for name, sub in props.items():
            errors.extend(
                (("properties", name, *path), message)
                for path, message in _remembered_meta_errors(sub)
            )
    errors.sort(key=lambda e: list(e[0]))
    return errors
