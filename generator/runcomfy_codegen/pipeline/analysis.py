"""load -> validate -> interpret: every schema file read, checked and turned into the IR.

The work of each file is independent of the others: it runs in worker processes
(``parallel.Workers``) and is skipped for files that the cache has seen (same bytes, same place).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from runcomfy_codegen.cache import Analysed, Cache
from runcomfy_codegen.pipeline import record
from runcomfy_codegen.pipeline.diagnostics import Diagnostic, has_errors, promote_warnings
from runcomfy_codegen.pipeline.interpret import assign_modules, build_spec
from runcomfy_codegen.pipeline.ir import ModelSpec
from runcomfy_codegen.pipeline.load import RawEntry, discover, entry_names, read_entry
from runcomfy_codegen.pipeline.parallel import Workers
from runcomfy_codegen.pipeline.validate import check_entry

__all__ = ["Analysis", "analyse", "map_in_workers"]

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Analysis:
    """The IR of every valid schema file, and what was found on the way."""

    specs: tuple[ModelSpec, ...]
    """Sorted by model id."""
    diagnostics: tuple[Diagnostic, ...]
    spec_keys: Mapping[str, str]
    """Model id -> the cache key of the schema file it came from (when analysed with a cache)."""
    schema_hashes: Mapping[str, str]
    """Display path -> hash of each schema file read, for the tree's record."""
    spec_files: Mapping[str, str]
    """Model id -> the display path of the schema file it came from."""

    @property
    def ok(self) -> bool:
        return not has_errors(self.diagnostics)


def map_in_workers(
    workers: Workers | None, fn: Callable[[list[T]], list[R]], items: Sequence[T]
) -> list[R]:
    """``fn`` over ``items`` in the worker processes (or here, without workers)."""
    return workers.map(fn, items) if workers is not None else fn(list(items))


def _analyse_entry(entry: RawEntry) -> Analysed:
    diagnostics: list[Diagnostic] = []
    checked, found = check_entry(entry)
    diagnostics.extend(found)
    spec: ModelSpec | None = None
    if checked is not None:
        spec, found = build_spec(checked)
        diagnostics.extend(found)
    return Analysed(spec, tuple(diagnostics))


def _read_and_analyse(items: list[tuple[Path, Path, Path | None]]) -> list[Analysed]:
    """Read, validate and interpret schema files (``(path, folder, id root)``), in a worker."""
    results: list[Analysed] = []
    for path, root, id_root in items:
        entry, problems = read_entry(path, root, id_root)
        results.append(Analysed(None, tuple(problems)) if entry is None else _analyse_entry(entry))
    return results


def analyse(
    schemas: Path,
    *,
    strict: bool = False,
    cache: Cache | None = None,
    workers: Workers | None = None,
    id_root: Path | None = None,
) -> Analysis:
    """Load and validate every schema and build the IR; no rendering.

    With ``cache``, files it knows (same bytes, same place) are not even parsed. ``id_root``:
    the schemas folder when ``schemas`` is one of its sub-folders (model ids are relative to it).
    """
    paths, found = discover(schemas)
    diagnostics = list(found)
    schema_hashes: dict[str, str] = {}
    keys: list[str] = []
    results: list[Analysed | None] = []
    for path in paths:
        key = ""
        names = entry_names(path, schemas, id_root)
        try:
            content = path.read_bytes()
        except OSError:  # reported by read_entry below
            content = None
        if content is not None:
            schema_hashes[names[0]] = record.schema_digest(content)
            if cache is not None:
                key = cache.analysis_key(*names, content)
        keys.append(key)
        results.append(cache.analysed(key) if cache is not None and key else None)
    todo = [i for i, r in enumerate(results) if r is None]
    fresh = map_in_workers(workers, _read_and_analyse, [(paths[i], schemas, id_root) for i in todo])
    for i, analysed in zip(todo, fresh, strict=True):
        results[i] = analysed
        if cache is not None and keys[i]:
            cache.remember_analysed(keys[i], analysed)
    specs: list[ModelSpec] = []
    spec_keys: dict[str, str] = {}
    spec_files: dict[str, str] = {}
    for path, result, key in zip(paths, results, keys, strict=True):
        if result is None:  # pragma: no cover - every gap was filled above
            raise AssertionError("a schema file was not analysed")
        diagnostics.extend(result.diagnostics)
        if result.spec is not None:
            specs.append(result.spec)
            spec_files[result.spec.model_id] = entry_names(path, schemas, id_root)[0]
            if key:
                spec_keys[result.spec.model_id] = key
    specs.sort(key=lambda s: s.model_id)
    specs, renamed = assign_modules(specs)
    diagnostics.extend(renamed)
    if strict:
        diagnostics = promote_warnings(diagnostics)
    return Analysis(tuple(specs), tuple(sorted(diagnostics)), spec_keys, schema_hashes, spec_files)
