"""A model's command-line options: one click option per input."""

from __future__ import annotations

from runcomfy_codegen.pipeline.escape import (
    Source,
    docstring,
    py_literal,
)
from runcomfy_codegen.pipeline.field_text import (
    field_details,
)
from runcomfy_codegen.pipeline.ir import Field, ModelSpec
from runcomfy_codegen.pipeline.literal_types import type_name_of
from runcomfy_codegen.pipeline.render import PACKAGE, Layout, Templates, header, render_template


def _is_choice(f: Field) -> bool:
    """Whether the option is a ``Choice`` (which shows its values in ``--help`` itself)."""
    return (_click_type(f) or "").startswith("Choice(")


def _click_type(f: Field, type_name: str | None = None) -> str | None:
    """The option's click type; ``type_name`` is the field's named ``Literal`` type, whose values
    the command module reads from the model module rather than writing them again."""
    t = f.type
    if f.media is not None:
        return "MEDIA"
    if t.enum is not None and t.kinds == ("string",) and all(isinstance(v, str) for v in t.enum):
        if type_name is not None:
            return f"Choice(get_args(model.{type_name}))"
        return f"Choice({py_literal(list(t.enum))})"
    if (
        t.enum is not None
        and t.kinds == ("integer",)
        and all(type(v) is int for v in t.enum)
        and len({str(v) for v in t.enum}) == len(t.enum)
    ):
        if type_name is not None:
            return f"IntChoice(get_args(model.{type_name}))"
        return f"IntChoice({py_literal(list(t.enum))})"
    if t.kinds in (("integer",), ("number",)):
        cls = "click.IntRange" if t.kinds == ("integer",) else "click.FloatRange"
        lo = t.minimum if t.minimum is not None else t.exclusive_minimum
        hi = t.maximum if t.maximum is not None else t.exclusive_maximum
        if lo is None and hi is None:
            return "click.INT" if t.kinds == ("integer",) else "click.FLOAT"
        args = [f"min={py_literal(lo)}", f"max={py_literal(hi)}"]
        if t.exclusive_minimum is not None and t.minimum is None:
            args.append("min_open=True")
        if t.exclusive_maximum is not None and t.maximum is None:
            args.append("max_open=True")
        return f"{cls}({', '.join(args)})"
    if t.kinds == ("boolean",):
        return None
    if t.kinds == ("string",):
        return "click.STRING"
    if t.kinds == ("array",):
        item = t.item
        if item is None:
            return "JSON_VALUE"
        item_field = Field(**{**f.__dict__, "type": item, "many": False})
        return _click_type(item_field, type_name) or "click.BOOL"
    return "JSON_VALUE"


def render_command_module(t: Templates, spec: ModelSpec, layout: Layout) -> bytes:
    types = spec.literal_types
    options = []
    for f in spec.inputs:
        is_flag = f.type.kinds == ("boolean",) and f.media is None
        decls = (
            [f"--{f.cli_option}/--no-{f.cli_option}", f.python_name]
            if is_flag
            else [f"--{f.cli_option}", f.python_name]
        )
        details = field_details(f, cli=True, values=not _is_choice(f))
        if f.required:
            details.insert(0, "[required]")
        options.append(
            {
                "decls": Source(", ".join(py_literal(d) for d in decls)),
                "type": None
                if is_flag
                else Source(_click_type(f, type_name_of(f, types)) or "click.STRING"),
                "is_flag": is_flag,
                "multiple": (f.type.kinds == ("array",) and f.type.item is not None)
                or (f.media is not None and f.many),
                "help": py_literal(" ".join(details)),
                "dest": py_literal(f.python_name),
                "wire": py_literal(f.wire_name),
            }
        )
    return render_template(
        t.python,
        "command.py.jinja",
        header=header(spec, spec.schema_sha256),
        module_doc=docstring(f"Command-line options of {spec.model_id}."),
        model_id=py_literal(spec.model_id),
        module=py_literal(f"{PACKAGE}.{spec.module_name}"),
        model_module=Source(f"{PACKAGE}.{spec.module_name}"),
        reads_model=any("get_args(model." in str(o["type"]) for o in options),
        options=options,
    )
