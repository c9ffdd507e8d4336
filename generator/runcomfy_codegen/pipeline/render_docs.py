"""The reference pages: one per model, and the index of them all."""

from __future__ import annotations

import hashlib
import json
import shlex
from collections.abc import Sequence
from typing import Any, Final
from urllib.parse import quote

from runcomfy_codegen.pipeline.escape import (
    Markdown,
    md_code,
    md_text,
)
from runcomfy_codegen.pipeline.field_text import (
    annotation,
    field_details,
    param_annotation,
)
from runcomfy_codegen.pipeline.ir import Field, FieldType, ModelSpec
from runcomfy_codegen.pipeline.literal_types import quoted, type_name_of
from runcomfy_codegen.pipeline.output_schema import GENERIC_OUTPUT_SCHEMA
from runcomfy_codegen.pipeline.price import price_line
from runcomfy_codegen.pipeline.render import PACKAGE, Templates, header, render_template


def _example_value(f: Field) -> Any:
    if f.media is not None:
        url = f"https://example.com/input.{ {'image': 'png', 'video': 'mp4', 'audio': 'mp3'}[f.media.value] }"
        return [url] if f.many else url
    if f.default_json is not None and json.loads(f.default_json) not in ("", None):
        return json.loads(f.default_json)
    if f.type.enum:
        return f.type.enum[0]
    kind = f.type.kinds[0]
    return {
        "string": "a cat on a sofa",
        "integer": 1,
        "number": 1.0,
        "boolean": True,
        "array": [],
        "object": {},
    }.get(kind)


def _range_text(t: FieldType) -> str:
    """The bounds of a value, list or text, briefly (``0 to 2147483647``, ``at most 16 items``)."""

    def span(lo: object, hi: object, unit: str = "") -> str:
        if lo is not None and hi is not None:
            return f"{lo} to {hi}{unit}"
        return f"at least {lo}{unit}" if lo is not None else f"at most {hi}{unit}"

    parts = []
    if t.exclusive_minimum is not None or t.exclusive_maximum is not None:
        low = f"> {t.exclusive_minimum}" if t.exclusive_minimum is not None else None
        high = f"< {t.exclusive_maximum}" if t.exclusive_maximum is not None else None
        low = low or (f">= {t.minimum}" if t.minimum is not None else None)
        high = high or (f"<= {t.maximum}" if t.maximum is not None else None)
        parts.append(", ".join(p for p in (low, high) if p))
    elif t.minimum is not None or t.maximum is not None:
        parts.append(span(t.minimum, t.maximum))
    if t.min_length is not None or t.max_length is not None:
        parts.append(span(t.min_length, t.max_length, " characters"))
    if t.min_items is not None or t.max_items is not None:
        parts.append(span(t.min_items, t.max_items, " items"))
    return "; ".join(parts)


_GENERIC_OUTPUT_TEXT: Final = {
    name: str(prop.get("description", ""))
    for name, prop in GENERIC_OUTPUT_SCHEMA["properties"].items()
}
"""Our English descriptions of the generic outputs (``image``, ``images``, ...)."""


def _output_description(f: Field) -> str:
    """The schema's text; where a generic output is described in another language (the seed
    page's outputs are in Japanese), our English first, with the original beside it."""
    english = _GENERIC_OUTPUT_TEXT.get(f.wire_name)
    if english and f.description and f.description != english and not f.description.isascii():
        return f"{english} (original: {f.description})"
    return f.description


def _output_rank(spec: ModelSpec, f: Field) -> tuple[int, str]:
    """The model's own kind first (``audio``, ``audios`` for an audio model), then by name."""
    kind = spec.output_kind
    return (0 if kind and f.wire_name in (kind, kind + "s") else 1, f.wire_name)


