"""Named ``Literal`` types: one per enum input, its values written once per module.

The model module defines them (``Resolution = Literal[...]``) and uses the names in its
signatures; the pydantic classes under ``_types`` import the same names instead of repeating
the values, and the docs and docstrings name the type rather than listing the values again.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from runcomfy_codegen.pipeline.escape import py_literal
from runcomfy_codegen.pipeline.ir import Field, FieldType, JsonScalar, LiteralType, ModelSpec
from runcomfy_codegen.pipeline.naming import type_names
from runcomfy_codegen.pipeline.pydantic_source import ModelSource

_LINE = 100
_PACKED_FROM = 8
"""Lists at least this long are packed several values a line (one a line would be a page)."""

MODULE_NAMES = frozenset(
    {
        "MODEL_ID",
        "Input",
        "Output",
        "TYPE_CHECKING",
        "Any",
        "Callable",
        "Final",
        "Literal",
        "Mapping",
        "Sequence",
        "AsyncJob",
        "AsyncRunComfy",
        "Job",
        "JobStatus",
        "MediaInput",
        "RunComfy",
        "LazyBinding",
        "MediaField",
        "Params",
        "Required",
        "TypedDict",
        "Unpack",
        "Annotated",
        "BaseModel",
        "ConfigDict",
        "Field",
        "RemoteFile",
    }
)
"""Names a model module or its classes' module already use: a type never takes one of them."""

ValuesKey = tuple[tuple[str, JsonScalar], ...]


def assignment(t: LiteralType) -> str:
    """``t`` as it stands in the model module: ``name = Literal[...]`` or ``name = other``."""
    if t.same_as is not None:
        return f"{t.name} = {t.same_as}"
    items = [quoted(v) for v in t.values]
    one_line = f"{t.name} = Literal[{', '.join(items)}]"
    if len(one_line) <= _LINE:
        return one_line
    if len(items) < _PACKED_FROM:
        return f"{t.name} = Literal[\n" + "".join(f"    {i},\n" for i in items) + "]"
    rows: list[str] = []
    for item in items:
        if rows and len(rows[-1]) + len(item) + 2 <= _LINE:
            rows[-1] += f" {item},"
        else:
            rows.append(f"    {item},")
    body = "\n".join(rows)
    return f"# fmt: off\n{t.name} = Literal[\n{body}\n]\n# fmt: on"


def quoted(value: Any) -> str:
    """``py_literal``, with the double quotes the formatter would choose (where it does not run:
    packed lists, examples in the docs)."""
    text = str(py_literal(value))
    if text.startswith("'") and '"' not in text:
        return '"' + text[1:-1] + '"'
    return text


def _key(values: Iterable[JsonScalar]) -> ValuesKey:
    # True == 1 in Python: keep the type in the key so Literal[True] never stands for Literal[1].
    return tuple((type(v).__name__, v) for v in values)


def enum_type(f: Field) -> tuple[FieldType, bool] | None:
    """The field's enum type and whether it types the items of a list, if it can be a Literal."""
    if f.media is not None:
        return None
    t = f.type
    if t.enum is not None:
        return (t, False) if t.literal_ok and any(v is not None for v in t.enum) else None
    item = t.item
    if t.kinds == ("array",) and item is not None and item.enum is not None:
        return (item, True) if item.literal_ok and any(v is not None for v in item.enum) else None
    return None


def name_literal_types(spec: ModelSpec) -> tuple[LiteralType, ...]:
    """The named types of ``spec``'s enum inputs, in the order of the functions' parameters.

    Called once per model when the IR is built (``ModelSpec.literal_types``)."""
    fields = sorted(spec.inputs, key=lambda f: (not f.required, f.python_name))
    wanted: dict[str, tuple[str, tuple[JsonScalar, ...]]] = {}
    for f in fields:
        found = enum_type(f)
        if found is not None:
            t, item = found
            basis = f"{f.python_name}_item" if item else f.python_name
            wanted[basis] = (f.python_name, tuple(v for v in t.enum or () if v is not None))
    names = type_names(wanted, MODULE_NAMES | {spec.input_class, spec.output_class})
    first: dict[ValuesKey, str] = {}
    out = []
    for basis, (field, values) in wanted.items():
        name = names[basis]
        out.append(LiteralType(name, field, values, first.get(_key(values))))
        first.setdefault(_key(values), name)
    return tuple(out)


def type_name_of(f: Field, types: Sequence[LiteralType]) -> str | None:
    """The name of the type of ``f``'s values (of its items, for a list), if it has one."""
    for t in types:
        if t.field == f.python_name:
            return t.name
    return None


def use_names(models: ModelSource, types: Sequence[LiteralType], module: str) -> ModelSource:
    """``models`` with every ``Literal[...]`` that a named type spells replaced by its name.

    The names are imported from ``module`` (the model module, which imports nothing heavy).
    """
    by_values: Mapping[ValuesKey, str] = {
        _key(t.values): t.name for t in types if t.same_as is None
    }
    if not by_values:
        return models
    lines = [line.encode("utf-8") for line in models.body.split("\n")]
    spans: list[tuple[int, int, int, int, str]] = []
    for start, col, end, end_col, values in models.literals:
        name = by_values.get(_key(json.loads(values)))
        if name is not None:
            spans.append((start, col, end, end_col, name))
    if not spans:
        return models
    for start, col, end, end_col, name in sorted(spans, reverse=True):
        lines[start : end + 1] = [lines[start][:col] + name.encode() + lines[end][end_col:]]
    used = sorted({span[4] for span in spans})
    imports = (*models.imports, f"from {module} import {', '.join(used)}")
    body = b"\n".join(lines).decode("utf-8")
    return ModelSource(imports, body, models.classes, ())
