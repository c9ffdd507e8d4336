"""files -> load -> validate -> IR -> (models, render) -> the complete output tree, in memory.

The work of each model (validation and IR, pydantic models, rendering, formatting) is independent
of the others: it runs in worker processes (``parallel.Workers``) and is skipped for whatever a
``cache.Cache`` remembers, so a regeneration only rebuilds what changed. Neither changes a byte of
the output: a cached or parallel run writes exactly what a serial run from scratch would.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from runcomfy_codegen.cache import Analysed, Cache
from runcomfy_codegen.pipeline import record, render
from runcomfy_codegen.pipeline.diagnostics import (
    Collector,
    Diagnostic,
    has_errors,
    promote_warnings,
)
from runcomfy_codegen.pipeline.interpret import assign_modules, build_spec
from runcomfy_codegen.pipeline.ir import ModelSpec
from runcomfy_codegen.pipeline.load import RawEntry, discover, entry_names, read_entry
from runcomfy_codegen.pipeline.models import (
    ModelGenerationError,
    ModelSource,
    generator_input,
    model_source,
)
from runcomfy_codegen.pipeline.parallel import Workers
from runcomfy_codegen.pipeline.unasync import DERIVED, unasync
from runcomfy_codegen.pipeline.validate import check_entry
from runcomfy_codegen.pipeline.write import WriteError, format_python

RUNTIME_SUFFIXES = (".py", ".md", ".json")

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class Build:
    specs: list[ModelSpec] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    rendered: list[str] = field(default_factory=list)
    """Ids of the models whose files were rendered by this run (the others were reused)."""
    spec_keys: dict[str, str] = field(default_factory=dict)
    """Model id -> the cache key of the schema file it came from (when analysed with a cache)."""
    schema_hashes: dict[str, str] = field(default_factory=dict)
    """Display path -> hash of each schema file read, for the tree's record."""
    spec_files: dict[str, str] = field(default_factory=dict)
    """Model id -> the display path of the schema file it came from."""

    @property
    def ok(self) -> bool:
        return not has_errors(self.diagnostics)


def _map(workers: Workers | None, fn: Callable[[list[T]], list[R]], items: Sequence[T]) -> list[R]:
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
) -> Build:
    """Load and validate every schema and build the IR; no rendering.

    With ``cache``, files it knows (same bytes, same place) are not even parsed. ``id_root``:
    the schemas folder when ``schemas`` is one of its sub-folders (model ids are relative to it).
    """
    build = Build()
    paths, diagnostics = discover(schemas)
    build.diagnostics.extend(diagnostics)
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
            build.schema_hashes[names[0]] = record.schema_digest(content)
            if cache is not None:
                key = cache.analysis_key(*names, content)
        keys.append(key)
        results.append(cache.analysed(key) if cache is not None and key else None)
    todo = [i for i, r in enumerate(results) if r is None]
    fresh = _map(workers, _read_and_analyse, [(paths[i], schemas, id_root) for i in todo])
    for i, analysed in zip(todo, fresh, strict=True):
        results[i] = analysed
        if cache is not None and keys[i]:
            cache.remember_analysed(keys[i], analysed)
    for path, result, key in zip(paths, results, keys, strict=True):
        if result is None:  # pragma: no cover - every gap was filled above
            raise AssertionError("a schema file was not analysed")
        build.diagnostics.extend(result.diagnostics)
        if result.spec is not None:
            build.specs.append(result.spec)
            build.spec_files[result.spec.model_id] = entry_names(path, schemas)[0]
            if key:
                build.spec_keys[result.spec.model_id] = key
    build.specs.sort(key=lambda s: s.model_id)
    build.specs, renamed = assign_modules(build.specs)
    build.diagnostics.extend(renamed)
    if strict:
        build.diagnostics = promote_warnings(build.diagnostics)
    build.diagnostics.sort()
    return build


def tree_digest(specs: Sequence[ModelSpec]) -> str:
    h = hashlib.sha256()
    for s in sorted(specs, key=lambda s: s.model_id):
        h.update(f"{s.model_id}\0{s.schema_sha256}\n".encode())
    return h.hexdigest()


def ids_digest(model_ids: Iterable[str]) -> str:
    """The digest of a set of model ids, for files that depend on which models exist only."""
    h = hashlib.sha256()
    for model_id in sorted(model_ids):
        h.update(f"{model_id}\n".encode())
    return h.hexdigest()


