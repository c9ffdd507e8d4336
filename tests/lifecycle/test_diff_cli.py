"""``runcomfy-codegen diff``: files, folders, git revisions, the Python API diff and the formats."""

from __future__ import annotations

import copy
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from runcomfy_codegen.lifecycle.api_surface import compare_specs, interpret_entries
from runcomfy_codegen.lifecycle.changes import Severity, Side
from runcomfy_codegen.lifecycle.diff import diff_entry
from runcomfy_codegen.lifecycle.entry_file import dump_entry

from .support import invoke

MODEL = "acme/widget/text-to-image"
OTHER = "acme/gadget/text-to-image"


def entry(model_id: str = MODEL, **props: Any) -> dict[str, Any]:
    properties = {
        "prompt": {"type": "string", "default": ""},
        "aspectRatio": {"type": "string", "enum": ["1:1", "16:9"], "default": "1:1"},
        "steps": {"type": "integer", "minimum": 1, "maximum": 50},
    }
    properties.update(props)
    return {
        "model_id": model_id,
        "display_name": "Widget",
        "source": "test",
        "input_schema": {"type": "object", "required": ["prompt"], "properties": properties},
    }


def write(root: Path, data: dict[str, Any]) -> Path:
    path = root / f"{data['model_id']}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dump_entry(data), encoding="utf-8")
    return path


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        [
            "git",
            "-c",
            "user.name=Test",
            "-c",
            "user.email=test@example.invalid",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
            *args,
        ],
        cwd=repo,
        check=True,
        capture_output=True,
    )


def api_changes(old: dict[str, Any], new: dict[str, Any]) -> list[Any]:
    old_specs, notes = interpret_entries({old["model_id"]: old}, "old")
    new_specs, more = interpret_entries({new["model_id"]: new}, "new")
    assert notes == more == []
    return compare_specs(old_specs, new_specs)


# -- the generated-API diff ----------------------------------------------------------------------


def test_an_enum_value_rename_is_a_changed_literal() -> None:
    old = entry()
    new = entry(aspectRatio={"type": "string", "enum": ["1:1", "16:10"], "default": "1:1"})
    (change,) = api_changes(old, new)
    assert change.side is Side.PYTHON
    assert change.rule == "literal-changed"
    assert change.severity is Severity.BREAKING
    # Named as users write it (the keyword and the module's Literal type), not the class.
    assert change.path == "text_to_image.run(aspectRatio=...)"
    assert change.message == 'Literal value "16:9" of text_to_image.AspectRatio is now "16:10"'
    assert change.schema_path == "input.aspectRatio"


def test_a_named_type_that_is_gone_is_reported_by_its_public_name() -> None:
    # Users import and annotate with the module's Literal types: they are public API.
    old = entry()
    new = entry(aspectRatio={"type": "string", "default": "1:1"})
    rules = {(c.rule, c.path, c.message) for c in api_changes(old, new)}
    assert (
        "type-removed",
        "text_to_image.AspectRatio",
        "type text_to_image.AspectRatio removed",
    ) in rules


def test_a_named_type_that_takes_another_name_is_a_renamed_type() -> None:
    old = entry()
    new = copy.deepcopy(old)
    props = new["input_schema"]["properties"]
    props["ratio"] = props.pop("aspectRatio")
    renamed = [c for c in api_changes(old, new) if c.rule == "type-renamed"]
    assert [(c.path, c.message, c.severity) for c in renamed] == [
        (
            "text_to_image.AspectRatio",
            "type text_to_image.AspectRatio is now text_to_image.Ratio",
            Severity.BREAKING,
        )
    ]


def test_a_property_rename_with_the_same_schema_is_a_renamed_keyword() -> None:
    old = entry()
    new = copy.deepcopy(old)
    props = new["input_schema"]["properties"]
    props["aspect_ratio"] = props.pop("aspectRatio")
    changes = api_changes(old, new)
    assert [(c.rule, c.message) for c in changes] == [
        (
            "renamed",
            "keyword argument aspectRatio (--aspectratio) renamed to aspect_ratio "
            "(--aspect-ratio) (same schema)",
        )
    ]
    schema_rules = {c.rule for c in diff_entry(MODEL, old, new)}
    assert schema_rules == {"property-removed", "property-added-optional"}


