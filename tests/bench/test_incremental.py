"""Regeneration rebuilds exactly what changed, and always agrees with a full rebuild."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from runcomfy_codegen import cache as cache_module
from runcomfy_codegen.cache import CACHE_FILE, Cache
from runcomfy_codegen.pipeline import pydantic_source as models_module
from runcomfy_codegen.pipeline import record as record_module
from runcomfy_codegen.pipeline.build import generate as generate_build
from runcomfy_codegen.pipeline.record import RECORD_FILE
from runcomfy_codegen.pipeline.write import CACHE_DIR, compare

from .support import (
    CATALOG,
    REGISTRY,
    REPO,
    TEMPLATES,
    bench_module,
    generate,
    model_files,
    rewrite_schema,
    run_cli,
    tree,
)

MODELS = len(list((REPO / "schemas").rglob("*.json"))) + 8
"""The real schemas and a few synthetic ones."""


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A synthetic corpus (with the real schemas) and its generated tree, made once."""
    root = tmp_path_factory.mktemp("incremental")
    schemas, out = root / "schemas", root / "out"
    bench_module("make_corpus").write_corpus(MODELS, schemas, with_real=True)
    generate(schemas, out)
    return schemas, out


@pytest.fixture
def work(base: tuple[Path, Path], tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """Private copies of the corpus and of the tree (its cache included)."""
    schemas, out = tmp_path / "schemas", tmp_path / "out"
    shutil.copytree(base[0], schemas)
    shutil.copytree(base[1], out, symlinks=True)
    yield schemas, out


def full_rebuild(schemas: Path, tmp_path: Path, *args: str | Path) -> dict[str, bytes]:
    """The tree a generation from scratch, without any cache, gives."""
    fresh = tmp_path / "fresh"
    shutil.rmtree(fresh, ignore_errors=True)
    generate(schemas, fresh, "--no-cache", *args)
    return tree(fresh)


def agrees_with_full_rebuild(schemas: Path, out: Path, tmp_path: Path, *args: str | Path) -> None:
    assert tree(out) == full_rebuild(schemas, tmp_path, *args)
    check = run_cli("generate", "--check", "--no-cache", "--schemas", schemas, "--out", out, *args)
    assert check.exit_code == 0, check.stderr


def schema_file(schemas: Path, model_id: str) -> Path:
    return schemas / f"{model_id}.json"


@pytest.mark.parametrize("change", ["description", "enum"])
def test_one_schema_change_rewrites_that_model_registry_and_catalog(
    work: tuple[Path, Path], tmp_path: Path, change: str
) -> None:
    schemas, out = work
    model_id = rewrite_schema(schema_file(schemas, "ideogram/ideogram-v3/reframe"), change)
    expected = sorted(model_files(schemas, model_id) | {REGISTRY, CATALOG, RECORD_FILE})
    before = tree(out)

    check = run_cli("generate", "--check", "--schemas", schemas, "--out", out)
    assert check.exit_code == 1
    listed = [line.strip() for line in check.stderr.splitlines() if line.startswith("  ")]
    assert listed == expected

    result = generate(schemas, out)
    assert f"0 added, {len(expected)} changed, 0 removed" in result.stdout
    changes = compare(before, tree(out))
    assert changes.changed == expected and not changes.added and not changes.removed
    agrees_with_full_rebuild(schemas, out, tmp_path)


def test_only_the_changed_model_is_rendered(work: tuple[Path, Path]) -> None:
    schemas, out = work
    model_id = rewrite_schema(schema_file(schemas, "wan-ai/wan-3.0/image-to-video"), "enum")
    build = generate_build(schemas, existing=tree(out), cache=Cache.load(out))
    assert build.ok
    assert build.rendered == (model_id,)


def test_nothing_changed_renders_nothing_and_writes_nothing(work: tuple[Path, Path]) -> None:
    schemas, out = work
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    build = generate_build(schemas, existing=tree(out), cache=Cache.load(out))
    assert build.ok and build.rendered == ()
    result = generate(schemas, out)
    assert "0 added, 0 changed, 0 removed" in result.stdout
    after = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    assert after == before


@pytest.mark.slow
@pytest.mark.timeout(600)  # four generations of every model: minutes on a loaded machine
def test_a_template_change_rebuilds_every_model(work: tuple[Path, Path], tmp_path: Path) -> None:
    schemas, out = work
    overrides = tmp_path / "overrides"
    overrides.mkdir()
    source = (TEMPLATES / "model.py.jinja").read_text(encoding="utf-8")
    (overrides / "model.py.jinja").write_text(source + "\n# changed template\n", encoding="utf-8")
    before = tree(out)
    build = generate_build(schemas, templates_dir=overrides, existing=before, cache=Cache.load(out))
    assert sorted(build.rendered) == sorted(s.model_id for s in build.specs)

    generate(schemas, out, "--templates", overrides)
    changes = compare(before, tree(out))
    modules = sorted(
        sorted(model_files(schemas, s.model_id) - {f"docs/{s.model_id}.md"})[-1]
        for s in build.specs
    )
    assert len(modules) == MODELS
    assert set(modules) <= set(changes.changed)
    assert all(b"# changed template" in tree(out)[m] for m in modules)
    agrees_with_full_rebuild(schemas, out, tmp_path, "--templates", overrides)

    # Back to the packaged templates: every model is rebuilt again, as a full rebuild would.
    generate(schemas, out)
    assert tree(out) == before


@pytest.mark.slow
def test_a_new_model_under_a_module_turns_it_into_a_package(
    work: tuple[Path, Path], tmp_path: Path
) -> None:
    schemas, out = work
    parent = "ideogram/ideogram-v3/reframe"
    data = json.loads(schema_file(schemas, parent).read_text(encoding="utf-8"))
    data["model_id"] = f"{parent}/hd"
    target = schemas / parent / "hd.json"
    target.parent.mkdir(parents=True)
    target.write_text(json.dumps(data), encoding="utf-8")
    before = tree(out)
    assert "runcomfy_models/ideogram/ideogram_v3/reframe.py" in before

    generate(schemas, out)
    after = tree(out)
    assert "runcomfy_models/ideogram/ideogram_v3/reframe.py" not in after
    assert "runcomfy_models/ideogram/ideogram_v3/reframe/__init__.py" in after
    assert "runcomfy_models/ideogram/ideogram_v3/reframe/hd.py" in after
    agrees_with_full_rebuild(schemas, out, tmp_path)

    # And back: the package folder goes away with its last module.
    shutil.rmtree(schemas / parent)
    generate(schemas, out)
    assert tree(out) == before
    assert not (out / "runcomfy_models/ideogram/ideogram_v3/reframe").exists()


@pytest.mark.slow
def test_a_removed_model_takes_its_files_and_empty_folders(
    work: tuple[Path, Path], tmp_path: Path
) -> None:
    schemas, out = work
    model_id = "runwayml/runway-aleph-2/video-to-video"
    assert [p.name for p in (schemas / "runwayml/runway-aleph-2").iterdir()] == [
        "video-to-video.json"
    ]  # the only model of its folder
    gone = model_files(schemas, model_id)
    schema_file(schemas, model_id).unlink()
    generate(schemas, out)
    after = tree(out)
    assert not gone & set(after)
    assert not (out / "docs/runwayml/runway-aleph-2").exists()
    agrees_with_full_rebuild(schemas, out, tmp_path)


@pytest.mark.slow
def test_a_hand_edited_file_is_rendered_again(work: tuple[Path, Path], tmp_path: Path) -> None:
    schemas, out = work
    edited = sorted(model_files(schemas, "ideogram/ideogram-v3/reframe"))[-1]
    (out / edited).write_bytes((out / edited).read_bytes() + b"# a hand edit\n")
    check = run_cli("generate", "--check", "--schemas", schemas, "--out", out)
    assert check.exit_code == 1
    assert f"  {edited}" in check.stderr.splitlines()
    generate(schemas, out)
    agrees_with_full_rebuild(schemas, out, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize(("change", "generator_runs"), [("description", 0), ("enum", 1)])
def test_the_model_generator_runs_only_when_what_it_is_given_changed(
    work: tuple[Path, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    change: str,
    generator_runs: int,
) -> None:
    # Documentation never reaches the pydantic classes: the cache gives them back, and the
    # files are exactly those of a full rebuild.
    schemas, out = work
    model_id = rewrite_schema(schema_file(schemas, "ideogram/ideogram-v3/reframe"), change)
    calls: list[str] = []
    real = models_module._run_generator

    def counting(spec: Any) -> str:
        calls.append(spec.model_id)
        return real(spec)

    monkeypatch.setattr(models_module, "_run_generator", counting)
    build = generate_build(schemas, existing=tree(out), cache=Cache.load(out), jobs=1)
    assert build.ok and build.rendered == (model_id,)
    assert calls == [model_id] * generator_runs
    fresh = full_rebuild(schemas, tmp_path)
    assert build.files == fresh


@pytest.mark.slow
def test_a_changed_generator_rebuilds_every_model(
    work: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    schemas, out = work
    monkeypatch.setattr(cache_module, "generator_digest", lambda: "another generator")
    monkeypatch.setattr(record_module, "generator_identity", lambda: "another generator")
    build = generate_build(schemas, existing=tree(out), cache=Cache.load(out))
    assert len(build.rendered) == MODELS


def test_check_and_failed_runs_leave_the_cache_alone(work: tuple[Path, Path]) -> None:
    schemas, out = work
    cache_file = out / CACHE_DIR / CACHE_FILE
    before = cache_file.read_bytes()
    rewrite_schema(schema_file(schemas, "ideogram/ideogram-v3/reframe"), "enum")
    assert run_cli("generate", "--check", "--schemas", schemas, "--out", out).exit_code == 1
    assert cache_file.read_bytes() == before
    (schemas / "broken.json").write_text("{", encoding="utf-8")
    assert run_cli("generate", "--schemas", schemas, "--out", out).exit_code == 1
    assert cache_file.read_bytes() == before


def test_the_cache_is_not_part_of_the_tree(work: tuple[Path, Path]) -> None:
    _, out = work
    assert (out / CACHE_DIR / ".gitignore").read_text().splitlines()[-1] == "*"
    assert not any(path.startswith(CACHE_DIR) for path in tree(out))


@pytest.mark.slow
def test_a_corrupt_cache_is_an_empty_one(work: tuple[Path, Path], tmp_path: Path) -> None:
    schemas, out = work
    (out / CACHE_DIR / CACHE_FILE).write_bytes(b"runcomfy-codegen cache 2\nnot a pickle")
    rewrite_schema(schema_file(schemas, "ideogram/ideogram-v3/reframe"), "description")
    generate(schemas, out)
    agrees_with_full_rebuild(schemas, out, tmp_path)


@pytest.mark.slow
def test_parallel_and_serial_generation_agree(tmp_path: Path) -> None:
    schemas = tmp_path / "schemas"
    bench_module("make_corpus").write_corpus(40, schemas)
    generate(schemas, tmp_path / "parallel", "--no-cache", "--jobs", "2")
    generate(schemas, tmp_path / "serial", "--no-cache", "--jobs", "1")
    assert tree(tmp_path / "parallel") == tree(tmp_path / "serial")