def render_doc_page(t: Templates, spec: ModelSpec) -> bytes:
    types = spec.literal_types
    example_args = ", ".join(
        f"{f.python_name}={quoted(_example_value(f))}" for f in spec.inputs if f.required
    )
    inputs = []
    for f in sorted(spec.inputs, key=lambda f: (not f.required, f.python_name)):
        named = type_name_of(f, types)
        details = field_details(f, values=named is None, limits=False)
        if f.type.pattern is not None:
            details.append(f"Pattern: {f.type.pattern}")
        inputs.append(
            {
                "name": md_code(f.python_name, table=True),
                "option": md_code(f"--{f.cli_option}", table=True),
                "type": md_code(param_annotation(f, types), table=True),
                "requirement": Markdown("yes" if f.required else "no"),
                "default": md_code(f.default_json, table=True)
                if f.default_json is not None and not f.required
                else Markdown(""),
                "range": md_text(_range_text(f.type)),
                "details": md_text(" ".join(details)),
            }
        )
    enums = [
        {
            "name": md_code(lt.name),
            "field": md_code(lt.field),
            "allowed": Markdown(
                f"the same values as {md_code(lt.same_as)}"
                if lt.same_as is not None
                else ", ".join(md_code(json.dumps(v, ensure_ascii=False)) for v in lt.values)
            ),
        }
        for lt in types
    ]
    outputs = [
        {
            "name": md_code(f.python_name, table=True),
            "type": md_code(
                ("list[RemoteFile]" if f.many else "RemoteFile")
                if f.is_file
                else annotation(f.type),
                table=True,
            ),
            "details": md_text(_output_description(f)),
        }
        for f in sorted(spec.outputs, key=lambda f: _output_rank(spec, f))
    ]
    depth = spec.model_id.count("/")
    return render_template(
        t.markdown,
        "model.md.jinja",
        header=Markdown(str(header(spec, spec.schema_sha256))[2:].replace("--", "- -")),
        display_name=md_text(spec.display_name),
        model_id=md_code(spec.model_id),
        cli_help=md_code(f"runcomfy-models run {shlex.quote(spec.model_id)} --help"),
        index=Markdown("../" * depth + "README.md"),
        package=Markdown(".".join((PACKAGE, *spec.module_parts[:-1]))),
        module_leaf=Markdown(spec.module_parts[-1]),
        example_args=Markdown(example_args),
        saves_file=any(f.is_file for f in spec.outputs),
        source=md_text(spec.source),
        categories=md_text(", ".join(spec.categories)),
        output_kind=md_text(spec.output_kind or "unknown"),
        output_kind_known=bool(spec.output_kind),
        price=md_text(price_line(spec)),
        limitations=[md_text(line) for line in spec.limitations],
        omitted_inputs=Markdown(", ".join(str(md_code(name)) for name in spec.omitted_inputs)),
        inputs=inputs,
        enums=enums,
        outputs=outputs,
    )


_KIND_TITLES: Final = (("image", "Image"), ("video", "Video"), ("audio", "Audio"), ("", "Other"))
"""The index's sections, by output kind (``""``: a model whose kind is unknown)."""


def render_doc_index(t: Templates, specs: Sequence[ModelSpec]) -> bytes:
    """``docs/README.md``: every model, with a link to its page, grouped by what it makes
    (its output kind), then by category (a model is listed under each of its categories).

    Its header's digest covers what it shows, so a change inside one schema leaves it as it is.
    """
    shown = [(s.model_id, s.display_name, s.categories, s.output_kind) for s in specs]
    digest = hashlib.sha256(json.dumps(sorted(shown)).encode("utf-8", "surrogatepass")).hexdigest()
    sections = []
    for kind, title in _KIND_TITLES:
        members = [s for s in specs if s.output_kind == kind]
        groups: dict[str, list[ModelSpec]] = {}
        for s in members:
            for category in s.categories or ("",):
                groups.setdefault(category, []).append(s)
        if groups:
            sections.append(
                {
                    "title": Markdown(f"{title} ({len(members)})"),
                    "groups": [
                        {
                            "category": Markdown(md_text(category).strip() or "no category"),
                            "models": [_index_row(s) for s in sorted(group, key=_by_id)],
                        }
                        for category, group in sorted(groups.items(), key=_categories_last)
                    ],
                }
            )
    return render_template(
        t.markdown,
        "index.md.jinja",
        header=Markdown(str(header(None, digest))[2:].replace("--", "- -")),
        sections=sections,
    )


def _by_id(spec: ModelSpec) -> str:
    return spec.model_id


def _categories_last(item: tuple[str, list[ModelSpec]]) -> tuple[bool, str]:
    return (not item[0], item[0])


def _index_row(s: ModelSpec) -> dict[str, Markdown]:
    return {
        "display_name": md_text(s.display_name),
        "page": Markdown(quote(f"{s.model_id}.md", safe="/")),
        "model_id": md_code(s.model_id, table=True),
        "module": md_code(f"{PACKAGE}.{s.module_name}", table=True),
    }
