"""The output schema every generated model parses: RunComfy's six media keys, at least."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

MEDIA_OUTPUTS: Mapping[str, Mapping[str, Any]] = {
    "image": {"type": "string", "format": "uri", "description": "Single image URL"},
    "video": {"type": "string", "format": "uri", "description": "Single video URL"},
    "audio": {"type": "string", "format": "uri", "description": "Single audio URL"},
    "images": {
        "type": "array",
        "description": "Image URLs",
        "items": {"type": "string", "format": "uri"},
    },
    "videos": {
        "type": "array",
        "description": "Video URLs",
        "items": {"type": "string", "format": "uri"},
    },
    "audios": {
        "type": "array",
        "description": "Audio URLs",
        "items": {"type": "string", "format": "uri"},
    },
}
"""The six media keys of a RunComfy output (its own clients read every one); every generated
output parses each of them as files, whatever the entry's output schema names."""

GENERIC_OUTPUT_SCHEMA: Mapping[str, Any] = {"type": "object", "properties": MEDIA_OUTPUTS}
"""Used when an entry publishes no output schema (the shape RunComfy documents for all models,
with ``audio`` and ``audios``, which RunComfy's own clients read too)."""


def with_media_outputs(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with every media key it lacks added (unless it forbids other keys)."""
    props = schema.get("properties")
    if schema.get("additionalProperties") is False or not isinstance(props, dict):
        return schema
    missing = {k: copy.deepcopy(dict(v)) for k, v in MEDIA_OUTPUTS.items() if k not in props}
    return {**schema, "properties": {**props, **missing}} if missing else schema
