"""Checked entries -> the frozen IR (names, types, media kinds, validations)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any, cast

from runcomfy_codegen.pipeline import naming
from runcomfy_codegen.pipeline.diagnostics import Collector, Diagnostic, json_pointer
from runcomfy_codegen.pipeline.ir import (
    Field,
    FieldType,
    JsonScalar,
    MediaKind,
    ModelSpec,
    TypeKind,
    Validation,
)
from runcomfy_codegen.pipeline.literal_types import name_literal_types
from runcomfy_codegen.pipeline.output_kind import categories_from_id, output_kind
from runcomfy_codegen.pipeline.timing import timing_inputs
from runcomfy_codegen.pipeline.validate import MEDIA_FORMATS, CheckedEntry

_KINDS: frozenset[str] = frozenset(
    {"string", "integer", "number", "boolean", "array", "object", "null"}
)
_FILE_FORMATS = frozenset({"uri", "url", "image_uri", "video_uri", "audio_uri"})
_DOC_ONLY = frozenset({"title", "description", "examples", "$comment", "validations"})


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def json_number(value: Any) -> float | None:
    """A JSON number (never a boolean), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def field_type(schema: Mapping[str, Any]) -> FieldType:
    declared = schema.get("type")
    names = declared if isinstance(declared, list) else [declared] if declared else []
    kinds = tuple(cast(TypeKind, k) for k in names if k in _KINDS) or ("any",)
    if schema.get("nullable") is True and "null" not in kinds and kinds != ("any",):
        kinds = (*kinds, "null")
    enum = schema.get("enum")
    if "const" in schema and enum is None:
        enum = [schema["const"]]
    enum_values: tuple[JsonScalar, ...] | None = None
    if isinstance(enum, list) and all(
        v is None or isinstance(v, str | int | float | bool) for v in enum
    ):
        enum_values = tuple(dict.fromkeys(enum))
    items = schema.get("items")
    props = schema.get("properties")
    return FieldType(
        kinds=kinds,
        enum=enum_values,
        item=field_type(items) if isinstance(items, dict) else None,
        has_properties=isinstance(props, dict) and bool(props),
        minimum=json_number(schema.get("minimum")),
        maximum=json_number(schema.get("maximum")),
        exclusive_minimum=json_number(schema.get("exclusiveMinimum")),
        exclusive_maximum=json_number(schema.get("exclusiveMaximum")),
        min_length=_int(schema.get("minLength")),
        max_length=_int(schema.get("maxLength")),
        pattern=schema.get("pattern") if isinstance(schema.get("pattern"), str) else None,
        min_items=_int(schema.get("minItems")),
        max_items=_int(schema.get("maxItems")),
    )


def accepts_null(schema: Mapping[str, Any]) -> bool:
    """Whether ``null`` may be valid for ``schema``; a schema that does not say counts as yes."""
    t = field_type(schema)
    if "null" in t.kinds or (t.enum is not None and None in t.enum):
        return True
    if t.kinds != ("any",) or t.enum is not None:
        return False
    branches = [
        branch
        for key in ("anyOf", "oneOf")
        if isinstance(schema.get(key), list)
        for branch in schema[key]
        if isinstance(branch, dict)
    ]
    return any(accepts_null(branch) for branch in branches) if branches else True


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


_COMPOSITE = ("anyOf", "oneOf", "allOf")


def _model_schema(schema: Mapping[str, Any], *, in_branch: bool = False) -> dict[str, Any]:
    """Drop documentation and dialect keys: the pydantic model sees only what it validates.

    ``const`` is handed over as the one-value ``enum`` it means. Defaults of composite schemas
    (``anyOf`` and the like, and their branches) are dropped:
    the model generator gives them a type of one branch that the default may not have, which
    ``mypy --strict`` refuses. They only document what RunComfy applies; the docs keep them.
    """
    composite = in_branch or any(key in schema for key in _COMPOSITE)
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _DOC_ONLY or key == "format" or (key == "default" and composite):
            continue
        if key == "const" and "enum" not in schema:
            # The same in JSON Schema; the model generator takes a const for a default too.
            out["enum"] = [value]
            continue
        if key == "const" and value in schema.get("enum", ()):
            continue
        if key == "properties" and isinstance(value, dict):
            out[key] = {k: _model_schema(v) if isinstance(v, dict) else v for k, v in value.items()}
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            out[key] = _model_schema(value)
        elif key in _COMPOSITE and isinstance(value, list):
            out[key] = [
                _model_schema(v, in_branch=True) if isinstance(v, dict) else v for v in value
            ]
        else:
            out[key] = value
    return out


