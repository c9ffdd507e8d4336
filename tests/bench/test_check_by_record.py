"""``generate --check`` without a cache answers from the tree's record, and still catches
every kind of staleness: a hand edit, a missing or extra file, a changed schema, template,
runtime file or generator."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import Result
from runcomfy_codegen.pipeline import build as pipeline
from runcomfy_codegen.pipeline import record, render
from runcomfy_codegen.pipeline.record import RECORD_FILE, Record
from runcomfy_codegen.pipeline.write import CACHE_DIR

from .support import TEMPLATES, bench_module, generate, model_files, rewrite_schema, run_cli, tree

MODEL_FILE_COUNT = 4


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("record")
    schemas, out = root / "schemas", root / "out"
    bench_module("make_corpus").write_corpus(6, schemas, seed=3)
    generate(schemas, out)
    return schemas, out


@pytest.fixture
def fresh_clone(base: tuple[Path, Path], tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """Copies of the schemas and of the tree as a clone has them: no cache."""
    schemas, out = tmp_path / "schemas", tmp_path / "out"
    shutil.copytree(base[0], schemas)
    shutil.copytree(base[1], out, ignore=shutil.ignore_patterns(CACHE_DIR))
    yield schemas, out


@pytest.fixture
def no_rendering(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any generation fails the test: the check must answer from the record."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the check rendered the tree")

    monkeypatch.setattr("runcomfy_codegen.cli.generate", refuse)


def check(schemas: Path, out: Path, *args: str | Path) -> Result:
    return run_cli("generate", "--check", "--schemas", schemas, "--out", out, *args)


def listed(result: Result) -> list[str]:
    return [line.strip() for line in result.stderr.splitlines() if line.startswith("  ")]


def a_model(schemas: Path) -> tuple[str, Path]:
    path = sorted(schemas.rglob("*.json"))[0]
    return path.relative_to(schemas).with_suffix("").as_posix(), path


def test_up_to_date_without_rendering_prints_what_a_generation_prints(
    fresh_clone: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    schemas, out = fresh_clone
    full = check(schemas, out, "--no-cache")  # renders everything
    assert full.exit_code == 0, full.stderr
    monkeypatch.setattr("runcomfy_codegen.cli.generate", None)
    quick = check(schemas, out)
    assert quick.exit_code == 0, quick.stderr
    assert (quick.stdout, quick.stderr) == (full.stdout, full.stderr)
    assert "is up to date (6 models)" in quick.stdout
    assert not (out / CACHE_DIR).exists()


def test_strict_promotes_the_recorded_warnings(
    fresh_clone: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    schemas, out = fresh_clone
    recorded = Record.decode((out / RECORD_FILE).read_bytes())
    assert recorded is not None
    full = check(schemas, out, "--no-cache", "--strict")
    monkeypatch.setattr("runcomfy_codegen.cli.generate", None)
    quick = check(schemas, out, "--strict")
    assert (quick.exit_code, quick.stdout, quick.stderr) == (
        full.exit_code,
        full.stdout,
        full.stderr,
    )
    has_warnings = any(d.level == "warning" for d in recorded.diagnostics)
    assert quick.exit_code == (1 if has_warnings else 0)


@pytest.mark.usefixtures("no_rendering")
def test_a_hand_edit_is_caught_without_rendering(fresh_clone: tuple[Path, Path]) -> None:
    schemas, out = fresh_clone
    model_id, _ = a_model(schemas)
    edited = sorted(model_files(schemas, model_id))[0]
    target = out / edited
    target.write_bytes(target.read_bytes() + b"# edited by hand\n")
    result = check(schemas, out)
    assert result.exit_code == 1
    assert listed(result) == [edited]


@pytest.mark.usefixtures("no_rendering")
def test_missing_extra_and_runtime_files_are_caught_without_rendering(
    fresh_clone: tuple[Path, Path],
) -> None:
    schemas, out = fresh_clone
    (out / "runcomfy_models/_catalog.json").unlink()
    (out / "runcomfy_models/extra.py").write_text("x = 1\n")
    runtime = sorted((out / "runcomfy_models/_runtime").glob("*.py"))[0]
    runtime.write_text(runtime.read_text() + "\n")
    result = check(schemas, out)
    assert result.exit_code == 1
    assert listed(result) == sorted(
        [
            "runcomfy_models/_catalog.json",
            "runcomfy_models/extra.py",
            runtime.relative_to(out).as_posix(),
        ]
    )


@pytest.mark.usefixtures("no_rendering")
def test_an_edited_record_is_itself_stale(fresh_clone: tuple[Path, Path]) -> None:
    schemas, out = fresh_clone
    path = out / RECORD_FILE
    path.write_bytes(path.read_bytes().replace(b'"format": 1,', b'"format": 1,  '))
    result = check(schemas, out)
    assert result.exit_code == 1
    assert listed(result) == [RECORD_FILE]


def test_a_changed_schema_is_checked_by_a_generation(fresh_clone: tuple[Path, Path]) -> None:
    schemas, out = fresh_clone
    model_id, path = a_model(schemas)
    rewrite_schema(path, "description")
    result = check(schemas, out)
    assert result.exit_code == 1
    stale = listed(result)
    assert set(model_files(schemas, model_id)) <= set(stale)
    assert RECORD_FILE in stale


@pytest.mark.usefixtures("no_rendering")
def test_a_reformatted_schema_with_the_same_content_is_up_to_date(
    fresh_clone: tuple[Path, Path],
) -> None:
    schemas, out = fresh_clone
    _, path = a_model(schemas)
    data = json.loads(path.read_text(encoding="utf-8"))
    reordered = dict(reversed(list(data.items())))
    path.write_text(json.dumps(reordered, ensure_ascii=True) + "\n\n", encoding="utf-8")
    result = check(schemas, out)
    assert result.exit_code == 0, result.stderr


def test_a_model_kept_by_model_is_not_vouched_for(fresh_clone: tuple[Path, Path]) -> None:
    schemas, out = fresh_clone
    (first, first_path), (second, second_path) = [
        (p.relative_to(schemas).with_suffix("").as_posix(), p)
        for p in sorted(schemas.rglob("*.json"))[:2]
    ]
    rewrite_schema(first_path, "description")
    rewrite_schema(second_path, "description")
    generate(schemas, out, "--model", second)
    shutil.rmtree(out / CACHE_DIR)
    result = check(schemas, out)
    assert result.exit_code == 1
    stale = listed(result)
    assert sorted(model_files(schemas, first))[-1] in stale
    assert not set(model_files(schemas, second)) & set(stale)


def test_a_changed_template_is_caught(fresh_clone: tuple[Path, Path], tmp_path: Path) -> None:
    schemas, out = fresh_clone
    override = tmp_path / "templates"
    override.mkdir()
    doc = (TEMPLATES / "model.md.jinja").read_text(encoding="utf-8")
    (override / "model.md.jinja").write_text(doc + "\nOne more line.\n", encoding="utf-8")
    result = check(schemas, out, "--templates", override)
    assert result.exit_code == 1
    stale = listed(result)
    assert RECORD_FILE in stale
    assert all(p.startswith("docs/") for p in stale if p != RECORD_FILE)
    assert len(stale) > 6


def test_a_changed_runtime_file_changes_the_record() -> None:
    templates = render.Templates()
    before = pipeline.record_templates_digest(templates)
    runtime = sorted(templates.runtime_dir.glob("*.py"))[0]
    real = Path.read_bytes

    def read_bytes(path: Path) -> bytes:
        content = real(path)
        return content + b"\n" if path == runtime else content

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Path, "read_bytes", read_bytes)
        after = pipeline.record_templates_digest(templates)
    assert before != after


def test_another_generator_is_caught(
    fresh_clone: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    schemas, out = fresh_clone
    identity = record.generator_identity()
    monkeypatch.setattr(record, "generator_identity", lambda: identity.replace("0.", "9.", 1))
    result = check(schemas, out)
    assert result.exit_code == 1
    assert listed(result) == [RECORD_FILE]


def test_the_record_is_deterministic_and_lists_every_file(
    base: tuple[Path, Path], tmp_path: Path
) -> None:
    schemas, out = base
    again = tmp_path / "again"
    generate(schemas, again, "--no-cache", "--jobs", "1")
    assert tree(again) == tree(out)
    raw = (out / RECORD_FILE).read_bytes()
    recorded = Record.decode(raw)
    assert recorded is not None and recorded.encode() == raw
    files = tree(out)
    assert set(recorded.files) == set(files) - {RECORD_FILE}
    assert all(record.digest(files[p]) == h for p, h in recorded.files.items())
    assert recorded.models == 6 and len(recorded.schemas) == 6
    assert len([p for p in recorded.files if p.startswith("docs/") and p != "docs/README.md"]) == 6
    assert sum(1 for _ in raw.splitlines()) > len(recorded.files)  # one entry a line
    assert len(recorded.files) > MODEL_FILE_COUNT * 6


@pytest.mark.parametrize(
    "raw",
    [b"", b"not json", b"[]", b'{"format": 2}', b'{"format": 1, "generator": 3}'],
)
def test_an_unreadable_record_means_a_generation(raw: bytes) -> None:
    assert Record.decode(raw) is None


def test_a_fresh_clone_renders_only_the_changed_model(fresh_clone: tuple[Path, Path]) -> None:
    schemas, out = fresh_clone
    model_id, path = a_model(schemas)
    rewrite_schema(path, "enum")
    existing = tree(out)
    build = pipeline.generate(schemas, existing=existing, jobs=1)
    assert build.ok and build.rendered == (model_id,)
    full = pipeline.generate(schemas, existing=existing, jobs=1, use_record=False)
    assert len(full.rendered) == 6
    assert build.files == full.files


def test_a_hand_edited_model_is_rendered_again(fresh_clone: tuple[Path, Path]) -> None:
    schemas, out = fresh_clone
    model_id, _ = a_model(schemas)
    edited = out / sorted(model_files(schemas, model_id))[0]
    original = edited.read_bytes()
    edited.write_bytes(original + b"# edited by hand\n")
    build = pipeline.generate(schemas, existing=tree(out), jobs=1)
    assert build.rendered == (model_id,)
    assert build.files[edited.relative_to(out).as_posix()] == original
