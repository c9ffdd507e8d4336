"""The in-place patch of the output tree, its undo, and the worker pool's ordering."""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from runcomfy_codegen.pipeline import meta_schema, write
from runcomfy_codegen.pipeline.parallel import Workers, chunked
from runcomfy_codegen.pipeline.write import read_tree, replace_tree

BASE = {f"pkg/m{i}.py": f"m = {i}\n".encode() for i in range(20)}
OLD = {**BASE, "a/x.py": b"x = 1\n", "a/y.py": b"y = 2\n", "b/c/z.md": b"z\n", "top.txt": b"t\n"}
NEW = {**BASE, "a/x.py": b"x = 1\n", "a/y.py": b"y = 3\n", "d/e/f.py": b"f\n", "top.txt": b"t\n"}


def listing(root: Path) -> dict[str, bytes]:
    """Every file under ``root``, caches included."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def out(tmp_path: Path) -> Path:
    root = tmp_path / "out"
    replace_tree(root, OLD)
    (root / "a" / "__pycache__").mkdir()
    (root / "a" / "__pycache__" / "x.pyc").write_bytes(b"cached")
    (root / "b" / "c" / "__pycache__").mkdir()
    (root / "b" / "c" / "__pycache__" / "z.pyc").write_bytes(b"cached")
    return root


def test_a_patch_touches_only_changed_files(out: Path) -> None:
    unchanged = os.stat(out / "pkg" / "m1.py")
    replace_tree(out, NEW, existing=read_tree(out))
    assert read_tree(out) == NEW
    kept = os.stat(out / "pkg" / "m1.py")
    assert (kept.st_ino, kept.st_mtime_ns) == (unchanged.st_ino, unchanged.st_mtime_ns)
    # Caches stay; a folder left with nothing but caches goes.
    assert (out / "a" / "__pycache__" / "x.pyc").read_bytes() == b"cached"
    assert not (out / "b").exists()
    assert not list(out.parent.glob(".out.*"))


@pytest.mark.parametrize("fail_at", [1, 2])
def test_a_failed_patch_puts_everything_back(
    out: Path, monkeypatch: pytest.MonkeyPatch, fail_at: int
) -> None:
    before = listing(out)
    real_replace = os.replace
    moved = []

    def flaky(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if f"{os.sep}new{os.sep}" in os.fspath(src):
            moved.append(src)
            if len(moved) == fail_at:
                raise OSError("disk full")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", flaky)
    with pytest.raises(write.WriteError, match="disk full"):
        replace_tree(out, NEW, existing=read_tree(out))
    monkeypatch.undo()
    assert listing(out) == before
    assert not list(out.parent.glob(".out.*"))


def test_a_patch_interrupted_by_a_crash_is_undone_by_the_next_run(
    out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = listing(out)

    class Crash(BaseException):
        pass

    real_replace = os.replace
    moved = []

    def crash(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if f"{os.sep}new{os.sep}" in os.fspath(src):
            moved.append(src)
            if len(moved) == 2:
                raise Crash  # the process dies: no undo runs
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(Crash):
        replace_tree(out, NEW, existing=read_tree(out))
    monkeypatch.undo()
    assert listing(out) != before  # half applied
    replace_tree(out, OLD, existing=OLD)  # any later run repairs first
    assert listing(out) == before
    assert not list(out.parent.glob(".out.*"))


def test_a_large_change_swaps_the_whole_tree(out: Path) -> None:
    other = {f"new/{i}.py": b"n\n" for i in range(30)}
    replace_tree(out, other, existing=read_tree(out))
    assert read_tree(out) == other


@pytest.mark.parametrize("fail_on", ["the new tree", "the old tree"])
def test_a_failed_swap_keeps_the_caches_and_the_tree(
    out: Path, monkeypatch: pytest.MonkeyPatch, fail_on: str
) -> None:
    before = listing(out)
    real_replace = os.replace

    def failing(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        moving = (
            Path(src).name.startswith(".out.new-")
            if fail_on == "the new tree"
            else (Path(src) == out)
        )
        if moving:
            raise OSError("disk full")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing)
    with pytest.raises(write.WriteError, match="disk full"):
        replace_tree(out, {f"new/{i}.py": b"n\n" for i in range(30)}, existing=read_tree(out))
    monkeypatch.undo()
    assert listing(out) == before  # __pycache__ folders included
    assert not list(out.parent.glob(".out.*"))


def test_an_unreadable_file_is_a_write_error(out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def unreadable(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(write, "open", unreadable, raising=False)
    with pytest.raises(write.WriteError, match=r"cannot read out/a/x\.py: Permission denied"):
        read_tree(out)


def test_an_output_folder_under_a_file_is_a_write_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(write.WriteError, match="cannot write"):
        replace_tree(tmp_path / "file" / "out", NEW)
    assert (tmp_path / "file").read_text() == "not a folder"


def test_only_a_generated_tree_or_an_empty_folder_may_be_written_over(tmp_path: Path) -> None:
    write.check_output_folder(tmp_path, {})
    ours = {"runcomfy_models/_registry.py": write.GENERATED_MARK + b" 0.1.0 ...\n", **OLD}
    write.check_output_folder(tmp_path, ours)
    with pytest.raises(write.WriteError, match=r"did not generate \(such as a/x\.py\)"):
        write.check_output_folder(tmp_path, OLD)


def test_chunks_cover_the_items_in_order() -> None:
    items = list(range(23))
    for n in (1, 2, 5, 8, 23, 40):
        parts = chunked(items, n)
        assert [x for part in parts for x in part] == items
        assert len(parts) == min(n, len(items))
        assert max(map(len, parts)) - min(map(len, parts)) <= 1


def _square_all(items: list[int]) -> list[int]:
    return [i * i for i in items]


def test_workers_return_results_in_the_order_of_the_items() -> None:
    items = list(range(100))
    with Workers(2) as workers:
        assert workers.parallel == (sys.platform == "linux" and threading.active_count() == 1)
        assert workers.map(_square_all, items) == [i * i for i in items]
        assert workers.submit(_square_all, items, size=len(items)).result()[-1] == 99 * 99
    assert Workers(1).map(_square_all, items[:3]) == [0, 1, 4]


def test_workers_stay_in_process_while_other_threads_run() -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        with Workers(2) as workers:
            assert not workers.parallel
            assert workers.map(_square_all, list(range(50)))[-1] == 49 * 49
    finally:
        stop.set()
        thread.join()


SCHEMAS = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-2, 2),
        st.sampled_from(["string", "object", "nope", "^a$"]),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(
            st.sampled_from(
                [
                    *("type", "enum", "items", "properties", "required", "minimum", "anyOf", "x"),
                    *("title", "description"),  # (the memo reads schemas alike but for these)
                ]
            ),
            inner,
            max_size=4,
        ),
    ),
    max_leaves=10,
)


PROPERTIES = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.mark.slow
@PROPERTIES
@given(
    st.dictionaries(st.text(max_size=3), SCHEMAS, max_size=4),
    st.dictionaries(st.sampled_from(["type", "required", "minProperties", "title"]), SCHEMAS),
)
def test_meta_schema_errors_property_by_property_are_the_whole_schemas(
    properties: dict[str, object], rest: dict[str, object]
) -> None:
    schema = {**rest, "properties": properties}
    whole = [
        (list(e.absolute_path), e.message)
        for e in sorted(
            Draft202012Validator(Draft202012Validator.META_SCHEMA).iter_errors(schema),
            key=lambda e: list(e.absolute_path),
        )
    ]
    assert [(list(p), m) for p, m in meta_schema.schema_errors(schema)] == whole
    json.dumps(schema)  # the memo keys on this


@pytest.mark.slow
@PROPERTIES
@given(
    st.dictionaries(st.sampled_from(["type", "enum", "items", "minimum", "anyOf", "x"]), SCHEMAS),
    SCHEMAS,
    SCHEMAS,
)
def test_a_schema_with_its_default_is_valid_exactly_when_the_schema_is(
    schema: dict[str, object], default: object, validations: object
) -> None:
    """A default's check asks the memo about the whole property: the meta-schema accepts any
    ``default`` and ignores ``validations``, so the verdict is that of the schema without them."""
    node = {**schema, "default": default, "validations": validations}
    meta = Draft202012Validator(Draft202012Validator.META_SCHEMA)
    assert meta_schema.is_valid_schema(node) == meta.is_valid(schema)
