"""The pipeline, start to end: load -> validate -> interpret -> render -> the output tree.

``analyse`` loads, validates and interprets every schema (``analysis.py``); ``render_tree``
renders and formats each model's files in worker processes (``model_files.py``) and the
package's shared files (``package_files.py``), taking whatever an earlier run made from the same
input (``reuse.py``); the CLI then writes the tree atomically (``write.py``). Neither workers nor
reuse change a byte of the output: a cached or parallel run writes exactly what a serial run
from scratch would.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from runcomfy_codegen.cache import Cache
from runcomfy_codegen.pipeline import record
from runcomfy_codegen.pipeline.analysis import Analysis, analyse, map_in_workers
from runcomfy_codegen.pipeline.diagnostics import Collector, Diagnostic, has_errors
from runcomfy_codegen.pipeline.formatting import format_python
from runcomfy_codegen.pipeline.ir import ModelSpec
from runcomfy_codegen.pipeline.model_files import Rendered, lend_templates, render_models
from runcomfy_codegen.pipeline.package_files import ids_digest, model_paths, shared_files
from runcomfy_codegen.pipeline.parallel import Workers
from runcomfy_codegen.pipeline.pydantic_source import ModelSource, load_generator
from runcomfy_codegen.pipeline.render import PACKAGE, Layout, RenderError, Templates
from runcomfy_codegen.pipeline.render_docs import render_doc_index
from runcomfy_codegen.pipeline.render_package import render_catalog, render_pyproject
from runcomfy_codegen.pipeline.reuse import ModelPaths, Reuse
from runcomfy_codegen.pipeline.runtime_files import (
    record_templates_digest,
    runtime_files,
    twin_diagnostics,
)
from runcomfy_codegen.pipeline.write import WriteError

__all__ = ["Build", "analyse", "generate", "record_templates_digest", "render_tree"]


@dataclass(frozen=True)
class Build:
    """The outcome of a generation: the IR, every diagnostic, and the tree (empty on error)."""

    specs: tuple[ModelSpec, ...]
    diagnostics: tuple[Diagnostic, ...]
    files: Mapping[str, bytes]
    rendered: tuple[str, ...] = ()
    """Ids of the models whose files were rendered by this run (the others were reused)."""

    @property
    def ok(self) -> bool:
        return not has_errors(self.diagnostics)


@dataclass(frozen=True)
class Tree:
    """What ``render_tree`` made: the files, the models it rendered, and what went wrong."""

    files: Mapping[str, bytes]
    rendered: tuple[str, ...]
    diagnostics: tuple[Diagnostic, ...]


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
    # Workers start when many schemas are new, which is when many models need the generator.
    with Workers(jobs, before_fork=load_generator) as workers:
        analysis = analyse(schemas, strict=strict, cache=cache, workers=workers)
        wanted = set(only) if only is not None else None
        templates = Templates(templates_dir)
        diagnostics = [
            *analysis.diagnostics,
            *_unknown_models(schemas, analysis, wanted),
            *twin_diagnostics(templates),
        ]
        if has_errors(diagnostics):
            return Build(analysis.specs, tuple(diagnostics), {})
        known = {s.model_id for s in analysis.specs}
        try:
            reuse = Reuse(
                analysis,
                templates,
                existing=existing,
                cache=cache,
                keep=known - wanted if wanted is not None else (),
                use_record=use_record,
            )
            tree = render_tree(analysis, templates, reuse, workers)
        except (RenderError, WriteError) as exc:
            # A broken override template (or one that renders invalid Python) is reported,
            # never a traceback; nothing is written.
            c = Collector(templates_dir.as_posix() if templates_dir is not None else "templates")
            c.error("", f"cannot render the generated files: {exc}")
            return Build(analysis.specs, (*diagnostics, *c.items), {})
    return Build(analysis.specs, (*diagnostics, *tree.diagnostics), tree.files, tree.rendered)


def _unknown_models(schemas: Path, analysis: Analysis, wanted: set[str] | None) -> list[Diagnostic]:
    """An error for each ``--model`` that names no valid schema."""
    c = Collector(schemas.as_posix())
    known = {s.model_id for s in analysis.specs}
    for model_id in sorted((wanted or set()) - known):
        c.error("", f"no valid schema for model {model_id!r} (expected {model_id}.json)")
    return c.items


def render_tree(
    analysis: Analysis, templates: Templates, reuse: Reuse, workers: Workers | None = None
) -> Tree:
    """Render every file of the output tree (formatted, deterministic), reusing what ``reuse``
    says is what rendering would give."""
    specs = analysis.specs
    layout = Layout.of(specs)
    pyproject = render_pyproject(templates, ids_digest(s.model_id for s in specs))
    shared = shared_files(specs, layout, templates, pyproject, reuse)
    # Formatted in a worker while the models render.
    pending = (workers or Workers(1)).submit(
        format_python, shared.todo, pyproject, size=len(shared.todo)
    )
    files: dict[str, bytes] = {}
    todo: list[tuple[ModelSpec, ModelPaths, ModelSource | None]] = []
    for spec in specs:
        paths = model_paths(spec, layout)
        reused = reuse.model_files(spec, paths)
        if reused is not None:
            files.update(reused)
        else:
            todo.append((spec, paths, None))
    todo = [(spec, paths, reuse.classes(spec)) for spec, paths, _ in todo]
    work = functools.partial(render_models, templates.override, layout, pyproject)
    with lend_templates(templates):
        results = map_in_workers(workers, work, todo)
    diagnostics: list[Diagnostic] = []
    catalog: dict[str, str] = {}
    rendered: list[str] = []
    for (spec, _, _), result in zip(todo, results, strict=True):
        if not isinstance(result, Rendered):
            c = Collector(spec.source_file)
            c.error("/input_schema", result)
            diagnostics.extend(c.items)
            continue
        files.update(result.files)
        catalog[spec.model_id] = result.catalog_entry
        rendered.append(spec.model_id)
        reuse.remember_model(spec, result.files, result.classes)
    reuse.finish(specs)
    formatted = pending.result()
    if has_errors(diagnostics):
        return Tree({}, tuple(rendered), tuple(diagnostics))
    for path, content in formatted.items():
        reuse.remember_formatted(path, content)
    other = {
        "pyproject.toml": pyproject,
        "docs/README.md": render_doc_index(templates, specs),
        f"{PACKAGE}/py.typed": b"",
        f"{PACKAGE}/_catalog.json": render_catalog(specs, reuse.catalog_entries(specs, catalog)),
    }
    tree = {**files, **shared.done, **formatted, **other, **runtime_files(templates)}
    tree[record.RECORD_FILE] = record.make_record(
        reuse.templates_record,
        len(specs),
        reuse.schema_hashes,
        [*analysis.diagnostics, *diagnostics],
        tree,
    )
    return Tree(tree, tuple(rendered), tuple(diagnostics))
