"""The output is a pure function of the schemas' content: not of time, file order or key order."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path
from typing import Any

from runcomfy_codegen.pipeline.write import compare

from .support import SCHEMAS, run_cli, tree


def test_two_generations_are_identical_wherever_they_go(fresh_tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "some" / "other-place"
    result = run_cli("generate", "--schemas", SCHEMAS, "--out", out)
    assert result.exit_code == 0, result.stderr
    first, second = tree(fresh_tree), tree(out)
    assert not compare(first, second), compare(first, second).stale
    assert first == second


def shuffled(value: Any, rng: random.Random) -> Any:
    """``value`` with the keys of every object in a new order (lists keep theirs: they mean it)."""
    if isinstance(value, dict):
        keys = list(value)
        while len(keys) > 1 and keys == list(value):
            rng.shuffle(keys)
        return {k: shuffled(value[k], rng) for k in keys}
    if isinstance(value, list):
        return [shuffled(v, rng) for v in value]
    return value


def test_key_order_and_file_order_do_not_matter(fresh_tree: Path, tmp_path: Path) -> None:
    rng = random.Random(20240229)
    copy = tmp_path / "schemas"
    files = sorted(SCHEMAS.rglob("*.json"), reverse=True)  # created in reverse order
    for path in files:
        data = json.loads(path.read_text(encoding="utf-8"))
        props = data["input_schema"]["properties"]
        reordered = shuffled(data, rng)
        assert list(reordered["input_schema"]["properties"]) != list(props) or len(props) < 2
        target = copy / path.relative_to(SCHEMAS)
        target.parent.mkdir(parents=True, exist_ok=True)
        # Different formatting as well: one line, no indentation.
        target.write_text(json.dumps(reordered, ensure_ascii=True), encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli("generate", "--schemas", copy, "--out", out)
    assert result.exit_code == 0, result.stderr
    changes = compare(tree(fresh_tree), tree(out))
    assert not changes, changes.stale


def test_generation_does_not_depend_on_the_schemas_folder_place(
    fresh_tree: Path, tmp_path: Path
) -> None:
    moved = tmp_path / "elsewhere" / "schemas"
    shutil.copytree(SCHEMAS, moved)
    out = tmp_path / "out"
    result = run_cli("generate", "--schemas", moved, "--out", out)
    assert result.exit_code == 0, result.stderr
    assert tree(out) == tree(fresh_tree)


def test_no_machine_paths_or_timestamps_in_the_output(fresh_tree: Path) -> None:
    for path, content in tree(fresh_tree).items():
        text = content.decode("utf-8")
        assert str(fresh_tree) not in text, path
        assert str(SCHEMAS) not in text, path
        assert "/tmp/" not in text, path


def test_a_regeneration_over_an_earlier_tree_equals_a_clean_one(
    tree_copy: Path, schemas_copy: Path, tmp_path: Path
) -> None:
    """Whatever the generator reuses from an earlier run (files on disk, its cache), the result
    is what a generation from scratch gives."""
    path = schemas_copy / "ideogram/ideogram-v3/reframe.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["input_schema"]["properties"]["seed"]["maximum"] = 1000
    data["input_schema"]["properties"]["renamed"] = data["input_schema"]["properties"].pop("style")
    path.write_text(json.dumps(data), encoding="utf-8")
    (schemas_copy / "google/nano-banana-2-lite/text-to-image.json").unlink()

    result = run_cli("generate", "--schemas", schemas_copy, "--out", tree_copy)
    assert result.exit_code == 0, result.stderr
    clean = tmp_path / "clean"
    result = run_cli("generate", "--no-cache", "--schemas", schemas_copy, "--out", clean)
    assert result.exit_code == 0, result.stderr
    changes = compare(tree(clean), tree(tree_copy))
    assert not changes, changes.stale
    check = run_cli("generate", "--check", "--schemas", schemas_copy, "--out", tree_copy)
    assert check.exit_code == 0, check.stderr
