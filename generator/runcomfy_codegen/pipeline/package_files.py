"""The package's shared Python files: its ``__init__``, the registry and the namespace packages.

They are known from the layout alone and rendered before the models; the namespace
``__init__.py`` files are many and all alike, so the ones an earlier run formatted from the same
input are reused without rendering them again.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from runcomfy_codegen.pipeline.ir import ModelSpec
from runcomfy_codegen.pipeline.render import PACKAGE, Layout, Templates
from runcomfy_codegen.pipeline.render_package import (
    render_namespace_init,
    render_package_init,
    render_registry,
)
from runcomfy_codegen.pipeline.reuse import ModelPaths, Reuse

__all__ = ["SharedFiles", "ids_digest", "model_paths", "shared_files", "tree_digest"]


def tree_digest(specs: Sequence[ModelSpec]) -> str:
    """The digest of every model's id and schema: what the registry is made from."""
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


def model_paths(spec: ModelSpec, layout: Layout) -> ModelPaths:
    """The model's files: its module, its pydantic types, its command and its page."""
    return (
        layout.module_path(spec),
        layout.types_path(spec),
        layout.command_path(spec),
        f"docs/{spec.model_id}.md",
    )


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
    existing = {p for p in paths if p.startswith(f"{PACKAGE}/") and p.endswith(".py")}
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


@dataclass
class SharedFiles:
    """Reused files (formatted already), and the ones still to format."""

    done: dict[str, bytes] = field(default_factory=dict)
    todo: dict[str, bytes] = field(default_factory=dict)

    def offer(
        self,
        reuse: Reuse,
        path: str,
        made_from: bytes,
        content: bytes | Callable[[], bytes],
        pyproject: bytes,
    ) -> None:
        reused = reuse.formatted(path, made_from, pyproject)
        if reused is not None:
            self.done[path] = reused
        else:
            self.todo[path] = content if isinstance(content, bytes) else content()


def shared_files(
    specs: Sequence[ModelSpec],
    layout: Layout,
    templates: Templates,
    pyproject: bytes,
    reuse: Reuse,
) -> SharedFiles:
    """Package init, registry and namespace packages, reused where an earlier run made them."""
    all_ids = ids_digest(s.model_id for s in specs)
    shared = SharedFiles()
    python = {
        f"{PACKAGE}/__init__.py": render_package_init(templates, all_ids),
        f"{PACKAGE}/_registry.py": render_registry(templates, specs, layout, tree_digest(specs)),
    }
    for path, content in python.items():
        shared.offer(reuse, path, content, content, pyproject)
    modules = [p for spec in specs for p in model_paths(spec, layout)[:3]]
    for path, (dotted, digest) in _namespace_inits([*python, *modules], specs).items():
        made_from = f"namespace\0{reuse.template_key}\0{dotted}\0{digest}".encode()
        render = functools.partial(render_namespace_init, templates, dotted, digest)
        shared.offer(reuse, path, made_from, render, pyproject)
    return shared
