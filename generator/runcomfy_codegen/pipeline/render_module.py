"""A model's public module (named types, ``Params``, ``run``/``submit``) and its pydantic
classes under ``_types``."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from runcomfy_codegen.pipeline.escape import (
    Source,
    docstring,
    docstring_text,
    identifier,
    py_literal,
    py_tuple,
)
from runcomfy_codegen.pipeline.field_text import (
    field_details,
    optional,
    param_annotation,
)
from runcomfy_codegen.pipeline.ir import LiteralType, ModelSpec
from runcomfy_codegen.pipeline.literal_types import assignment, type_name_of, use_names
from runcomfy_codegen.pipeline.price import price_source, price_text
from runcomfy_codegen.pipeline.pydantic_source import ModelSource
from runcomfy_codegen.pipeline.render import PACKAGE, Layout, Templates, header, render_template


def _input_doc_lines(spec: ModelSpec, types: Sequence[LiteralType]) -> list[str]:
    """The inputs, described once in the docstring of ``Params`` (every function takes them)."""
    lines: list[str] = []
    for f in sorted(spec.inputs, key=lambda f: (not f.required, f.python_name)):
        need = "required" if f.required else "optional"
        named = type_name_of(f, types) is not None
        text = " ".join(field_details(f, values=not named))
        head = f"{f.python_name} ({param_annotation(f, types)}, {need}): "
        lines.extend(
            textwrap.wrap(head + text, width=88, initial_indent="", subsequent_indent="    ")
            or [head.rstrip()]
        )
    return lines


def render_model_module(t: Templates, spec: ModelSpec, layout: Layout) -> bytes:
    """The model's public module: named types, ``Params`` and ``run``/``submit``; its classes
    load lazily."""
    types = spec.literal_types
    params = [
        Source(
            f"{f.python_name}: Required[{param_annotation(f, types)}]"
            if f.required
            else f"{f.python_name}: {optional(param_annotation(f, types))}"
        )
        for f in sorted(spec.inputs, key=lambda f: (not f.required, f.python_name))
    ]
    media = ", ".join(
        f"{py_literal(f.python_name)}: "
        f"MediaField(kind={py_literal(f.media.value)}, many={py_literal(f.many)})"
        for f in spec.inputs
        if f.media is not None
    )
    nullable = [f.python_name for f in spec.inputs if f.accepts_null]
    mid = spec.model_id
    module_doc = docstring(
        "\n".join(
            [
                f"{spec.display_name} ({mid}).",
                "",
                "Call :func:`run` (or :func:`run_async`) to run the model and wait for its output,",
                "or :func:`submit` for a job handle; the inputs are keyword arguments (:class:`Params`).",
            ]
        )
    )
    params_doc = docstring(
        "\n".join(
            [
                "The model's inputs: the keyword arguments of :func:`run` and :func:`submit`.",
                "",
                *_input_doc_lines(spec, types),
            ]
        ),
        indent="    ",
    )
    return render_template(
        t.python,
        "model.py.jinja",
        header=header(spec, spec.schema_sha256),
        module_doc=module_doc,
        params_doc=params_doc,
        model_id=py_literal(mid),
        model_id_text=docstring_text(mid),
        output_kind=py_literal(spec.output_kind),
        output_kind_doc=docstring(output_kind_text(spec)),
        price=price_source(spec, lead=len("PRICE: Final = ")),
        price_doc=docstring(
            f"The price in RunComfy's catalog: {price_text(spec)}. "
            "``PRICE.estimate(inputs)``: one job's cost in USD (None if unknown)."
        ),
        types_module=Source(layout.types_module(spec)),
        types_module_literal=py_literal(layout.types_module(spec)),
        literal_types=[Source(assignment(lt)) for lt in types],
        type_names=[py_literal(lt.name) for lt in types],
        media=Source("{" + media + "}"),
        nullable=py_literal(nullable) if nullable else None,
        timing_inputs=py_tuple(spec.timing_inputs),
        params=params,
    )


def output_kind_text(spec: ModelSpec) -> str:
    """What the model makes, in a sentence (the module's ``OUTPUT_KIND`` and its page)."""
    kind = spec.output_kind
    if not kind:
        return (
            "What the model makes: unknown (its catalog entry and its id do not say); "
            "``out.files()`` lists every file it returns."
        )
    return (
        f"What the model makes: {kind}. ``out.file()`` is its {kind} file "
        f"(``{kind}`` or ``{kind}s``); ``out.files()`` lists every file it returns."
    )


def render_types_module(t: Templates, spec: ModelSpec, models: ModelSource) -> bytes:
    """The model's pydantic classes, in a module of their own under ``_types``."""
    module = f"{PACKAGE}.{spec.module_name}"
    models = use_names(models, spec.literal_types, module)
    return render_template(
        t.python,
        "types.py.jinja",
        header=header(spec, spec.schema_sha256),
        model_id_text=docstring_text(spec.model_id),
        module_text=Source(f"{PACKAGE}.{spec.module_name}"),
        model_imports=[Source(line) for line in models.imports],
        models_body=Source(models.body.rstrip("\n")),
        input_class=identifier(spec.input_class),
        output_class=identifier(spec.output_class),
        class_literals=[py_literal(name) for name in models.classes],
    )
