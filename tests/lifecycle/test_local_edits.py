"""Re-applying local annotations on a fresh upstream entry."""

from __future__ import annotations

from typing import Any

from runcomfy_codegen.lifecycle.local_edits import apply_edits, parse_pointer


def upstream() -> dict[str, Any]:
    return {
        "model_id": "acme/x/y",
        "input_schema": {
            "type": "object",
            "properties": {
                "image": {"type": "string"},
                "a/b": {"type": "string"},
                "sizes": {"type": "string", "enum": ["1K", "2K"]},
            },
        },
    }


def edit(pointer: str, value: Any) -> dict[str, Any]:
    return {"pointer": pointer, "value": value, "reason": "test"}


def test_pointer_tokens_are_unescaped() -> None:
    assert parse_pointer("/input_schema/properties/a~1b/x~0y") == [
        "input_schema",
        "properties",
        "a/b",
        "x~y",
    ]
    assert parse_pointer("input_schema") is None


def test_outcomes() -> None:
    edits = [
        edit("/input_schema/properties/image/format", "image_uri"),
        edit("/input_schema/properties/a~1b/format", "video_uri"),
        edit("/input_schema/properties/sizes/enum/1", "4K"),
        edit("/input_schema/properties/sizes/enum/-", "8K"),
        edit("/input_schema/properties/image/type", "string"),
        edit("/input_schema/properties/gone/format", "image_uri"),
        edit("/input_schema/properties/sizes/enum/7", "x"),
        edit("/model_id", "other/model/id"),
        {"pointer": "/input_schema/title"},
    ]
    before = upstream()
    result, outcomes = apply_edits(before, edits)
    assert before == upstream()
    assert [o.outcome for o in outcomes] == [
        "applied",
        "applied",
        "applied",
        "applied",
        "redundant",
        "stale",
        "stale",
        "stale",
        "stale",
    ]
    props = result["input_schema"]["properties"]
    assert props["image"]["format"] == "image_uri"
    assert props["a/b"]["format"] == "video_uri"
    assert props["sizes"]["enum"] == ["1K", "4K", "8K"]
    assert "gone" not in props
    assert result["model_id"] == "acme/x/y"
    assert "/input_schema/properties/gone does not exist upstream" in outcomes[5].message
