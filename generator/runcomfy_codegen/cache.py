"""A local memo of earlier generations, so a regeneration rebuilds only what changed.

The cache lives in the output folder (``generated/.codegen-cache/``, ignored by git and by the
tree comparison). It is JSON read back into the generator's own classes only (never a pickle),
and signed with a key kept outside the output folder (in the user's cache folder), so a cache
file that came with a copied tree, or was added by hand, is ignored rather than trusted. It
remembers:

- per schema file, the result of validating it and building its IR (the spec and the
  diagnostics), keyed by the file's text and place;
- per model, the hashes of the files rendered from its spec, keyed by the spec, the file paths
  and the templates; and per shared Python file, the hash of its formatted text keyed by the
  unformatted one;
- per model, its pydantic classes as datamodel-code-generator wrote them, keyed by everything
  the generator was given (:func:`~runcomfy_codegen.pipeline.pydantic_source.generator_input`): a change to a
  schema's documentation renders the model again without running (or importing) it.

Every key also holds the generator's digest: its version, the hash of its own source files, the
Python version and the versions of datamodel-code-generator and ruff. So a change to the
generator, a template or a library rebuilds everything it can affect, and an entry is only ever
a fact ("this input gives that output"). Files are reused from the tree on disk only when their
bytes still hash to what was recorded: a hand-edited file is rendered again, and ``--check``
reports it like a full rebuild would.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import sys
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TypeVar

from runcomfy_codegen.cache_codec import CacheFormatError, Codec
from runcomfy_codegen.pipeline.diagnostics import Diagnostic
from runcomfy_codegen.pipeline.ir import Field, FieldType, LiteralType, ModelSpec, Validation
from runcomfy_codegen.pipeline.pydantic_source import ModelSource
from runcomfy_codegen.pipeline.record import generator_identity
from runcomfy_codegen.pipeline.write import CACHE_DIR

CACHE_FILE = "cache.json"
_MAGIC = b"runcomfy-codegen cache 4\n"
KEY_FILE = "cache-key"
"""The signing key's file name, in :func:`key_folder`."""

