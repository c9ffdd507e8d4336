"""Which input fields may be sent as null: the rest treat ``None`` as "not set"."""

from __future__ import annotations

from typing import Any

import pytest
from runcomfy_codegen.pipeline.interpret import accepts_null

CASES: list[tuple[dict[str, Any], bool]] = [
    ({"type": "string"}, False),
    ({"type": "integer", "minimum": 0}, False),
    ({"type": ["string", "null"]}, True),
    ({"type": ["float", "null"]}, True),
    ({"type": "string", "nullable": True}, True),
    ({"enum": ["a", None]}, True),
    ({"enum": ["a", "b"]}, False),
    ({"type": "string", "enum": ["a", None]}, True),
    ({"anyOf": [{"type": "string"}, {"type": "null"}]}, True),
    ({"oneOf": [{"type": "integer"}, {"type": "string"}]}, False),
    ({"anyOf": [{"type": "integer"}, {"anyOf": [{"type": "null"}]}]}, True),
    ({}, True),  # says nothing: null may be meant, so it is sent as given
    ({"description": "anything"}, True),
    ({"allOf": [{"type": "string"}]}, True),  # not understood: sent as given
]


@pytest.mark.parametrize(("schema", "expected"), CASES)
def test_accepts_null(schema: dict[str, Any], expected: bool) -> None:
    assert accepts_null(schema) is expected
