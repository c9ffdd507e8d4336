"""The record a generated tree keeps of what it was generated from, so a check need not render.

``generate`` writes ``.codegen-record`` at the top of the tree: the generator (its version, a
hash of its own sources and the versions of the libraries whose output lands in the tree), a
hash of the templates and the runtime, a hash of every schema file's content, the diagnostics the schemas
gave, and a hash of every other file of the tree. Generation is deterministic, so while the
generator, the templates and every schema file are the recorded ones, a fresh generation would
write exactly the recorded files: ``generate --check`` on a fresh clone, with no cache, then
compares hashes instead of rendering. A hand-edited, missing or extra file differs from the
record and is reported as stale; anything else that differs (a schema, a template, the
generator) sends the check through a real generation, as before.

Hashes are the first 32 hex digits (128 bits) of SHA-256: they detect changes, nobody forges
them. The record is JSON, one entry a line, sorted, so it changes only where the tree does.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from runcomfy_codegen import __version__
from runcomfy_codegen.pipeline.diagnostics import Diagnostic, Level
from runcomfy_codegen.pipeline.interpret import canonical_json
from runcomfy_codegen.pipeline.load import discover, entry_names

RECORD_FILE = ".codegen-record"
_FORMAT = 1
_ABOUT = (
    "What this tree was generated from and a hash of each of its files, so that "
    "`runcomfy-codegen generate --check` compares instead of rendering. "
    "Do not edit: regenerate with `runcomfy-codegen generate`."
)
PINNED_LIBRARIES = ("datamodel-code-generator", "ruff")
"""Libraries pinned exactly because their output is part of the tree."""


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:32]


def _library_versions(names: Iterable[str]) -> str:
    from importlib import metadata

    parts = []
    for name in names:
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:  # pragma: no cover - all are dependencies
            version = "?"
        parts.append(f"{name}={version}")
    return " ".join(parts)


@cache
def sources_digest() -> str:
    """A hash of the generator's own Python sources (not the templates packaged with it)."""
    package = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package)
        if rel.parts[0] == "_templates":  # the templates of an installed wheel
            continue
        h.update(rel.as_posix().encode() + b"\0")
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


@cache
def generator_identity() -> str:
    """What generated the tree: the version, a hash of the sources, the pinned libraries.

    Not the Python version nor unpinned libraries: the tree is the same under every Python the
    generator supports, so a check on another Python still trusts the record.
    """
    return f"{__version__} {sources_digest()[:32]} {_library_versions(PINNED_LIBRARIES)}"


def schema_digest(content: bytes) -> str:
    """The hash of a schema file's content: of its JSON, whatever its formatting and key order
    (the generated tree does not depend on them); of its bytes if it is not JSON."""
    try:
        data = json.loads(content.decode("utf-8"))
        return digest(canonical_json(data).encode("utf-8", "surrogatepass"))
    except (ValueError, RecursionError, UnicodeError):
        return "bytes " + digest(content)


def schema_hashes(schemas: Path, paths: Iterable[Path]) -> dict[str, str]:
    """Display path -> :func:`schema_digest` of each schema file (unreadable ones left out)."""
    out: dict[str, str] = {}
    for path in paths:
        try:
            content = path.read_bytes()
        except OSError:
            continue
        out[entry_names(path, schemas)[0]] = schema_digest(content)
    return out


