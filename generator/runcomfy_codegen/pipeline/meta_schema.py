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
