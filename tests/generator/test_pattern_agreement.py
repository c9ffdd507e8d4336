"""Patterns the generator accepts are checked by the generated model exactly as jsonschema checks
them: the same engine (Python's ``re``), the same search semantics, the same ``$``.

pydantic's default engine (Rust's ``regex``) refuses lookarounds at import and does not let
``$`` match before a trailing newline, while jsonschema does: the generated classes therefore
use the ``python-re`` engine wherever a pattern is checked.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from pydantic import BaseModel, ValidationError

from .support import HYPOTHESIS, imported_tree, run_cli

PATTERNS = {
    "word": "^[a-z]+$",
    "digits": "\\d{2,4}",
    "lookahead": "^(?=.*[0-9])[A-Za-z0-9]+$",
    "unicode_word": "^\\w+$",
    "anchored_a": "\\Aab",
    "alternation": "^(cat|dog)s?$",
}
MODEL_ID = "patterns/all"


@pytest.fixture(scope="module")
def pattern_model(tmp_path_factory: pytest.TempPathFactory) -> Iterator[type[BaseModel]]:
    base = tmp_path_factory.mktemp("patterns")
    schemas = base / "schemas"
    path = schemas / f"{MODEL_ID}.json"
    path.parent.mkdir(parents=True)
    properties = {
        **{name: {"type": "string", "pattern": p} for name, p in PATTERNS.items()},
        "tags": {"type": "array", "items": {"type": "string", "pattern": "^#[a-z]+$"}},
    }
    entry = {"model_id": MODEL_ID, "input_schema": {"type": "object", "properties": properties}}
    path.write_text(json.dumps(entry), encoding="utf-8")
    out = base / "out"
    result = run_cli("generate", "--schemas", schemas, "--out", out)
    assert result.exit_code == 0, result.stderr
    with imported_tree(out) as package:
        model: type[BaseModel] = package.get_model(MODEL_ID).Input
        yield model


def _accepts(model: type[BaseModel], instance: dict[str, Any]) -> bool:
    try:
        model.model_validate(instance)
    except ValidationError:
        return False
    return True


TEXT = st.text(st.characters(codec="utf-8"), max_size=8) | st.sampled_from(
    ["abc", "abc\n", "abc\n\n", "\nabc", "12", "a1", "ab1\n", "１２３", "cats", "dog\n", "ab"]
)


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_the_generated_model_agrees_with_jsonschema(
    pattern_model: type[BaseModel], name: str
) -> None:
    validator = Draft202012Validator({"type": "string", "pattern": PATTERNS[name]})

    @HYPOTHESIS
    @given(TEXT | st.from_regex(PATTERNS[name]))
    @example("abc\n")
    def check(value: str) -> None:
        assert _accepts(pattern_model, {name: value}) == validator.is_valid(value), repr(value)

    check()


@HYPOTHESIS
@given(st.lists(TEXT | st.from_regex("^#[a-z]+$"), max_size=3))
def test_patterns_on_array_items_agree(pattern_model: type[BaseModel], tags: list[str]) -> None:
    validator = Draft202012Validator({"items": {"type": "string", "pattern": "^#[a-z]+$"}})
    assert _accepts(pattern_model, {"tags": tags}) == validator.is_valid(tags)


def test_the_trailing_newline_case_is_pinned(pattern_model: type[BaseModel]) -> None:
    assert _accepts(pattern_model, {"word": "abc\n"})
    assert not _accepts(pattern_model, {"word": "abc\n\n"})
    assert _accepts(pattern_model, {"lookahead": "abc1"})
    assert not _accepts(pattern_model, {"lookahead": "abcd"})


def test_the_generated_classes_name_their_engine(tmp_path: Path) -> None:
    schemas = tmp_path / "schemas"
    (schemas / "a").mkdir(parents=True)
    entry = {
        "model_id": "a/b",
        "input_schema": {
            "type": "object",
            "properties": {"p": {"type": "string", "pattern": "^x$"}, "q": {"type": "string"}},
        },
    }
    (schemas / "a" / "b.json").write_text(json.dumps(entry), encoding="utf-8")
    out = tmp_path / "out"
    assert run_cli("generate", "--schemas", schemas, "--out", out).exit_code == 0
    source = (out / "runcomfy_models" / "_types" / "a" / "b.py").read_text(encoding="utf-8")
    assert source.count('regex_engine="python-re"') == 1
