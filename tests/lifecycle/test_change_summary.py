"""The change summary ``generate`` prints: the tree on disk against the new schemas."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from runcomfy_codegen.lifecycle.change_report import SUMMARY_LINES, summarize_change
from runcomfy_codegen.lifecycle.entry_file import dump_entry
from runcomfy_codegen.pipeline.build import analyse
from runcomfy_codegen.pipeline.ir import ModelSpec
from runcomfy_codegen.pipeline.render_package import render_catalog

from .support import invoke

MODEL = "acme/summary/text-to-image"


def entry(sizes: list[str]) -> dict[str, Any]:
    return {
        "model_id": MODEL,
        "source": "test",
        "input_schema": {
            "type": "object",
            "required": ["prompt"],
            "properties": {
                "prompt": {"type": "string"},
                "size": {"type": "string", "enum": sizes},
            },
        },
    }


def specs(root: Path, *entries: dict[str, Any]) -> list[ModelSpec]:
    for data in entries:
        path = root / f"{data['model_id']}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dump_entry(data), encoding="utf-8")
    build = analyse(root)
    assert build.ok, build.diagnostics
    return build.specs


def test_first_generation(tmp_path: Path) -> None:
    new = specs(tmp_path / "s", entry(["1K", "2K"]))
    assert summarize_change(None, new) == ["first generation: 1 model(s)"]


def test_nothing_changed_prints_nothing(tmp_path: Path) -> None:
    new = specs(tmp_path / "s", entry(["1K", "2K"]))
    assert summarize_change(render_catalog(new), new) == []


def test_breaking_items_are_listed(tmp_path: Path) -> None:
    old = specs(tmp_path / "old", entry(["1K", "2K"]))
    new = specs(tmp_path / "new", entry(["1K", "4K"]))
    lines = summarize_change(render_catalog(old), new)
    assert lines[0].startswith(
        "changes since the last generation: 1 breaking, 0 warning(s), 1 info"
    )
    assert "(0 model(s) added, 0 removed, 1 changed)" in lines[0]
    assert f'  breaking  {MODEL}  input.size: enum value "2K" removed' in lines
    python = lines.index(f'  breaking  {MODEL}  input.size: enum value "2K" removed') + 1
    assert lines[python].startswith("      python ") and "Literal value" in lines[python]
    assert not any('4K" added' in line for line in lines)  # info items are only counted


def test_at_most_one_screen(tmp_path: Path) -> None:
    many = [f"v{i}" for i in range(40)]
    old = specs(tmp_path / "old", entry(many))
    new = specs(tmp_path / "new", entry(["only"]))
    lines = summarize_change(render_catalog(old), new)
    assert len(lines) <= SUMMARY_LINES
    assert any(line.startswith("  ... and ") for line in lines)


def test_an_unreadable_catalog_is_said_once(tmp_path: Path) -> None:
    new = specs(tmp_path / "s", entry(["1K"]))
    assert len(summarize_change(b"{nope", new)) == 1


def test_generate_prints_the_summary_when_something_changed(tmp_path: Path) -> None:
    schemas, out = tmp_path / "schemas", tmp_path / "generated"
    specs(schemas, entry(["1K", "2K"]))
    first = invoke(["generate", "--schemas", str(schemas), "--out", str(out)])
    assert first.exit_code == 0, first.output
    assert "first generation: 1 model(s)" in first.stderr

    unchanged = invoke(["generate", "--schemas", str(schemas), "--out", str(out)])
    assert unchanged.exit_code == 0, unchanged.output
    assert "since the last generation" not in unchanged.stderr

    data = copy.deepcopy(entry(["1K", "2K"]))
    data["input_schema"]["required"].append("size")
    specs(schemas, data)
    second = invoke(["generate", "--schemas", str(schemas), "--out", str(out)])
    assert second.exit_code == 0, second.output
    assert "changes since the last generation: 1 breaking" in second.stderr
    assert f"breaking  {MODEL}  input.size: became required" in second.stderr
    assert "since the last generation" not in second.stdout
