"""The committed ``generated/`` tree is exactly what the generator produces from ``schemas/``."""

from __future__ import annotations

import json
from pathlib import Path

from runcomfy_codegen.pipeline.write import compare

from .support import GENERATED, SCHEMAS, all_files, run_cli, tree

REFRAME_MODULE = "runcomfy_models/ideogram/ideogram_v3/reframe.py"


def test_regeneration_matches_the_committed_tree(fresh_tree: Path) -> None:
    committed = tree(GENERATED)
    fresh = tree(fresh_tree)
    changes = compare(committed, fresh)
    assert not changes, (
        "generated/ differs from a fresh generation (run `runcomfy-codegen generate`): "
        f"added {changes.added}, changed {changes.changed}, removed {changes.removed}"
    )
    assert fresh == committed


def test_tree_has_the_expected_shape(fresh_tree: Path) -> None:
    files = tree(fresh_tree)
    assert REFRAME_MODULE in files
    assert "runcomfy_models/_registry.py" in files
    assert "runcomfy_models/_runtime/__init__.py" in files
    assert "docs/ideogram/ideogram-v3/reframe.md" in files
    assert "pyproject.toml" in files
    models = sorted(
        p.relative_to(SCHEMAS).with_suffix("").as_posix() for p in SCHEMAS.rglob("*.json")
    )
    pages = sorted(p[len("docs/") : -len(".md")] for p in files if p.startswith("docs/"))
    assert pages == sorted(["README", *models])  # a page per model, and the index
    catalog = json.loads(files["runcomfy_models/_catalog.json"])
    assert [m["model_id"] for m in catalog["models"]] == models


def test_check_passes_on_the_committed_tree() -> None:
    result = run_cli("generate", "--check", "--schemas", SCHEMAS, "--out", GENERATED)
    assert result.exit_code == 0, result.stderr
    assert "up to date" in result.stdout


def test_check_fails_after_a_hand_edit(tree_copy: Path) -> None:
    edited = tree_copy / REFRAME_MODULE
    edited.write_bytes(edited.read_bytes() + b"# a hand edit\n")
    before = all_files(tree_copy)
    result = run_cli("generate", "--check", "--schemas", SCHEMAS, "--out", tree_copy)
    assert result.exit_code == 1
    assert f"  {REFRAME_MODULE}" in result.stderr.splitlines()
    assert "stale" in result.stderr
    assert all_files(tree_copy) == before  # --check writes nothing


def test_check_lists_added_and_removed_files(tree_copy: Path) -> None:
    (tree_copy / "runcomfy_models" / "stray.py").write_text("x = 1\n")
    (tree_copy / "docs/ideogram/ideogram-v3/reframe.md").unlink()
    result = run_cli("generate", "--check", "--schemas", SCHEMAS, "--out", tree_copy)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert "  runcomfy_models/stray.py" in lines
    assert "  docs/ideogram/ideogram-v3/reframe.md" in lines


def test_check_ignores_caches_and_build_metadata(tree_copy: Path) -> None:
    (tree_copy / "runcomfy_models" / "__pycache__").mkdir()
    (tree_copy / "runcomfy_models" / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"\0")
    (tree_copy / "runcomfy_models.egg-info").mkdir()
    (tree_copy / "runcomfy_models.egg-info" / "PKG-INFO").write_text("Name: x\n")
    result = run_cli("generate", "--check", "--schemas", SCHEMAS, "--out", tree_copy)
    assert result.exit_code == 0, result.stderr


def test_failed_generation_leaves_the_tree_unchanged(tree_copy: Path, schemas_copy: Path) -> None:
    broken = schemas_copy / "zz" / "broken.json"
    broken.parent.mkdir()
    broken.write_text('{"model_id": "zz/broken", "source": "x", "input_schema": {', "utf-8")
    # A stale tree with a by-product: a failed run must not touch either.
    (tree_copy / REFRAME_MODULE).write_bytes(b"# stale\n")
    (tree_copy / "runcomfy_models" / "__pycache__").mkdir()
    (tree_copy / "runcomfy_models" / "__pycache__" / "x.pyc").write_bytes(b"\0")
    before = all_files(tree_copy)
    result = run_cli("generate", "--schemas", schemas_copy, "--out", tree_copy)
    assert result.exit_code == 1
    assert "schemas/zz/broken.json: error: invalid JSON at line 1" in result.stderr
    assert "nothing written" in result.stderr
    assert all_files(tree_copy) == before
    assert sorted(p.name for p in tree_copy.parent.iterdir()) == ["generated", "schemas"]


def test_failed_generation_creates_no_output_folder(schemas_copy: Path, tmp_path: Path) -> None:
    reframe = schemas_copy / "ideogram/ideogram-v3/reframe.json"
    entry = json.loads(reframe.read_text("utf-8"))
    entry["model_id"] = "ideogram/ideogram-v3/other"
    reframe.write_text(json.dumps(entry), "utf-8")
    out = tmp_path / "out"
    result = run_cli("generate", "--schemas", schemas_copy, "--out", out)
    assert result.exit_code == 1
    assert "does not match the file's place" in result.stderr
    assert not out.exists()


def test_generation_replaces_the_whole_tree(tree_copy: Path) -> None:
    """Files the generator no longer produces are removed; tool by-products are kept."""
    (tree_copy / "runcomfy_models" / "stale_model.py").write_text("x = 1\n")
    (tree_copy / "runcomfy_models" / "__pycache__").mkdir()
    (tree_copy / "runcomfy_models" / "__pycache__" / "x.pyc").write_bytes(b"\0")
    result = run_cli("generate", "--schemas", SCHEMAS, "--out", tree_copy)
    assert result.exit_code == 0, result.stderr
    assert "1 removed" in result.stdout
    assert not (tree_copy / "runcomfy_models" / "stale_model.py").exists()
    assert (tree_copy / "runcomfy_models" / "__pycache__" / "x.pyc").exists()
    result = run_cli("generate", "--check", "--schemas", SCHEMAS, "--out", tree_copy)
    assert result.exit_code == 0, result.stderr