def test_a_rename_caused_by_naming_is_caught_when_the_schema_diff_is_harmless() -> None:
    old = entry(**{"seed-value": {"type": "integer"}})
    new = entry(**{"seed-value": {"type": "integer"}, "seed_value": {"type": "integer"}})
    schema = diff_entry(MODEL, old, new)
    assert [(c.rule, c.severity) for c in schema] == [("property-added-optional", Severity.INFO)]
    api = api_changes(old, new)
    rules = {c.rule for c in api}
    assert rules == {"name-changed", "cli-option-changed", "name-rebound"}
    assert all(c.severity is Severity.BREAKING for c in api)


def test_a_removed_keyword_and_a_lost_media_input() -> None:
    old = entry(image={"type": "string", "format": "image_uri"})
    new = entry(image={"type": "string"})
    new["input_schema"]["properties"].pop("steps")
    messages = {(c.rule, c.message) for c in api_changes(old, new)}
    assert ("removed", "keyword argument steps (--steps) removed") in messages
    assert ("files-dropped", "no longer accepts local files (Path or bytes)") in messages


def test_output_literal_values_added_and_files_dropped() -> None:
    old = entry()
    old["output_schema"] = {
        "type": "object",
        "properties": {
            "image": {"type": "string", "format": "uri"},
            "state": {"type": "string", "enum": ["ok"]},
        },
    }
    new = copy.deepcopy(old)
    new["output_schema"]["properties"]["image"] = {"type": "string"}
    new["output_schema"]["properties"]["state"]["enum"] = ["ok", "partial"]
    messages = {(c.rule, c.message) for c in api_changes(old, new)}
    assert messages == {
        ("files-dropped", "no longer a downloadable file"),
        ("literal-added", 'Literal value "partial" may now come back'),
    }


def test_a_renamed_model_module_is_reported_as_removed_and_added(tmp_path: Path) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    write(old, entry())
    write(new, entry("acme/widget-2/text-to-image"))
    result = invoke(["diff", str(old), str(new), "--format", "json"])
    data = json.loads(result.output)
    assert {(c["model_id"], c["rule"]) for c in data["changes"]} == {
        (MODEL, "model-removed"),
        ("acme/widget-2/text-to-image", "model-added"),
    }


# -- files, folders and git revisions ------------------------------------------------------------