def templates_digest(templates: render.Templates) -> str:
    h = hashlib.sha256()
    for name, source in templates.sources():
        h.update(f"{name}\0{source}\0".encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def _runtime_sources(templates: render.Templates) -> Iterator[tuple[str, bytes]]:
    """(posix path below the runtime folder, content) of every runtime file, sorted."""
    root = templates.runtime_dir
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if path.is_file() and path.suffix in RUNTIME_SUFFIXES and "__pycache__" not in rel.parts:
            yield rel.as_posix(), path.read_bytes()


def _runtime_files(templates: render.Templates) -> dict[str, bytes]:
    """The runtime, copied; and the sync client derived from the async one (see unasync)."""
    files: dict[str, bytes] = {}
    for rel, content in _runtime_sources(templates):
        files[f"{render.PACKAGE}/_runtime/{rel}"] = content
        derived = DERIVED.get(rel)
        if derived is not None:
            sync = unasync(content.decode("utf-8"))
            files[f"{render.PACKAGE}/_runtime/{derived}"] = sync.encode("utf-8")
    return files


def record_templates_digest(templates: render.Templates) -> str:
    """What the tree's record says of the templates: the templates in use and the runtime."""
    h = hashlib.sha256(templates_digest(templates).encode())
    for rel, content in _runtime_sources(templates):
        h.update(f"{rel}\0".encode("utf-8", "surrogatepass"))
        h.update(hashlib.sha256(content).digest())
    return h.hexdigest()[:32]


def _namespace_inits(
    paths: Iterable[str], specs: Sequence[ModelSpec]
) -> dict[str, tuple[str, str]]:
    """An ``__init__.py`` for every package folder that does not have one yet: path -> (dotted
    name, digest).

    Its header carries the digest of the ids of the models below it, so it changes only when
    models are added under it or removed, never when a schema's content changes.
    """
    below: dict[tuple[str, ...], list[str]] = {}
    for spec in specs:
        for i in range(1, len(spec.module_parts) + 1):
            below.setdefault(spec.module_parts[:i], []).append(spec.model_id)
    existing = {p for p in paths if p.startswith(f"{render.PACKAGE}/") and p.endswith(".py")}
    out: dict[str, tuple[str, str]] = {}
    for rel in sorted(existing):
        parts = rel.split("/")[:-1]
        for i in range(2, len(parts) + 1):
            init = "/".join((*parts[:i], "__init__.py"))
            if init not in existing and init not in out:
                module = tuple(parts[1:i])
                if module[:1] in (("_commands",), ("_types",)):
                    module = module[1:]
                out[init] = (".".join(parts[:i]), ids_digest(below.get(module, ())))
    return out


def _model_paths(spec: ModelSpec, layout: render.Layout) -> _ModelPaths:
    """The model's files: its module, its pydantic types, its command and its page."""
    return (
        layout.module_path(spec),
        layout.types_path(spec),
        layout.command_path(spec),
        f"docs/{spec.model_id}.md",
    )


_WORKER_TEMPLATES: dict[Path | None, render.Templates] = {}
"""Templates by override folder, in a worker process (or lent by the parent while it renders)."""


def _worker_templates(override: Path | None) -> render.Templates:
    templates = _WORKER_TEMPLATES.get(override)
    if templates is None:
        templates = _WORKER_TEMPLATES[override] = render.Templates(override)
    return templates


@dataclass(frozen=True)
class _Rendered:
    files: dict[str, bytes]
    catalog_entry: str
    source: ModelSource


_ModelPaths = tuple[str, str, str, str]


def _render_models(
    override: Path | None,
    layout: render.Layout,
    pyproject: bytes,
    items: list[tuple[ModelSpec, _ModelPaths, ModelSource | None]],
) -> list[_Rendered | str]:
    """Render and format the files of some models, in a worker process; a string says why a
    model's pydantic classes could not be generated. Classes the cache remembers come along
    with their spec, so the model generator runs only for the others."""
    templates = _worker_templates(override)
    results: list[_Rendered | str] = []
    python: dict[str, bytes] = {}
    for spec, (module_path, types_path, command_path, doc_path), known in items:
        try:
            models = known or model_source(spec)
        except ModelGenerationError as exc:
            results.append(str(exc))
            continue
        python[module_path] = render.render_model_module(templates, spec, layout)
        python[types_path] = render.render_types_module(templates, spec, models)
        python[command_path] = render.render_command_module(templates, spec, layout)
        doc = {doc_path: render.render_doc_page(templates, spec)}
        results.append(_Rendered(doc, render.catalog_entry(spec), models))
    formatted = format_python(python, pyproject)
    for (_, paths, _), result in zip(items, results, strict=True):
        if isinstance(result, _Rendered):
            result.files.update((p, formatted[p]) for p in paths if p in formatted)
    return results


def _record_kept(
    build: Build,
    model_id: str,
    paths: _ModelPaths,
    existing: Mapping[str, bytes],
    recorded: record.Record | None,
) -> None:
    """A model kept as it is (the others of ``--model``) is recorded as made from its schema
    file only if the old record vouches for its files; else from no schema file (so a check goes
    through a generation): never as made from a schema file it was not rendered from."""
    schema = build.spec_files.get(model_id)
    if schema is None:
        return
    current = build.schema_hashes.get(schema)
    if recorded is None or recorded.reuse(schema, current, paths, existing) is None:
        build.schema_hashes[schema] = ""


@dataclass
class _Shared:
    """The package's shared Python files: reused ones, and the ones still to format."""

    done: dict[str, bytes] = field(default_factory=dict)
    todo: dict[str, bytes] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)

    def offer(
        self,
        path: str,
        key: str | None,
        content: bytes | Callable[[], bytes],
        existing: Mapping[str, bytes] | None,
        cache: Cache | None,
    ) -> None:
        if cache is not None and key is not None:
            self.keys[path] = key
            reused = cache.formatted(key, path, existing)
            if reused is not None:
                self.done[path] = reused
                return
        self.todo[path] = content if isinstance(content, bytes) else content()


