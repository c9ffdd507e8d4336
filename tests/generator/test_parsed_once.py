"""The model classes are parsed once: what later steps need of their syntax tree comes along.

``ModelSource.literals`` locates every ``Literal[...]`` of the classes' body while the module's
tree is at hand; here the body is parsed again on its own and must give the same spans.
"""

from __future__ import annotations

import ast
import json

import pytest
from runcomfy_codegen.pipeline.build import analyse
from runcomfy_codegen.pipeline.ir import ModelSpec
from runcomfy_codegen.pipeline.pydantic_source import LiteralSpan, model_source

from .support import SCHEMAS


def _reparsed_spans(body: str) -> list[LiteralSpan]:
    spans: list[LiteralSpan] = []
    for node in ast.walk(ast.parse(body)):
        if isinstance(node, ast.Subscript) and getattr(node.value, "id", None) == "Literal":
            elements = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            values = [ast.literal_eval(e) for e in elements]
            assert node.end_lineno is not None and node.end_col_offset is not None
            spans.append(
                (
                    node.lineno - 1,
                    node.col_offset,
                    node.end_lineno - 1,
                    node.end_col_offset,
                    json.dumps(values),
                )
            )
    return sorted(spans)


@pytest.fixture(scope="module")
def specs() -> list[ModelSpec]:
    return [s for s in analyse(SCHEMAS).specs if s.literal_types]


def test_some_shipped_models_have_named_enum_types(specs: list[ModelSpec]) -> None:
    assert len(specs) >= 10


def test_literal_spans_match_a_parse_of_the_body(specs: list[ModelSpec]) -> None:
    found = 0
    for spec in specs[::4]:
        source = model_source(spec)
        assert sorted(source.literals) == _reparsed_spans(source.body), spec.model_id
        lines = source.body.encode("utf-8").split(b"\n")
        for start, col, end, end_col, _ in source.literals:
            if start == end:
                assert lines[start][col:end_col].startswith(b"Literal[")
                found += 1
    assert found
