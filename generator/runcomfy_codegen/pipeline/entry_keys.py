"""The top-level keys of a catalog entry: its shape, the model id and the catalog keys.

A catalog key of the wrong shape, or a price that is not a finite number, is a warning and is
left out: one odd value in RunComfy's catalog never stops a whole generation.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from typing import Any

from jsonschema import Draft202012Validator

from runcomfy_codegen.pipeline.diagnostics import Collector, json_pointer
from runcomfy_codegen.pipeline.naming import model_id_problem
from runcomfy_codegen.pipeline.price import PRICE_UNITS

ENTRY_SCHEMA: Mapping[str, Any] = {
    "type": "object",
    "required": ["model_id", "input_schema"],
    "properties": {
        "model_id": {"type": "string"},
        "source": {"type": "string"},
        "input_schema": {"type": "object"},
        "output_schema": {"type": ["object", "null"]},
        "local_edits": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["pointer", "value", "reason"],
                "properties": {"pointer": {"type": "string"}, "reason": {"type": "string"}},
            },
        },
    },
}
"""The meta-schema of a file under ``schemas/``: one RunComfy catalog entry, as
``GET /v1/models/{model_id}`` returns it (``source`` and ``local_edits`` are ours)."""

STRINGS: Mapping[str, Any] = {"type": "array", "items": {"type": "string"}}

CATALOG_KEYS: Mapping[str, Mapping[str, Any]] = {
    "display_name": {"type": "string"},
    "categories": STRINGS,
    "kind": {"type": "string"},
    "base_price_usd": {"type": "number", "minimum": 0},
    "price_unit": {"type": "string"},
    "limitations": STRINGS,
    "omitted_inputs": STRINGS,
    "note": {"type": "string"},
    "complete": {"type": "boolean"},
    "output_type_in_catalog": {"type": "string"},
}
"""Catalog keys kept for the docs and the package catalog; a value of the wrong shape is a
warning and is left out, never a reason to generate nothing. ``complete`` (false when the
schema lacks inputs the live model has) and ``output_type_in_catalog`` (``IMAGE``, ``VIDEO`` or
``AUDIO``: what the model makes) come from RunComfy's partner-nodes catalog."""

_VALIDATORS = {key: Draft202012Validator(schema) for key, schema in CATALOG_KEYS.items()}


def finite(value: Any) -> bool:
    """Whether ``value`` holds no NaN or infinity, which strict JSON cannot carry."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(finite(v) for v in value)
    if isinstance(value, dict):
        return all(finite(v) for v in value.values())
    return True


def catalog_values(data: Mapping[str, Any], c: Collector) -> dict[str, Any]:
    """The entry's catalog keys with values of the right shape; the others are warned about."""
    kept: dict[str, Any] = {}
    for key, validator in _VALIDATORS.items():
        if data.get(key) is None:
            continue  # absent, or null: the catalog does not say
        if not finite(data[key]):
            c.warning(json_pointer(key), f"catalog key {key!r} is left out: not a finite number")
            continue
        problems = list(validator.iter_errors(data[key]))
        if problems:
            c.warning(
                json_pointer(key, *problems[0].absolute_path),
                f"catalog key {key!r} is left out: {problems[0].message[:160]}",
            )
        else:
            kept[key] = copy.deepcopy(data[key])
    unit = kept.get("price_unit")
    if unit is not None and unit not in PRICE_UNITS:
        c.warning(
            "/price_unit",
            f"unknown price_unit {unit[:40]!r} (known: {', '.join(PRICE_UNITS)}); "
            "the price is shown as unknown",
        )
    return kept


def check_model_id(model_id: str, expected: str, c: Collector) -> None:
    """An id the runtime refuses, or one that is not the file's place, is an error."""
    shown = model_id if len(model_id) <= 80 else model_id[:80] + "..."
    problem = model_id_problem(model_id)
    if problem:
        c.error("/model_id", f"model_id {shown!r} {problem}")
    elif expected and model_id != expected:
        c.error(
            "/model_id", f"model_id {shown!r} does not match the file's place ({expected}.json)"
        )