def _shared_files(
    specs: Sequence[ModelSpec],
    layout: render.Layout,
    templates: render.Templates,
    template_key: str,
    pyproject: bytes,
    cache: Cache | None,
    existing: Mapping[str, bytes] | None,
) -> _Shared:
    """Package init, registry and namespace packages: all known from the layout alone.

    The namespace ``__init__.py`` files are many and all alike; the cache knows them by what
    they are rendered from, so the ones on disk are reused without rendering them again.
    """
    package = render.PACKAGE
    all_ids = ids_digest(s.model_id for s in specs)
    shared = _Shared()
    python = {
        f"{package}/__init__.py": render.render_package_init(templates, all_ids),
        f"{package}/_registry.py": render.render_registry(
            templates, specs, layout, tree_digest(specs)
        ),
    }
    for path, content in python.items():
        key = cache.format_key(path, content, pyproject) if cache is not None else None
        shared.offer(path, key, content, existing, cache)
    modules = [p for spec in specs for p in _model_paths(spec, layout)[:3]]
    inits = _namespace_inits([*python, *modules], specs)
    for path, (dotted, digest) in inits.items():
        what = f"namespace\0{template_key}\0{dotted}\0{digest}".encode()
        key = cache.format_key(path, what, pyproject) if cache is not None else None
        shared.offer(
            path,
            key,
            functools.partial(render.render_namespace_init, templates, dotted, digest),
            existing,
            cache,
        )
    return shared