V = TypeVar("V")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _key(*parts: str | bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        raw = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        h.update(len(raw).to_bytes(8, "big"))
        h.update(raw)
    return h.hexdigest()


@cache
def generator_digest() -> str:
    """What the generator is: the tree record's identity (version, sources, pinned libraries),
    and also Python's version and jinja2's, which a cached render may depend on."""
    from importlib import metadata

    try:
        jinja = metadata.version("jinja2")
    except metadata.PackageNotFoundError:  # pragma: no cover - a dependency
        jinja = "?"
    return _key("generator", generator_identity(), sys.version, jinja)


def key_folder(environ: Mapping[str, str] | None = None) -> Path:
    """Where the signing key lives: ``$XDG_CACHE_HOME/runcomfy-codegen`` (else
    ``~/.cache/runcomfy-codegen``), never inside an output folder that could be copied."""
    env = os.environ if environ is None else environ
    base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "runcomfy-codegen"


def signing_key(*, create: bool) -> bytes | None:
    """This user's key for signing caches (made on first save), or None when it cannot be
    read or made: then nothing is cached."""
    path = key_folder() / KEY_FILE
    try:
        key = path.read_bytes()
    except FileNotFoundError:
        if not create:
            return None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another run made it first
            return signing_key(create=False)
        except OSError:
            return None
        key = secrets.token_bytes(32)
        with os.fdopen(fd, "wb") as f:
            f.write(key)
        return key
    except OSError:
        return None
    return key if len(key) == 32 else None


def _mac(key: bytes, payload: bytes) -> bytes:
    return hmac.new(key, payload, hashlib.sha256).hexdigest().encode()


@dataclass(frozen=True)
class Analysed:
    """The outcome of validating one schema file and building its IR."""

    spec: ModelSpec | None
    diagnostics: tuple[Diagnostic, ...]


@dataclass
class _Entries:
    analysed: dict[str, Analysed] = field(default_factory=dict)
    files: dict[str, dict[str, str]] = field(default_factory=dict)
    """Model key -> {path: sha256 of the rendered file}."""
    formatted: dict[str, str] = field(default_factory=dict)
    """Shared file key -> sha256 of its formatted text."""
    catalog: dict[str, str] = field(default_factory=dict)
    """Analysis key -> the model's entry in ``_catalog.json``."""
    sources: dict[str, tuple[str, ModelSource]] = field(default_factory=dict)
    """Model id -> (source key, its pydantic classes); one per model, kept while it exists."""


_CODEC = Codec(
    [
        Analysed,
        _Entries,
        ModelSpec,
        Field,
        FieldType,
        LiteralType,
        Validation,
        Diagnostic,
        ModelSource,
    ]
)


def _carried(old: dict[str, V], new: dict[str, V], key: str) -> V | None:
    """The entry under ``key``, this run's or else the last run's (then kept for the next)."""
    found = new.get(key)
    if found is None:
        found = old.get(key)
        if found is not None:
            new[key] = found
    return found


class Cache:
    """Load with :meth:`load`, consult and fill while generating, then :meth:`save`.

    Entries that a run did not use are dropped when it saves, so the cache holds one tree's worth.
    """

    def __init__(self, directory: Path | None = None, entries: _Entries | None = None) -> None:
        self.directory = directory
        self._old = entries or _Entries()
        self._new = _Entries()
        self.digest = generator_digest()

    @classmethod
    def load(cls, out: Path) -> Cache:
        """The cache of the output folder ``out`` (empty when missing or unreadable)."""
        directory = out / CACHE_DIR
        entries: _Entries | None = None
        key = signing_key(create=False)
        try:
            data = (directory / CACHE_FILE).read_bytes()
        except OSError:
            data = b""
        mac, _, payload = data[len(_MAGIC) :].partition(b"\n")
        if (
            key is not None
            and data.startswith(_MAGIC)
            and hmac.compare_digest(mac, _mac(key, payload))
        ):
            try:
                loaded = _CODEC.loads(payload, _Entries)
            except (CacheFormatError, TypeError, ValueError, RecursionError):  # another version
                loaded = None
            if isinstance(loaded, _Entries):
                entries = loaded
        return cls(directory, entries)

    # -- validation and IR ------------------------------------------------------------------

    def analysis_key(self, display_path: str, relative_id: str, content: bytes) -> str:
        """The key of a schema file's analysis: its bytes and its place (the path diagnostics
        name, and the model id the place implies), not where the folder happens to be."""
        return _key("analysis", self.digest, display_path, relative_id, content)

    def analysed(self, key: str) -> Analysed | None:
        return _carried(self._old.analysed, self._new.analysed, key)

    def remember_analysed(self, key: str, value: Analysed) -> None:
        self._new.analysed[key] = value

    # -- model files ------------------------------------------------------------------------

    def model_key(self, spec: str, paths: tuple[str, ...], templates_digest: str) -> str:
        """The key of a model's files; ``spec`` identifies the spec: the analysis key of its
        schema file, or else the spec's ``repr`` (which spells out every field)."""
        return _key("model", self.digest, templates_digest, spec, *paths)

    def reuse(self, key: str, existing: Mapping[str, bytes] | None) -> dict[str, bytes] | None:
        """The files recorded under ``key``, taken from ``existing`` if all are there unchanged."""
        hashes = self._recorded_files(key)
        if hashes is None or existing is None:
            return None
        out: dict[str, bytes] = {}
        for path, digest in hashes.items():
            content = existing.get(path)
            if content is None or sha256(content) != digest:
                return None
            out[path] = content
        self._new.files[key] = hashes
        return out

    def _recorded_files(self, key: str) -> dict[str, str] | None:
        hashes = self._new.files.get(key)
        return self._old.files.get(key) if hashes is None else hashes

    def keep(self, key: str) -> None:
        """Carry the entry of a model whose files were kept by other means into the next run."""
        hashes = self._recorded_files(key)
        if hashes is not None:
            self._new.files[key] = hashes

    def remember_files(self, key: str, files: Mapping[str, bytes]) -> None:
        self._new.files[key] = {path: sha256(content) for path, content in sorted(files.items())}

    # -- formatting of shared files ---------------------------------------------------------

    def format_key(self, path: str, unformatted: bytes, config: bytes) -> str:
        return _key("format", self.digest, path, unformatted, config)

    def formatted(self, key: str, path: str, existing: Mapping[str, bytes] | None) -> bytes | None:
        """The formatted text recorded under ``key``, if ``existing`` still has it at ``path``."""
        digest = self._new.formatted.get(key)
        if digest is None:
            digest = self._old.formatted.get(key)
        content = existing.get(path) if existing is not None else None
        if digest is None or content is None or sha256(content) != digest:
            return None
        self._new.formatted[key] = digest
        return content

    def remember_formatted(self, key: str, content: bytes) -> None:
        self._new.formatted[key] = sha256(content)

    # -- catalog entries --------------------------------------------------------------------

    def catalog_entry(self, key: str) -> str | None:
        return _carried(self._old.catalog, self._new.catalog, key)

    def remember_catalog_entry(self, key: str, text: str) -> None:
        self._new.catalog[key] = text

    # -- pydantic classes -------------------------------------------------------------------

    def source_key(self, generator_input: str) -> str:
        return _key("source", self.digest, generator_input)

    def model_source(self, model_id: str, key: str) -> ModelSource | None:
        """The classes recorded for ``model_id`` if they were generated from the same input."""
        recorded = self._new.sources.get(model_id) or self._old.sources.get(model_id)
        if recorded is None or recorded[0] != key:
            return None
        self._new.sources[model_id] = recorded
        return recorded[1]

    def remember_source(self, model_id: str, key: str, source: ModelSource) -> None:
        self._new.sources[model_id] = (key, source)

    def keep_sources(self, model_ids: Iterable[str]) -> None:
        """Carry the classes of these models (whose files were reused) into the next run."""
        for model_id in model_ids:
            if model_id not in self._new.sources and model_id in self._old.sources:
                self._new.sources[model_id] = self._old.sources[model_id]

    # -- storage ----------------------------------------------------------------------------

    def _unchanged(self) -> bool:
        old, new = self._old, self._new
        return (
            old.analysed.keys() == new.analysed.keys()
            and old.files.keys() == new.files.keys()
            and old.formatted.keys() == new.formatted.keys()
            and old.catalog.keys() == new.catalog.keys()
            and {k: v[0] for k, v in old.sources.items()}
            == {k: v[0] for k, v in new.sources.items()}
        )

    def save(self) -> None:
        """Write what this run used or made; never fails the run (a cache is only a shortcut)."""
        if self.directory is None or not self.directory.parent.is_dir():
            return
        if self._unchanged() and (self.directory / CACHE_FILE).is_file():
            return  # entries are facts: the same keys hold the same values
        try:
            self.directory.mkdir(exist_ok=True)
            ignore = self.directory / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# Local cache of runcomfy-codegen; never committed.\n*\n")
            key = signing_key(create=True)
            if key is None:
                return
            payload = _CODEC.dumps(self._new)
            data = _MAGIC + _mac(key, payload) + b"\n" + payload
            fd, tmp = tempfile.mkstemp(prefix=".cache-", dir=self.directory)
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
                os.replace(tmp, self.directory / CACHE_FILE)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except (OSError, ValueError, TypeError):
            pass
