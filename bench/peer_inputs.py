"""The corpus as the peer generators take it: one OpenAPI 3.1 document, or one file per model.

Our schemas use RunComfy's dialect, which the peers refuse in places. :func:`normalise` changes
only what they need to generate every model, and nothing else:

- ``title`` keywords are dropped (openapi-python-client turns them into class names, and equal
  titles of different models collide);
- Python-ish type words (``float``, ``int``, ``str``, ...) become their JSON Schema names;
- an array without ``items`` gets ``items: {}`` (any item).

A property *named* ``title`` is a property like any other and is kept.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

TYPE_WORDS = {
    "float": "number",
    "double": "number",
    "int": "integer",
    "str": "string",
    "bool": "boolean",
    "dict": "object",
    "list": "array",
    "none": "null",
}
"""Type words of the catalog that JSON Schema spells otherwise."""

_SUBSCHEMA_KEYS = ("items", "additionalProperties", "not", "contains", "propertyNames")
_SUBSCHEMA_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")
_SUBSCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions")
ANY_OUTPUT: dict[str, Any] = {"type": "object"}
"""The response schema of a model without an output schema."""


def _type_word(value: Any) -> Any:
    if isinstance(value, str):
        return TYPE_WORDS.get(value, value)
    if isinstance(value, list):
        return [TYPE_WORDS.get(v, v) if isinstance(v, str) else v for v in value]
    return value


def normalise(schema: Any) -> Any:
    """A copy of ``schema`` the peers accept (see the module's docstring)."""
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "title":
            continue
        if key == "type":
            out[key] = _type_word(value)
        elif key in _SUBSCHEMA_KEYS:
            out[key] = normalise(value)
        elif key in _SUBSCHEMA_LISTS and isinstance(value, list):
            out[key] = [normalise(v) for v in value]
        elif key in _SUBSCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: normalise(sub) for name, sub in value.items()}
        else:
            out[key] = value
    kind = out.get("type")
    is_array = kind == "array" or (isinstance(kind, list) and "array" in kind)
    if is_array and "items" not in out and "prefixItems" not in out:
        out["items"] = {}
    return out


def entries(corpus: Path) -> Iterator[dict[str, Any]]:
    """The catalog entries of a corpus folder, in model id order."""
    found = [json.loads(p.read_text(encoding="utf-8")) for p in corpus.rglob("*.json")]
    yield from sorted(found, key=lambda e: str(e["model_id"]))


def _unique(name: str, taken: set[str]) -> str:
    candidate, i = name, 2
    while candidate in taken:
        candidate, i = f"{name}{i}", i + 1
    taken.add(candidate)
    return candidate


def class_name(model_id: str) -> str:
    """``owner/some-model/v2`` -> ``OwnerSomeModelV2``: a component name made of the id."""
    words = re.split(r"[^0-9A-Za-z]+", model_id)
    name = "".join(w[:1].upper() + w[1:] for w in words if w)
    return name if name[:1].isalpha() else f"M{name}"


def snake_name(model_id: str) -> str:
    """``owner/some-model/v2`` -> ``owner__some_model__v2``: a module or operation name."""
    name = "__".join(re.sub(r"[^0-9A-Za-z]+", "_", part).lower() for part in model_id.split("/"))
    return name if name[:1].isalpha() else f"m_{name}"


def openapi_document(corpus: Path) -> dict[str, Any]:
    """One OpenAPI 3.1 document: a ``POST /v1/models/<model_id>`` per model, its input schema
    the request body and its output schema (or any object) the 200 response, as components."""
    paths: dict[str, Any] = {}
    components: dict[str, Any] = {}
    names: set[str] = set()
    operations: set[str] = set()
    for entry in entries(corpus):
        model_id = entry["model_id"]
        base = _unique(class_name(model_id), names)
        components[f"{base}Input"] = normalise(entry["input_schema"])
        components[f"{base}Output"] = normalise(entry.get("output_schema") or ANY_OUTPUT)

        def body(name: str) -> dict[str, Any]:
            return {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}

        paths[f"/v1/models/{model_id}"] = {
            "post": {
                "operationId": _unique(snake_name(model_id), operations),
                "requestBody": {"required": True, "content": body(f"{base}Input")},
                "responses": {
                    "200": {"description": "The result.", "content": body(f"{base}Output")}
                },
            }
        }
    return {
        "openapi": "3.1.0",
        "info": {"title": "RunComfy models", "version": "1.0.0"},
        "paths": paths,
        "components": {"schemas": components},
    }


def write_openapi(corpus: Path, path: Path) -> int:
    """Write :func:`openapi_document` of ``corpus`` to ``path``; returns the number of paths."""
    document = openapi_document(corpus)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return len(document["paths"])


def write_input_folder(corpus: Path, folder: Path) -> int:
    """Each model's (normalised) input schema as ``folder/<snake name>.json``, for a directory
    mode generation; returns the number of files."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.json"):
        old.unlink()
    taken: set[str] = set()
    for entry in entries(corpus):
        name = _unique(snake_name(entry["model_id"]), taken)
        text = json.dumps(normalise(entry["input_schema"]), ensure_ascii=False)
        (folder / f"{name}.json").write_text(text, encoding="utf-8")
    return len(taken)


def count_modules(folder: Path, pattern: str) -> int:
    """Python modules matching ``pattern`` under ``folder``, package ``__init__.py`` files left
    out (``api/default/*.py``: the endpoints openapi-python-client generated)."""
    return sum(1 for p in folder.glob(pattern) if p.name != "__init__.py")