@dataclass(frozen=True)
class Record:
    generator: str
    templates: str
    models: int
    schemas: Mapping[str, str]
    files: Mapping[str, str]
    diagnostics: tuple[Diagnostic, ...]

    def encode(self) -> bytes:
        data: dict[str, Any] = {
            "about": _ABOUT,
            "format": _FORMAT,
            "generator": self.generator,
            "templates": self.templates,
            "models": self.models,
            "schemas": dict(sorted(self.schemas.items())),
            "diagnostics": [
                [d.file, d.pointer, d.level.value, d.message] for d in sorted(self.diagnostics)
            ],
            "files": dict(sorted(self.files.items())),
        }
        # One entry a line: a regeneration changes the lines of the files it changed only.
        return (json.dumps(data, indent=0, ensure_ascii=True) + "\n").encode("ascii")

    def reuse(
        self,
        schema: str,
        schema_hash: str | None,
        paths: Iterable[str],
        existing: Mapping[str, bytes],
    ) -> dict[str, bytes] | None:
        """A model's files from ``existing``, if its schema file (display path ``schema``) is
        the recorded one and its files on disk are all there as recorded; else None.

        A model's files depend on its schema file, its paths, the templates and the generator
        only, so (with a trusted record) they are then what rendering it would give.
        """
        if schema_hash is None or self.schemas.get(schema) != schema_hash:
            return None
        out: dict[str, bytes] = {}
        for path in paths:
            content = existing.get(path)
            if content is None or self.files.get(path) != digest(content):
                return None
            out[path] = content
        return out

    @classmethod
    def decode(cls, raw: bytes) -> Record | None:
        """The record in ``raw``, or None when it is not one this generator can read."""
        try:
            data = json.loads(raw)
            if not isinstance(data, dict) or data.get("format") != _FORMAT:
                return None
            return cls(
                generator=_text(data["generator"]),
                templates=_text(data["templates"]),
                models=_count(data["models"]),
                schemas=_text_map(data["schemas"]),
                files=_text_map(data["files"]),
                diagnostics=tuple(
                    Diagnostic(_text(f), _text(p), Level(_text(lv)), _text(m))
                    for f, p, lv, m in data["diagnostics"]
                ),
            )
        except (ValueError, KeyError, TypeError):
            return None


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError("not a string")
    return value


def _count(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise TypeError("not a count")
    return value


def _text_map(value: object) -> dict[str, str]:
    if not isinstance(value, dict):
        raise TypeError("not an object")
    return {_text(k): _text(v) for k, v in value.items()}


def make_record(
    templates: str,
    models: int,
    schemas: Mapping[str, str],
    diagnostics: Iterable[Diagnostic],
    files: Mapping[str, bytes],
) -> bytes:
    """The record of a tree made of ``files`` (the record itself left out)."""
    return Record(
        generator=generator_identity(),
        templates=templates,
        models=models,
        schemas=schemas,
        files={p: digest(c) for p, c in files.items() if p != RECORD_FILE},
        diagnostics=tuple(diagnostics),
    ).encode()


@dataclass(frozen=True)
class Verdict:
    """What a check found from the record alone: the schemas' diagnostics, the stale files."""

    diagnostics: list[Diagnostic]
    stale: list[str]
    models: int


def trusted(existing: Mapping[str, bytes] | None, templates: str) -> Record | None:
    """The record of the tree ``existing`` if this generator with these templates made it."""
    raw = existing.get(RECORD_FILE) if existing is not None else None
    record = Record.decode(raw) if raw is not None else None
    if record is None or record.generator != generator_identity():
        return None
    return record if record.templates == templates else None


def check_by_record(schemas: Path, existing: Mapping[str, bytes], templates: str) -> Verdict | None:
    """Check the tree ``existing`` against its record, without rendering.

    None when the record cannot answer (missing, or made by another generator, from other
    templates or other schema files): then only a generation can tell.
    """
    record = trusted(existing, templates)
    if record is None:
        return None
    raw = existing[RECORD_FILE]
    paths, problems = discover(schemas)
    if problems or schema_hashes(schemas, paths) != record.schemas:
        return None
    stale = [
        path
        for path in sorted({*existing, *record.files} - {RECORD_FILE})
        if path not in existing
        or path not in record.files
        or digest(existing[path]) != record.files[path]
    ]
    if record.encode() != raw:  # the record itself was edited
        stale = sorted([*stale, RECORD_FILE])
    return Verdict(sorted(record.diagnostics), stale, record.models)