def render_tree(
    build: Build,
    templates: render.Templates,
    *,
    keep: Iterable[str] = (),
    existing: Mapping[str, bytes] | None = None,
    cache: Cache | None = None,
    workers: Workers | None = None,
    use_record: bool = True,
) -> None:
    """Render every file of the output tree into ``build.files`` (formatted, deterministic).

    Models listed in ``keep`` reuse their files from ``existing`` (the tree on disk) when all of
    them are there, instead of being rendered again; so do models whose files ``cache``, or the
    tree's record (see ``record.py``), says are what rendering them would give.
    """
    specs = build.specs
    layout = render.Layout.of(specs)
    all_ids = ids_digest(s.model_id for s in specs)
    pyproject = render.render_pyproject(templates, all_ids)
    template_key = templates_digest(templates) if cache is not None else ""
    shared = _shared_files(specs, layout, templates, template_key, pyproject, cache, existing)
    # Formatted in a worker while the models render.
    pending = (workers or Workers(1)).submit(
        format_python, shared.todo, pyproject, size=len(shared.todo)
    )
    templates_record = record_templates_digest(templates)
    recorded = record.trusted(existing, templates_record) if use_record else None
    files: dict[str, bytes] = {}
    catalog: dict[str, str] = {}
    todo: list[tuple[ModelSpec, _ModelPaths, str]] = []
    keep_ids = set(keep)
    for spec in specs:
        paths = _model_paths(spec, layout)
        key = (
            cache.model_key(build.spec_keys.get(spec.model_id) or repr(spec), paths, template_key)
            if cache is not None
            else ""
        )
        if spec.model_id in keep_ids and existing is not None and all(p in existing for p in paths):
            files.update((p, existing[p]) for p in paths)
            _record_kept(build, spec.model_id, paths, existing, recorded)
            if cache is not None:
                cache.keep(key)
            continue
        reused = cache.reuse(key, existing) if cache is not None else None
        if reused is None and recorded is not None and existing is not None:
            schema = build.spec_files.get(spec.model_id, "")
            reused = recorded.reuse(schema, build.schema_hashes.get(schema), paths, existing)
            if reused is not None and cache is not None:
                cache.remember_files(key, reused)
        if reused is not None:
            files.update(reused)
            continue
        todo.append((spec, paths, key))
    source_keys = {
        spec.model_id: cache.source_key(generator_input(spec)) if cache is not None else ""
        for spec, _, _ in todo
    }
    items = [
        (
            spec,
            paths,
            None
            if cache is None
            else cache.model_source(spec.model_id, source_keys[spec.model_id]),
        )
        for spec, paths, _ in todo
    ]
    work = functools.partial(_render_models, templates.override, layout, pyproject)
    _WORKER_TEMPLATES[templates.override] = templates
    try:
        results = _map(workers, work, items)
    finally:
        _WORKER_TEMPLATES.pop(templates.override, None)
    for (spec, _, key), result in zip(todo, results, strict=True):
        if isinstance(result, str):
            c = Collector(spec.source_file)
            c.error("/input_schema", result)
            build.diagnostics.extend(c.items)
            continue
        files.update(result.files)
        catalog[spec.model_id] = result.catalog_entry
        build.rendered.append(spec.model_id)
        if cache is not None:
            cache.remember_files(key, result.files)
            cache.remember_source(spec.model_id, source_keys[spec.model_id], result.source)
    if cache is not None:
        cache.keep_sources(spec.model_id for spec in specs)
    formatted = pending.result()
    if not build.ok:
        return
    for path, content in formatted.items():
        if cache is not None:
            cache.remember_formatted(shared.keys[path], content)
    package = render.PACKAGE
    other = {
        "pyproject.toml": pyproject,
        "docs/README.md": render.render_doc_index(templates, specs),
        f"{package}/py.typed": b"",
        f"{package}/_catalog.json": render.render_catalog(
            specs, _catalog_entries(specs, build.spec_keys, cache, catalog)
        ),
    }
    tree = {**files, **shared.done, **formatted, **other, **_runtime_files(templates)}
    tree[record.RECORD_FILE] = record.make_record(
        templates_record,
        len(specs),
        build.schema_hashes,
        build.diagnostics,
        tree,
    )
    build.files = tree


def _catalog_entries(
    specs: Sequence[ModelSpec],
    spec_keys: Mapping[str, str],
    cache: Cache | None,
    fresh: Mapping[str, str],
) -> dict[str, str]:
    """Each model's catalog entry: encoded by the workers that rendered it, else remembered by
    the cache (encoding indented JSON is slow); the others are encoded by ``render_catalog``."""
    entries: dict[str, str] = {}
    for spec in specs:
        key = spec_keys.get(spec.model_id)
        text = fresh.get(spec.model_id)
        if cache is not None and key:
            if text is None:
                text = cache.catalog_entry(key)
            if text is None:
                text = render.catalog_entry(spec)
            cache.remember_catalog_entry(key, text)
        if text is not None:
            entries[spec.model_id] = text
    return entries


def generate(
    schemas: Path,
    *,
    templates_dir: Path | None = None,
    only: Iterable[str] | None = None,
    strict: bool = False,
    existing: Mapping[str, bytes] | None = None,
    cache: Cache | None = None,
    jobs: int | None = None,
    use_record: bool = True,
) -> Build:
    """Build the whole output tree; with ``only``, other models keep their files in ``existing``.

    ``cache`` skips the work whose result it remembers, and so does the record of the tree in
    ``existing`` unless ``use_record`` is false; ``jobs`` is the number of worker
    processes (one per CPU by default; small builds run in-process).
    """
    with Workers(jobs) as workers:
        build = analyse(schemas, strict=strict, cache=cache, workers=workers)
        if only is not None:
            wanted = set(only)
            known = {s.model_id for s in build.specs}
            for model_id in sorted(wanted - known):
                c = Collector(schemas.as_posix())
                c.error("", f"no valid schema for model {model_id!r} (expected {model_id}.json)")
                build.diagnostics.extend(c.items)
            keep = known - wanted
        else:
            keep = set()
        if not build.ok:
            return build
        templates = render.Templates(templates_dir)
        try:
            render_tree(
                build,
                templates,
                keep=keep,
                existing=existing,
                cache=cache,
                workers=workers,
                use_record=use_record,
            )
        except (render.RenderError, WriteError) as exc:
            # A broken override template (or one that renders invalid Python) is reported,
            # never a traceback; nothing is written.
            c = Collector(templates_dir.as_posix() if templates_dir is not None else "templates")
            c.error("", f"cannot render the generated files: {exc}")
            build.diagnostics.extend(c.items)
            build.files = {}
    return build
