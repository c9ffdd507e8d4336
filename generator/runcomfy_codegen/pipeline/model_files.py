"""Render and format the four files of each model, in worker processes."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from runcomfy_codegen.pipeline.formatting import format_python
from runcomfy_codegen.pipeline.ir import ModelSpec
from runcomfy_codegen.pipeline.pydantic_batch import model_sources
from runcomfy_codegen.pipeline.pydantic_source import ModelSource
from runcomfy_codegen.pipeline.render import Layout, Templates
from runcomfy_codegen.pipeline.render_command import render_command_module
from runcomfy_codegen.pipeline.render_docs import render_doc_page
from runcomfy_codegen.pipeline.render_module import render_model_module, render_types_module
from runcomfy_codegen.pipeline.render_package import catalog_entry
from runcomfy_codegen.pipeline.reuse import ModelPaths

__all__ = ["Rendered", "lend_templates", "render_models"]


@dataclass(frozen=True)
class Rendered:
    """One model's formatted files, its catalog entry and its pydantic classes."""

    files: dict[str, bytes]
    catalog_entry: str
    classes: ModelSource


_WORKER_TEMPLATES: dict[Path | None, Templates] = {}
"""Templates by override folder, in a worker process (or lent by the parent while it renders)."""


@contextlib.contextmanager
def lend_templates(templates: Templates) -> Iterator[None]:
    """Lets work in this process use ``templates`` instead of loading them again."""
    _WORKER_TEMPLATES[templates.override] = templates
    try:
        yield
    finally:
        _WORKER_TEMPLATES.pop(templates.override, None)


def _templates(override: Path | None) -> Templates:
    templates = _WORKER_TEMPLATES.get(override)
    if templates is None:
        templates = _WORKER_TEMPLATES[override] = Templates(override)
    return templates


def render_models(
    override: Path | None,
    layout: Layout,
    pyproject: bytes,
    items: list[tuple[ModelSpec, ModelPaths, ModelSource | None]],
) -> list[Rendered | str]:
    """Render and format the files of some models, in a worker process; a string says why a
    model's pydantic classes could not be generated. Classes an earlier run made come along
    with their spec, so the model generator runs only for the others."""
    templates = _templates(override)
    results: list[Rendered | str] = []
    python: dict[str, bytes] = {}
    todo = [spec for spec, _, known in items if known is None]
    made = iter(model_sources(todo))
    for spec, (module_path, types_path, command_path, doc_path), known in items:
        classes = known or next(made)
        if isinstance(classes, str):
            results.append(classes)
            continue
        python[module_path] = render_model_module(templates, spec, layout)
        python[types_path] = render_types_module(templates, spec, classes)
        python[command_path] = render_command_module(templates, spec, layout)
        doc = {doc_path: render_doc_page(templates, spec)}
        results.append(Rendered(doc, catalog_entry(spec), classes))
    formatted = format_python(python, pyproject)
    for (_, paths, _), result in zip(items, results, strict=True):
        if isinstance(result, Rendered):
            result.files.update((p, formatted[p]) for p in paths if p in formatted)
    return results