def test_two_files(tmp_path: Path) -> None:
    old = write(tmp_path / "a", entry())
    changed = entry()
    changed["input_schema"]["properties"]["steps"]["maximum"] = 20
    new = write(tmp_path / "b", changed)
    result = invoke(["diff", str(old), str(new)])
    assert result.exit_code == 0, result.output
    assert "breaking  input.steps: maximum lowered from 50 to 20" in result.output
    assert "1 breaking, 0 warning(s), 0 info in 1 model(s)" in result.output


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository with two commits of schemas/ and an uncommitted third version."""
    root = tmp_path / "repo"
    schemas = root / "schemas"
    schemas.mkdir(parents=True)
    git(root, "init", "-q")
    write(schemas, entry())
    write(schemas, entry(OTHER))
    git(root, "add", "schemas")
    git(root, "commit", "-q", "-m", "first")
    second = entry(aspectRatio={"type": "string", "enum": ["1:1", "16:9", "4:3"], "default": "1:1"})
    write(schemas, second)
    (schemas / f"{OTHER}.json").unlink()
    git(root, "add", "-A", "schemas")
    git(root, "commit", "-q", "-m", "second")
    third = copy.deepcopy(second)
    third["input_schema"]["required"] = ["prompt", "steps"]
    write(schemas, third)
    monkeypatch.chdir(root)
    return root


def test_git_revisions(repo: Path) -> None:
    result = invoke(["diff", "HEAD~1", "HEAD", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["old"] == "HEAD~1"
    assert data["new"] == "HEAD"
    found = {(c["model_id"], c["rule"], c["severity"]) for c in data["changes"]}
    assert found == {
        (OTHER, "model-removed", "breaking"),
        (MODEL, "enum-value-added", "info"),
    }
    assert data["summary"] == {"breaking": 1, "warning": 0, "info": 1}


def test_a_revision_against_the_working_tree(repo: Path) -> None:
    result = invoke(["diff", "HEAD"])
    assert result.exit_code == 0, result.output
    assert f"{MODEL}\n  breaking  input.steps: became required" in result.output
    assert "HEAD -> schemas (working tree)" in result.output

    both = invoke(["diff", "HEAD~1", "--format", "json"])
    rules = {c["rule"] for c in json.loads(both.output)["changes"]}
    assert rules == {"model-removed", "enum-value-added", "became-required"}


def test_a_path_wins_over_a_revision_of_the_same_name(repo: Path) -> None:
    git(repo, "tag", "v1", "HEAD~1")
    folder = repo / "v1"
    write(folder, entry())
    result = invoke(["diff", "v1", "schemas", "--format", "json"])
    rules = {c["rule"] for c in json.loads(result.output)["changes"]}
    assert rules == {"enum-value-added", "became-required"}


def test_neither_a_path_nor_a_revision(repo: Path) -> None:
    result = invoke(["diff", "no-such-thing", "HEAD"])
    assert result.exit_code == 2
    assert "neither a schema file, a folder nor a git revision" in result.stderr


# -- formats and exit codes ----------------------------------------------------------------------


@pytest.fixture
def sides(tmp_path: Path) -> tuple[Path, Path]:
    old, new = tmp_path / "old", tmp_path / "new"
    write(old, entry())
    write(old, entry(OTHER))
    changed = entry(aspectRatio={"type": "string", "enum": ["1:1", "16:10"], "default": "1:1"})
    changed["input_schema"]["properties"]["prompt"]["description"] = "What to draw"
    write(new, changed)
    other = entry(OTHER)
    other["input_schema"]["properties"]["prompt"]["default"] = "a cat"
    other["input_schema"]["properties"]["steps"]["maximum"] = 100
    write(new, other)
    return old, new


def test_json_format_parses(sides: tuple[Path, Path]) -> None:
    old, new = sides
    result = invoke(["diff", str(old), str(new), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"old", "new", "summary", "changes", "notes"}
    assert data["summary"] == {"breaking": 1, "warning": 1, "info": 3}
    first = data["changes"][0]
    assert set(first) == {"model_id", "severity", "side", "path", "rule", "message", "counted"}
    sides_seen = {c["side"] for c in data["changes"]}
    assert sides_seen == {"input", "python"}


def test_markdown_is_grouped_by_model_breaking_first(sides: tuple[Path, Path]) -> None:
    old, new = sides
    result = invoke(["diff", str(old), str(new), "--format", "markdown"])
    assert result.exit_code == 0, result.output
    text = result.output
    assert text.startswith("## Model changes")
    widget, gadget = text.index(f"### `{MODEL}`"), text.index(f"### `{OTHER}`")
    assert widget < gadget  # the model with breaking changes comes first
    section = text[widget:gadget]
    assert section.index("**Breaking**") < section.index("**Other changes**")
    assert '`input.aspectRatio`: enum value "16:9" removed' in section
    assert "**Needs attention**" in text[gadget:]


def test_fail_on(sides: tuple[Path, Path], tmp_path: Path) -> None:
    old, new = sides
    assert invoke(["diff", str(old), str(new)]).exit_code == 0
    assert invoke(["diff", str(old), str(new), "--fail-on", "breaking"]).exit_code == 1
    assert invoke(["diff", str(old), str(new), "--fail-on", "warning"]).exit_code == 1

    only_warning = tmp_path / "warning"
    other = entry(OTHER)
    other["input_schema"]["properties"]["prompt"]["default"] = "a cat"
    write(only_warning, entry())
    write(only_warning, other)
    assert invoke(["diff", str(old), str(only_warning), "--fail-on", "breaking"]).exit_code == 0
    assert invoke(["diff", str(old), str(only_warning), "--fail-on", "warning"]).exit_code == 1

    same = invoke(["diff", str(old), str(old), "--fail-on", "warning"])
    assert same.exit_code == 0
    assert "no changes" in same.output


def test_an_invalid_side_is_noted_and_still_diffed(tmp_path: Path) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    write(old, entry())
    broken = entry()
    broken["input_schema"]["properties"]["steps"] = {"$ref": "#/x"}
    write(new, broken)
    (new / "acme" / "junk.json").write_text("{", encoding="utf-8")
    result = invoke(["diff", str(old), str(new), "--format", "json"])
    data = json.loads(result.output)
    assert any("does not pass validation" in n for n in data["notes"])
    assert any("not valid JSON" in n for n in data["notes"])
    assert any(c["rule"] == "type-widened" for c in data["changes"])


def test_single_files_without_a_model_id_or_not_an_object(tmp_path: Path) -> None:
    (tmp_path / "old.json").write_text("[]", encoding="utf-8")
    (tmp_path / "new.json").write_text("{}", encoding="utf-8")
    result = invoke(["diff", str(tmp_path / "old.json"), str(tmp_path / "new.json")])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "does not hold a JSON object" in result.output


def test_an_unreadable_file_is_noted_by_name_and_left_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    write(old, entry())
    write(new, entry())
    unreadable = write(new, entry(OTHER))
    real = Path.read_bytes

    def read_bytes(path: Path) -> bytes:
        if path == unreadable:
            raise OSError(5, "Input/output error")
        return real(path)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    result = invoke(["diff", str(old), str(new), "--format", "json"])
    data = json.loads(result.output)
    assert any(f"cannot read {unreadable.as_posix()}" in n for n in data["notes"])
    assert not any(c.get("model_id") == OTHER for c in data["changes"])


def test_each_change_is_counted_once_though_listed_for_schema_and_python(tmp_path: Path) -> None:
    old = entry()
    new = copy.deepcopy(old)
    properties = new["input_schema"]["properties"]
    del properties["steps"]
    properties["aspectRatio"]["enum"] = ["1:1"]
    properties["seed"] = {"type": "integer"}
    new["input_schema"]["required"].append("seed")
    new["input_schema"]["properties"]["prompt"]["maxLength"] = 10
    result = invoke(["diff", str(write(tmp_path / "a", old)), str(write(tmp_path / "b", new))])
    lines = result.output.splitlines()
    listed = [line for line in lines if line.strip().startswith("breaking")]
    # The count is the number of listed changes; the Python side of one is indented under it.
    assert len(listed) == 4
    assert "4 breaking, 0 warning(s), 0 info in 1 model(s)" in result.output
    python = [line for line in lines if line.strip().startswith("python")]
    assert python and all(line.startswith(" " * 14) for line in python)
    removed = lines.index("  breaking  input.steps: property removed")
    assert lines[removed + 1].strip() == (
        "python text_to_image.run(steps=...): keyword argument steps (--steps) removed"
    )
    as_json = invoke(["diff", str(tmp_path / "a"), str(tmp_path / "b"), "--format", "json"])
    data = json.loads(as_json.output)
    assert data["summary"]["breaking"] == 4
    assert sum(c["counted"] for c in data["changes"] if c["severity"] == "breaking") == 4
    markdown = invoke(["diff", str(tmp_path / "a"), str(tmp_path / "b"), "--format", "markdown"])
    assert "4 breaking" in markdown.output
    assert sum(line.startswith("- ") for line in markdown.output.splitlines()) == 4
    assert "  - Python `text_to_image.run(steps=...)`" in markdown.output
