"""Plain-text facts about a field, shared by the module, the command and the reference page:
its Python annotation, its range, its details."""

from __future__ import annotations

import json
from collections.abc import Sequence

from runcomfy_codegen.pipeline.escape import py_literal
from runcomfy_codegen.pipeline.ir import Field, FieldType, LiteralType
from runcomfy_codegen.pipeline.literal_types import type_name_of

_SCALARS = {"string": "str", "integer": "int", "number": "float", "boolean": "bool", "null": "None"}


def annotation(t: FieldType, name: str | None = None) -> str:
    """The Python type of a keyword argument (a wider, friendlier twin of the model's type).

    ``name`` is the named ``Literal`` type of the enum (of the items' enum, for a list).
    """
    if t.enum is not None and t.literal_ok:
        values = [v for v in t.enum if v is not None]
        if name is not None and values:
            parts = [name]
        else:
            parts = [f"Literal[{', '.join(py_literal(v) for v in values)}]"] if values else []
        if None in t.enum or "null" in t.kinds:
            parts.append("None")
        return " | ".join(parts) or "None"
    parts = []
    for kind in t.kinds:
        if kind == "any":
            return "Any"
        if kind == "array":
            parts.append(f"Sequence[{annotation(t.item, name) if t.item else 'Any'}]")
        elif kind == "object":
            parts.append("Mapping[str, Any]")
        else:
            parts.append(_SCALARS[kind])
    return " | ".join(dict.fromkeys(parts))


def param_annotation(f: Field, types: Sequence[LiteralType] = ()) -> str:
    if f.media is not None:
        return "Sequence[MediaInput]" if f.many else "MediaInput"
    return annotation(f.type, type_name_of(f, types))


def _range(t: FieldType, name: str) -> list[str]:
    lo = t.minimum if t.minimum is not None else t.exclusive_minimum
    hi = t.maximum if t.maximum is not None else t.exclusive_maximum
    out = []
    if lo is not None or hi is not None:
        left = f"{lo} {'<' if t.exclusive_minimum is not None else '<='} " if lo is not None else ""
        right = (
            f" {'<' if t.exclusive_maximum is not None else '<='} {hi}" if hi is not None else ""
        )
        out.append(f"Range: {left}{name}{right}.")
    if t.min_length is not None or t.max_length is not None:
        out.append(
            f"Length: {t.min_length or 0} to {t.max_length if t.max_length is not None else 'any'}."
        )
    if t.min_items is not None or t.max_items is not None:
        out.append(
            f"Items: {t.min_items or 0} to {t.max_items if t.max_items is not None else 'any'}."
        )
    if t.pattern is not None:
        out.append(f"Pattern: {t.pattern}")
    return out


def field_details(
    f: Field, *, cli: bool = False, values: bool = True, limits: bool = True
) -> list[str]:
    """Plain-text facts about one input field, shared by docstrings, CLI help and docs.

    ``values=False`` leaves out the allowed values, for places that show them once elsewhere
    (a named ``Literal`` type, a ``click.Choice``); ``limits=False`` the range and the default,
    for the docs' table which has columns for them. A required input's schema default is not a
    default (the input is always sent): it is shown as a suggested value.
    """
    lines: list[str] = []
    if f.title and f.title != f.wire_name:
        lines.append(f.title + ".")
    if f.description:
        lines.append(f.description)
    if f.media is not None:
        what = (
            f"{f.media.value} files"
            if f.many
            else f"an {f.media.value}"
            if f.media.value[0] in "aeiou"
            else f"a {f.media.value}"
        )
        forms = (
            "an https URL or a local file path"
            if cli
            else "an https URL, a data: URI, a Path, bytes or a binary file"
        )
        repeat = " (repeat the option for several)" if cli else " (a list)"
        lines.append(f"Media input: {what} as {forms}" + (f"{repeat}." if f.many else "."))
    if f.type.enum is not None and values:
        lines.append(
            "Allowed values: "
            + ", ".join(json.dumps(v, ensure_ascii=False) for v in f.type.enum)
            + "."
        )
    if f.required and f.default_json is not None:
        # A required input is always given: its schema default is only a suggestion.
        lines.append(f"Suggested value (the schema's default; still required): {f.default_json}.")
    if limits:
        lines.extend(_range(f.type, f.wire_name))
        if f.default_json is not None and not f.required:
            lines.append(f"Default (applied by RunComfy when not given): {f.default_json}.")
    for v in f.validations:
        lines.append(
            f"Checked by RunComfy: {v.rule} {v.value_json}"
            + (f" ({v.error})" if v.error else "")
            + "."
        )
    if f.wire_name != f.python_name:
        lines.append(f"Sent as {json.dumps(f.wire_name, ensure_ascii=False)}.")
    return lines


def optional(annotation_text: str) -> str:
    if annotation_text == "Any" or annotation_text.endswith("| None") or annotation_text == "None":
        return annotation_text
    return f"{annotation_text} | None"