def _nested_objects(schema: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Every object schema with properties below (not including) ``schema``."""
    found: list[Mapping[str, Any]] = []

    def walk(node: Any) -> None:
        if not isinstance(node, dict):
            return
        if isinstance(node.get("properties"), dict) and node.get("properties"):
            found.append(node)
        for key in ("items", "additionalProperties"):
            walk(node.get(key))
        for key in ("anyOf", "oneOf", "allOf"):
            for sub in node.get(key) or []:
                walk(sub)
        for sub in (node.get("properties") or {}).values():
            walk(sub)

    for sub in (schema.get("properties") or {}).values():
        walk(sub)
    return found


def _is_file_output(schema: Mapping[str, Any]) -> tuple[bool, bool]:
    """(is a file, is a list of files) for an output property, decided by the schema alone."""
    fmt = schema.get("format")
    if isinstance(fmt, str) and fmt in MEDIA_FORMATS:
        return True, MEDIA_FORMATS[fmt][1]
    if schema.get("type") == "string" and fmt in _FILE_FORMATS:
        return True, False
    items = schema.get("items")
    if (
        schema.get("type") == "array"
        and isinstance(items, dict)
        and items.get("type") == "string"
        and items.get("format") in _FILE_FORMATS
    ):
        return True, True
    return False, False


def _fields(
    schema: Mapping[str, Any], root: str, c: Collector, *, output: bool
) -> tuple[Field, ...]:
    props: Mapping[str, Any] = schema.get("properties") or {}
    required = {r for r in schema.get("required") or [] if isinstance(r, str)}
    names, renamed = naming.field_names(props, naming.OUTPUT_METHODS if output else frozenset())
    for r in renamed:
        c.warning(
            json_pointer(root, "properties", r.wire_name),
            f"property {r.wire_name!r} is named {r.python_name!r} in Python because its plain "
            f"name collides with {', '.join(repr(o) for o in r.collides_with)}",
        )
    options = naming.cli_options(names)
    fields: list[Field] = []
    for wire in sorted(props):
        prop = props[wire]
        if not isinstance(prop, dict):
            prop = {}
        fmt = prop.get("format")
        media: MediaKind | None = None
        many = False
        is_file = False
        if output:
            is_file, many = _is_file_output(prop)
            if isinstance(fmt, str) and fmt in MEDIA_FORMATS:
                media = MediaKind(MEDIA_FORMATS[fmt][0])
        elif isinstance(fmt, str) and fmt in MEDIA_FORMATS:
            kind, many = MEDIA_FORMATS[fmt]
            media = MediaKind(kind)
        validations = tuple(
            Validation(
                rule=v["validation_rule"],
                value_json=canonical_json(v.get("validation_value")),
                error=_text(v.get("validation_error")),
            )
            for v in prop.get("validations") or []
        )
        fields.append(
            Field(
                wire_name=wire,
                python_name=names[wire],
                cli_option=options[wire],
                pointer=json_pointer(root, "properties", wire),
                required=wire in required,
                type=field_type(prop),
                default_json=canonical_json(prop["default"]) if "default" in prop else None,
                title=_text(prop.get("title")),
                description=_text(prop.get("description")),
                media=media,
                many=many,
                validations=validations,
                schema_json=canonical_json(_model_schema(prop)),
                is_file=is_file,
                accepts_null=accepts_null(prop),
            )
        )
    return tuple(fields)


def _nested_aliases(
    schemas: Sequence[Mapping[str, Any]], c: Collector
) -> tuple[tuple[str, str], ...]:
    aliases: dict[str, str] = {}
    for obj in schemas:
        names, renamed = naming.field_names(obj.get("properties") or {})
        for r in renamed:
            c.warning("", f"nested property {r.wire_name!r} is named {r.python_name!r} in Python")
        for wire, py in names.items():
            if aliases.get(wire, py) != py:
                c.error("", f"nested property {wire!r} would need two different Python names")
            aliases[wire] = py
    return tuple(sorted((w, p) for w, p in aliases.items() if w != p))


def entry_hash(data: Any) -> str:
    return hashlib.sha256(canonical_json(data).encode("utf-8", "surrogatepass")).hexdigest()


def build_spec(entry: CheckedEntry) -> tuple[ModelSpec | None, list[Diagnostic]]:
    c = Collector(entry.raw.display_path)
    try:
        inputs = _fields(entry.input_schema, "input_schema", c, output=False)
        outputs = _fields(entry.output_schema, "output_schema", c, output=True)
        nested = _nested_objects(entry.input_schema) + _nested_objects(entry.output_schema)
        nested_aliases = _nested_aliases(nested, c)
    except naming.NamingError as exc:
        c.error("", str(exc))
        return None, c.items
    extra = {
        k: v
        for k, v in _model_schema(entry.input_schema).items()
        if k not in ("properties", "required", "type")
    }
    catalog = entry.catalog
    kind = output_kind(
        entry.model_id,
        catalog_type=catalog.get("output_type_in_catalog", ""),
        categories=catalog.get("categories", ()),
        input_kinds={f.media.value for f in inputs if f.media is not None},
    )
    spec = ModelSpec(
        model_id=entry.model_id,
        display_name=catalog.get("display_name") or naming.display_name(entry.model_id),
        source=entry.source,
        categories=tuple(catalog.get("categories", ())) or categories_from_id(entry.model_id, kind),
        source_file=f"schemas/{entry.model_id}.json",
        schema_sha256=entry_hash(entry.raw.data),
        module_parts=naming.module_parts(entry.model_id),
        class_prefix=naming.class_prefix(entry.model_id),
        inputs=inputs,
        outputs=outputs,
        input_extra_json=canonical_json(extra),
        nested_aliases=nested_aliases,
        original_input_schema_json=canonical_json(entry.original_input_schema),
        output_schema_json=canonical_json(
            entry.original_output_schema
            if entry.original_output_schema is not None
            else entry.output_schema
        ),
        kind=catalog.get("kind", ""),
        output_kind=kind,
        base_price_usd=catalog.get("base_price_usd"),
        price_unit=catalog.get("price_unit", ""),
        limitations=tuple(catalog.get("limitations", ())),
        omitted_inputs=tuple(catalog.get("omitted_inputs", ())),
        note=catalog.get("note", ""),
        timing_inputs=timing_inputs(inputs),
    )
    spec = dataclasses.replace(spec, literal_types=name_literal_types(spec))
    return (None if c.has_errors else spec), c.items


def assign_modules(specs: Sequence[ModelSpec]) -> tuple[list[ModelSpec], list[Diagnostic]]:
    """Give every model its own module (:func:`naming.module_paths`); a model whose module name
    is not the plain one, because a sibling spelled alike took it, gets an ``info`` line."""
    paths = naming.module_paths(s.model_id for s in specs)
    out: list[ModelSpec] = []
    diagnostics: list[Diagnostic] = []
    for spec in specs:
        parts = paths[spec.model_id]
        if parts != spec.module_parts:
            c = Collector(spec.source_file)
            c.info(
                "/model_id",
                f"module runcomfy_models.{'.'.join(parts)} (the plain name "
                f"runcomfy_models.{'.'.join(spec.module_parts)} belongs to a model id spelled alike)",
            )
            diagnostics.extend(c.items)
            spec = dataclasses.replace(spec, module_parts=parts)
        out.append(spec)
    return out, diagnostics
