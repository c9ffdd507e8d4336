"""The runtime (``templates/runtime/``), copied into the package as it is, and what it weighs in
the tree's record. Its sync twins are committed beside their async sources (see ``unasync``)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from runcomfy_codegen.pipeline.diagnostics import Diagnostic, Level
from runcomfy_codegen.pipeline.render import PACKAGE, Templates
from runcomfy_codegen.pipeline.unasync import UnasyncError, stale_twins

__all__ = ["record_templates_digest", "runtime_files", "templates_digest", "twin_diagnostics"]

RUNTIME_SUFFIXES = (".py", ".md", ".json")


def _runtime_sources(templates: Templates) -> Iterator[tuple[str, bytes]]:
    """(posix path below the runtime folder, content) of every runtime file, sorted."""
    root = templates.runtime_dir
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if path.is_file() and path.suffix in RUNTIME_SUFFIXES and "__pycache__" not in rel.parts:
            yield rel.as_posix(), path.read_bytes()


def runtime_files(templates: Templates) -> dict[str, bytes]:
    """The runtime's files under the package's ``_runtime/``."""
    return {f"{PACKAGE}/_runtime/{rel}": content for rel, content in _runtime_sources(templates)}


def twin_diagnostics(templates: Templates) -> list[Diagnostic]:
    """An error for each sync twin in the runtime that its async source no longer derives."""
    try:
        stale = stale_twins(templates.runtime_dir)
    except (OSError, UnasyncError) as exc:
        return [
            Diagnostic("templates/runtime", "", Level.ERROR, f"cannot derive the sync twins: {exc}")
        ]
    return [
        Diagnostic(
            f"templates/runtime/{path.name}",
            "",
            Level.ERROR,
            "differs from what its async source derives: run `runcomfy-codegen derive`",
        )
        for path in stale
    ]


def templates_digest(templates: Templates) -> str:
    """The templates in use (overrides applied), for cache keys."""
    h = hashlib.sha256()
    for name, source in templates.sources():
        h.update(f"{name}\0{source}\0".encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def record_templates_digest(templates: Templates) -> str:
    """What the tree's record says of the templates: the templates in use and the runtime."""
    h = hashlib.sha256(templates_digest(templates).encode())
    for rel, content in _runtime_sources(templates):
        h.update(f"{rel}\0".encode("utf-8", "surrogatepass"))
        h.update(hashlib.sha256(content).digest())
    return h.hexdigest()[:32]
