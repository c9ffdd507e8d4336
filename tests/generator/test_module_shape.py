"""The generated code reads like a hand-written SDK: each enum's values are written once per
file, the model module stays short, and the reference pages read well as text and rendered."""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import runcomfy_models
from runcomfy_models._registry import MODELS

from .support import GENERATED, SCHEMAS, SEED_MODEL, load_entry, schema_ids

MODEL_IDS = schema_ids()


def _enums(schema: Any) -> Iterator[list[Any]]:
    """Every enum of a schema, nested ones and those of list items too."""
    if isinstance(schema, dict):
        if isinstance(schema.get("enum"), list):
            yield schema["enum"]
        for value in schema.values():
            yield from _enums(value)
    elif isinstance(schema, list):
        for value in schema:
            yield from _enums(value)


def _value_pattern(value: Any) -> str:
    """A regex for ``value`` written as a value: quoted either way, or a whole number."""
    if isinstance(value, str):
        forms = dict.fromkeys((json.dumps(value, ensure_ascii=False), repr(value)))
        return "(?:" + "|".join(re.escape(f) for f in forms) + ")"
    return rf"(?<![\w.]){re.escape(json.dumps(value))}(?![\w.])"


_SEPARATOR = r"[`\s]*[,|][`\s]*"
"""Between two values of a written list: a comma (or ``|``), spaces, line breaks, backticks."""


def times_written(values: Sequence[Any], text: str) -> int:
    """How many times the list ``values`` is written in ``text``: all its values, in order, one
    after the other (a default, an example or a description naming one value does not count)."""
    pattern = _SEPARATOR.join(_value_pattern(v) for v in values)
    return len(re.findall(pattern, text))


def _files_of(model_id: str) -> dict[str, str]:
    module = runcomfy_models.get_model(model_id)
    types = importlib.import_module(module._BINDING.types_module)
    command = importlib.import_module(MODELS[model_id].command_module)
    return {
        name: Path(str(m.__file__)).read_text(encoding="utf-8")
        for name, m in (("module", module), ("types", types), ("command", command))
    } | {"page": (GENERATED / "docs" / f"{model_id}.md").read_text(encoding="utf-8")}


def test_the_checker_finds_a_list_written_twice() -> None:
    values = ["TURBO", "BALANCED", "QUALITY"]
    once = 'Speed = Literal["TURBO", "BALANCED", "QUALITY"]\nx: Speed = "BALANCED"\n'
    assert times_written(values, once) == 1
    twice = once + "def run(speed: Literal['TURBO', 'BALANCED', 'QUALITY']) -> None: ...\n"
    assert times_written(values, twice) == 2
    doc = once + '"""Allowed values: "TURBO", "BALANCED", "QUALITY"."""\n'
    assert times_written(values, doc) == 2
    assert times_written([5, 10], "Literal[5, 10]; range 15 to 100") == 1
    wrapped = 'Allowed values: "TURBO",\n        "BALANCED", "QUALITY".'
    assert times_written(values, once + wrapped) == 2
    table = 'x\n- `Speed`: `"TURBO"`, `"BALANCED"`, `"QUALITY"`\n'
    assert times_written(values, once + table) == 2
    # A description that names some values is not the list.
    assert times_written(values, once + "'TURBO' is faster than 'QUALITY'") == 1


@pytest.mark.parametrize("model_id", MODEL_IDS)
def test_no_literal_list_is_written_twice_in_a_file(model_id: str) -> None:
    enums = [e for e in _enums(load_entry(model_id)["input_schema"]) if len(set(map(str, e))) > 1]
    for name, text in _files_of(model_id).items():
        for values in enums:
            assert times_written(values, text) <= 1, f"{model_id} {name}: {values}"


def test_every_enum_of_the_seed_is_a_named_exported_type() -> None:
    from runcomfy_models.ideogram.ideogram_v3 import reframe

    assert {"Resolution", "RenderingSpeed"} <= set(reframe.__all__)
    assert len(reframe.Resolution.__args__) == 69
    assert reframe.RenderingSpeed.__args__ == ("TURBO", "BALANCED", "QUALITY")
    assert reframe.Input.model_fields["resolution"].annotation is reframe.Resolution


def test_the_seed_module_is_short_and_reads_top_to_bottom() -> None:
    text = runcomfy_models.get_model(SEED_MODEL).__file__
    lines = Path(str(text)).read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 200
    order = [
        next(i for i, line in enumerate(lines) if line.startswith(start))
        for start in (
            "from __future__",
            "MODEL_ID",
            "Resolution = ",
            "class Params(",
            "def run(",
            "def submit(",
        )
    ]
    assert order == sorted(order)
    # The docstring an editor shows for run() comes right after a short signature.
    start = next(i for i, line in enumerate(lines) if line.startswith("def run("))
    assert lines[start + 8].lstrip().startswith('"""Run the model')


@pytest.mark.parametrize("model_id", MODEL_IDS)
def test_every_model_module_is_short(model_id: str) -> None:
    path = Path(str(runcomfy_models.get_model(model_id).__file__))
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 250


def test_the_seed_page_reads_well() -> None:
    page = (GENERATED / "docs" / f"{SEED_MODEL}.md").read_text(encoding="utf-8")
    assert "| Name | Option | Type | Required | Default | Range | Description |" in page
    assert "| `seed` | `--seed` | `int` | no |  | 0 to 2147483647 | Seed. |" in page
    # Required, so no default: the schema's default is shown as a suggested value.
    assert (
        "| `resolution` | `--resolution` | `Resolution` | yes |  |  | Aspect Ratio (W:H). "
        'Suggested value (the schema\'s default; still required): "1152:864 (4:3)". |'
    ) in page
    assert (
        '| `rendering_speed` | `--rendering-speed` | `RenderingSpeed` | no | `"BALANCED"` |' in page
    )
    # No escaped punctuation where Markdown needs none.
    assert "\\(" not in page and "\\." not in page and "\\-" not in page
    # The seed's outputs are described in Japanese: our English first, the original beside it.
    for line in page.splitlines():  # Japanese only as the original, after the English
        english, _, _ = line.partition("(original: ")
        assert not re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", english), line
    assert "| `image` | `RemoteFile` | Single image URL (original: 単一画像 URL) |" in page
    assert "[all models](../../README.md)" in page


def test_the_index_lists_every_model_with_a_working_link() -> None:
    index = GENERATED / "docs" / "README.md"
    text = index.read_text()
    links = re.findall(r"^\| \[[^]]+\]\(([^)]+)\) \| `([^`]+)` \|", text, re.M)
    assert sorted({model_id for _, model_id in links}) == MODEL_IDS
    assert all((index.parent / page).is_file() for page, _ in links)
    # Each model is listed (once per category) in the section of what it makes.
    sections = re.split(r"^## ", text, flags=re.M)[1:]
    titles = {"image": "Image", "video": "Video", "audio": "Audio", "": "Other"}
    for model_id in MODEL_IDS:
        kind = runcomfy_models.get_model(model_id).OUTPUT_KIND
        (section,) = [part for part in sections if f"`{model_id}`" in part]
        assert section.startswith(titles[kind] + " ("), model_id
    assert (
        sorted(p.relative_to(SCHEMAS).with_suffix("").as_posix() for p in SCHEMAS.rglob("*.json"))
        == MODEL_IDS
    )
