"""Edits to the model generator's module: what it writes that this package's tools refuse or
that would behave otherwise than the schema says."""

from __future__ import annotations

import ast

__all__ = ["PATTERN_ENGINE", "post_process"]

_TYPING_ALIASES = {"Dict": "dict", "List": "list", "Set": "set", "Tuple": "tuple", "Type": "type"}
"""Deprecated ``typing`` aliases the model generator still writes in places (the annotation of
``__pydantic_extra__`` for ``additionalProperties``); ruff refuses them."""

PATTERN_ENGINE = "python-re"
"""pydantic's regex engine for classes with a ``pattern``: Python's ``re``, the engine
jsonschema uses and ``semantics.py`` checks patterns with, so a pattern accepted there compiles
here and matches the same strings (Rust's ``regex``, pydantic's default, differs on ``$``
before a trailing newline and refuses lookarounds)."""


def _edit(source: str, edits: list[tuple[int, int, int, str]]) -> str:
    """Apply ``(line, column, length, replacement)`` edits (1-based lines, as ``ast`` gives)."""
    lines = source.splitlines(keepends=True)
    for line, col, length, text in sorted(edits, reverse=True):
        row = lines[line - 1]
        lines[line - 1] = row[:col] + text + row[col + length :]
    return "".join(lines)


def _config_call(cls: ast.ClassDef) -> ast.Call | None:
    for node in cls.body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "model_config" for t in node.targets)
            and isinstance(node.value, ast.Call)
        ):
            return node.value
    return None


_CONSTRAINED = {"conint": "int", "confloat": "float", "constr": "str"}
"""pydantic's constrained-type functions, which the model generator writes for a field of several
types with constraints (``type: [integer, string], minimum: 0``): a call in an annotation, which
``mypy`` refuses. They become ``Annotated[int, Field(...)]``, which means the same to pydantic
(``Field`` takes the same keywords)."""


def _annotated(node: ast.Call, source: str) -> str | None:
    """The ``Annotated`` form of a ``conint(...)``-like call, or None when it is not one."""
    if not isinstance(node.func, ast.Name) or node.func.id not in _CONSTRAINED or node.args:
        return None
    arguments = ", ".join(ast.get_source_segment(source, k) or "" for k in node.keywords)
    return f"Annotated[{_CONSTRAINED[node.func.id]}, Field({arguments})]"


def _has_pattern(nodes: list[ast.AST]) -> bool:
    return any(isinstance(node, ast.keyword) and node.arg == "pattern" for node in nodes)


def _engine_edit(cls: ast.ClassDef) -> tuple[int, int, int, str] | None:
    """The edit that sets the Python regex engine in ``cls``'s config (None: already set)."""
    call = _config_call(cls)
    if call is None:  # a root model of array items has none
        first = cls.body[0]
        config = f"model_config = ConfigDict(regex_engine={PATTERN_ENGINE!r})\n"
        return (first.lineno, first.col_offset, 0, config + " " * first.col_offset)
    if any(k.arg == "regex_engine" for k in call.keywords):
        return None  # (the model generator sets it itself for lookarounds)
    func = call.func
    end_line, end_col = func.end_lineno or func.lineno, func.end_col_offset or 0
    return (end_line, end_col + 1, 0, f"regex_engine={PATTERN_ENGINE!r}, ")


def post_process(source: str) -> tuple[str, ast.Module]:
    """Modern builtin generics instead of ``typing`` aliases; ``Annotated`` instead of
    constrained-type calls; the Python regex engine in every class that checks a pattern.

    Returns the source with its syntax tree (parsed once when nothing needed an edit)."""
    tree = ast.parse(source)
    edits: list[tuple[int, int, int, str]] = []
    imports_config = False
    imports_annotated = False
    # One walk of each top-level statement: a top-level class checks a pattern when one of its
    # nodes is a ``pattern=`` keyword (a nested class, which the generator does not write, gets
    # a walk of its own).
    for top in tree.body:
        nodes = list(ast.walk(top))
        top_has_pattern = isinstance(top, ast.ClassDef) and _has_pattern(nodes)
        for node in nodes:
            if isinstance(node, ast.Name) and node.id in _TYPING_ALIASES:
                edits.append((node.lineno, node.col_offset, len(node.id), _TYPING_ALIASES[node.id]))
            elif (
                isinstance(node, ast.Call) and (replacement := _annotated(node, source)) is not None
            ):
                if node.lineno != node.end_lineno:
                    raise ValueError("a constrained type spans several lines")
                length = (node.end_col_offset or 0) - node.col_offset
                edits.append((node.lineno, node.col_offset, length, replacement))
                imports_annotated = True
            elif isinstance(node, ast.ClassDef) and (
                top_has_pattern if node is top else _has_pattern(list(ast.walk(node)))
            ):
                edit = _engine_edit(node)
                if edit is not None:
                    edits.append(edit)
                    imports_config = imports_config or _config_call(node) is None
    imports = [
        *(["from pydantic import ConfigDict\n"] if imports_config else []),
        *(
            ["from typing import Annotated\n", "from pydantic import Field\n"]
            if imports_annotated
            else []
        ),
    ]
    if imports:  # imports more (the formatter merges and sorts them)
        after = next(n for n in tree.body if not isinstance(n, ast.Import | ast.ImportFrom))
        line = min([after.lineno, *(d.lineno for d in getattr(after, "decorator_list", []))])
        edits.append((line, 0, 0, "".join(imports)))
    if not edits:
        return source, tree
    edited = _edit(source, edits)
    return edited, ast.parse(edited)
