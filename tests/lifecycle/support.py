"""Catalog entries and helpers shared by the lifecycle tests."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result
from runcomfy_codegen.cli import cli

TOKEN = "tok-lifecycle-5f2c9a"

ALPHA = "acme/alpha/text-to-image"
BETA = "acme/beta/image-to-image"
GAMMA = "acme/gamma/image-to-video"
DELTA = "other/delta/upscale"
EPSILON = "other/epsilon/text-to-video"


def model(
    model_id: str,
    *,
    categories: Sequence[str] = ("text-to-image",),
    properties: Mapping[str, Any] | None = None,
    required: Sequence[str] = ("prompt",),
    output: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    props = (
        dict(properties)
        if properties is not None
        else {
            "prompt": {"type": "string", "default": ""},
            "size": {"type": "string", "enum": ["1K", "2K"], "default": "1K"},
            "seed": {"type": "integer", "minimum": 0},
        }
    )
    entry: dict[str, Any] = {
        "model_id": model_id,
        "display_name": model_id.split("/")[1].title(),
        "categories": list(categories),
        "input_schema": {"type": "object", "required": list(required), "properties": props},
    }
    if output is not None:
        entry["output_schema"] = dict(output)
    return entry


IMAGE_OUTPUT = {
    "type": "object",
    "properties": {"images": {"type": "array", "items": {"type": "string", "format": "uri"}}},
}


def catalog() -> list[dict[str, Any]]:
    """Five valid models in two categories."""
    return [
        model(ALPHA, output=IMAGE_OUTPUT),
        model(
            BETA,
            categories=("image-to-image",),
            properties={
                "prompt": {"type": "string"},
                "image": {"type": "string"},
                "strength": {"type": "number", "minimum": 0, "maximum": 1},
            },
            required=("image",),
        ),
        model(GAMMA, categories=("image-to-video",)),
        model(DELTA, categories=("image-to-image",)),
        model(EPSILON, categories=("text-to-video",)),
    ]


def changed(entries: list[dict[str, Any]], model_id: str) -> dict[str, Any]:
    """The entry for ``model_id`` in ``entries`` (to modify in place)."""
    return next(e for e in entries if e["model_id"] == model_id)


def clone(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return copy.deepcopy(entries)


def env(**overrides: str | None) -> dict[str, str | None]:
    """A clean environment for the CLI: the test token, no other RunComfy settings."""
    base: dict[str, str | None] = {
        "RUNCOMFY_API_TOKEN": TOKEN,
        "RUNCOMFY_TOKEN": None,
        "RUNCOMFY_BASE_URL": None,
        "RUNCOMFY_MODEL_API_BASE": None,
    }
    base.update(overrides)
    return base


def invoke(args: Sequence[str], environ: Mapping[str, str | None] | None = None) -> Result:
    runner = CliRunner()
    return runner.invoke(cli, list(args), env=dict(environ if environ is not None else env()))


def read(schemas: Path, model_id: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((schemas / f"{model_id}.json").read_text(encoding="utf-8"))
    return data


def files(schemas: Path) -> list[str]:
    if not schemas.exists():
        return []
    return sorted(p.relative_to(schemas).as_posix() for p in schemas.rglob("*") if p.is_file())
