"""files -> load -> validate -> IR -> (models, render) -> the complete output tree, in memory."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from runcomfy_codegen import render
from runcomfy_codegen.diagnostics import Collector, Diagnostic, has_errors, promote_warnings
from runcomfy_codegen.interpret import build_spec, check_collisions
from runcomfy_codegen.ir import ModelSpec
from runcomfy_codegen.load import load_entries
from runcomfy_codegen.models import ModelGenerationError, model_source
from runcomfy_codegen.validate import check_entry
from runcomfy_codegen.write import format_python

RUNTIME_SUFFIXES = (".py", ".md", ".json")


@dataclass
class Build:
    specs: list[ModelSpec] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not has_errors(self.diagnostics)


def analyse(schemas: Path, only: Iterable[str] | None = None, *, strict: bool = False) -> Build:
    """Load and validate every schema and build the IR; no rendering."""
    build = Build()
    entries, diagnostics = load_entries(schemas, only)
    build.diagnostics.extend(diagnostics)
    for entry in entries:
        checked, found = check_entry(entry)
        build.diagnostics.extend(found)
        if checked is None:
            continue
        spec, found = build_spec(checked)
        build.diagnostics.extend(found)
        if spec is not None:
            build.specs.append(spec)
    build.specs.sort(key=lambda s: s.model_id)
    build.diagnostics.extend(check_collisions(build.specs))
    if strict:
        build.diagnostics = promote_warnings(build.diagnostics)
    build.diagnostics.sort()
    return build


def tree_digest(specs: Sequence[ModelSpec]) -> str:
    h = hashlib.sha256()
    for s in sorted(specs, key=lambda s: s.model_id):
        h.update(f"{s.model_id}\0{s.schema_sha256}\n".encode())
    return h.hexdigest()


def _runtime_files(templates: render.Templates) -> dict[str, bytes]:
    root = templates.runtime_dir
    files: dict[str, bytes] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if path.is_file() and path.suffix in RUNTIME_SUFFIXES and "__pycache__" not in rel.parts:
            files[f"{render.PACKAGE}/_runtime/{rel.as_posix()}"] = path.read_bytes()
    return files


def _namespace_inits(
    paths: Iterable[str], templates: render.Templates, digest: str
) -> dict[str, bytes]:
    """An ``__init__.py`` for every package folder that does not have one yet."""
    existing = set(paths)
    out: dict[str, bytes] = {}
    for rel in sorted(existing):
        parts = rel.split("/")[:-1]
        for i in range(2, len(parts) + 1):
            init = "/".join((*parts[:i], "__init__.py"))
            if init not in existing and init not in out:
                dotted = ".".join(parts[:i])
                out[init] = render.render_namespace_init(templates, dotted, digest)
    return out


def _model_paths(spec: ModelSpec, layout: render.Layout) -> tuple[str, str, str]:
    return layout.module_path(spec), layout.command_path(spec), f"docs/{spec.model_id}.md"


def render_tree(
    build: Build,
    templates: render.Templates,
    *,
    keep: Iterable[str] = (),
    existing: Mapping[str, bytes] | None = None,
) -> None:
    """Render every file of the output tree into ``build.files`` (formatted, deterministic).

    Models listed in ``keep`` reuse their files from ``existing`` (the tree on disk) when all of
    them are there, instead of being rendered again.
    """
    specs = build.specs
    layout = render.Layout.of(specs)
    digest = tree_digest(specs)
    python: dict[str, bytes] = {}
    other: dict[str, bytes] = {}
    kept: dict[str, bytes] = {}
    keep_ids = set(keep)
    for spec in specs:
        paths = _model_paths(spec, layout)
        if spec.model_id in keep_ids and existing is not None and all(p in existing for p in paths):
            kept.update((p, existing[p]) for p in paths)
            continue
        try:
            models = model_source(spec)
        except ModelGenerationError as exc:
            c = Collector(spec.source_file)
            c.error("/input_schema", str(exc))
            build.diagnostics.extend(c.items)
            continue
        module_path, command_path, doc_path = paths
        python[module_path] = render.render_model_module(templates, spec, models)
        python[command_path] = render.render_command_module(templates, spec, layout)
        other[doc_path] = render.render_doc_page(templates, spec)
    if not build.ok:
        return
    package = render.PACKAGE
    python[f"{package}/__init__.py"] = render.render_package_init(templates, digest)
    python[f"{package}/_registry.py"] = render.render_registry(templates, specs, layout, digest)
    python[f"{package}/_commands/__init__.py"] = render.render_namespace_init(
        templates, f"{package}._commands", digest
    )
    kept_modules = [p for p in kept if p.startswith(f"{package}/") and p.endswith(".py")]
    python.update(_namespace_inits([*python, *kept_modules], templates, digest))
    pyproject = render.render_pyproject(templates, digest)
    other["pyproject.toml"] = pyproject
    other[f"{package}/py.typed"] = b""
    other[f"{package}/_catalog.json"] = render.render_catalog(specs)
    build.files = {
        **kept,
        **format_python(python, pyproject),
        **other,
        **_runtime_files(templates),
    }


def generate(
    schemas: Path,
    *,
    templates_dir: Path | None = None,
    only: Iterable[str] | None = None,
    strict: bool = False,
    existing: Mapping[str, bytes] | None = None,
) -> Build:
    """Build the whole output tree; with ``only``, other models keep their files in ``existing``."""
    build = analyse(schemas, strict=strict)
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
        render_tree(build, templates, keep=keep, existing=existing)
    finally:
        templates.close()
    return build
