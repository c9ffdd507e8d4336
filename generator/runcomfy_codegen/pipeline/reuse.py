"""What a generation takes from earlier ones instead of making it again: one small interface.

A model's files come, in this order, from the tree on disk for the models ``--model`` leaves
alone, from the local cache (``cache.Cache``), or from the tree's record (``record.py``; a fresh
clone has no cache but has the record). Pydantic classes, formatted shared files and catalog
entries come from the cache. What is made anew is remembered for the next run. Neither source
changes a byte of the output: reused files are exactly what rendering would give.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from runcomfy_codegen.cache import Cache
from runcomfy_codegen.pipeline import record
from runcomfy_codegen.pipeline.analysis import Analysis
from runcomfy_codegen.pipeline.ir import ModelSpec
from runcomfy_codegen.pipeline.pydantic_source import ModelSource, generator_input
from runcomfy_codegen.pipeline.render import Templates
from runcomfy_codegen.pipeline.render_package import catalog_entry
from runcomfy_codegen.pipeline.runtime_files import record_templates_digest, templates_digest

__all__ = ["ModelPaths", "Reuse"]

ModelPaths = tuple[str, str, str, str]
"""A model's files: its module, its pydantic types, its command and its page."""


class Reuse:
    """Consulted and filled while a tree is rendered; ``schema_hashes`` is for its record."""

    def __init__(
        self,
        analysis: Analysis,
        templates: Templates,
        *,
        existing: Mapping[str, bytes] | None,
        cache: Cache | None,
        keep: Iterable[str] = (),
        use_record: bool = True,
    ) -> None:
        self._analysis = analysis
        self._existing = existing
        self._cache = cache
        self._keep = set(keep)
        self.templates_record = record_templates_digest(templates)
        self._recorded = record.trusted(existing, self.templates_record) if use_record else None
        self.template_key = templates_digest(templates) if cache is not None else ""
        self.schema_hashes = dict(analysis.schema_hashes)
        self._model_keys: dict[str, str] = {}
        self._source_keys: dict[str, str] = {}
        self._format_keys: dict[str, str] = {}

    # -- a model's files and classes --------------------------------------------------------

    def model_files(self, spec: ModelSpec, paths: ModelPaths) -> dict[str, bytes] | None:
        """The model's files from an earlier run, or None if they must be rendered."""
        cache, existing = self._cache, self._existing
        key = ""
        if cache is not None:
            spec_key = self._analysis.spec_keys.get(spec.model_id) or repr(spec)
            key = self._model_keys[spec.model_id] = cache.model_key(
                spec_key, paths, self.template_key
            )
        if (
            spec.model_id in self._keep
            and existing is not None
            and all(p in existing for p in paths)
        ):
            self._record_kept(spec.model_id, paths, existing)
            if cache is not None:
                cache.keep(key)
            return {p: existing[p] for p in paths}
        reused = cache.reuse(key, existing) if cache is not None else None
        if reused is None and self._recorded is not None and existing is not None:
            schema = self._analysis.spec_files.get(spec.model_id, "")
            reused = self._recorded.reuse(schema, self.schema_hashes.get(schema), paths, existing)
            if reused is not None and cache is not None:
                cache.remember_files(key, reused)
        return reused

    def _record_kept(self, model_id: str, paths: ModelPaths, existing: Mapping[str, bytes]) -> None:
        """A model kept as it is is recorded as made from its schema file only if the old record
        vouches for its files; else from no schema file (so a check goes through a generation):
        never as made from a schema file it was not rendered from."""
        schema = self._analysis.spec_files.get(model_id)
        if schema is None:
            return
        current = self.schema_hashes.get(schema)
        if self._recorded is None or self._recorded.reuse(schema, current, paths, existing) is None:
            self.schema_hashes[schema] = ""

    def classes(self, spec: ModelSpec) -> ModelSource | None:
        """The model's pydantic classes as the model generator wrote them for the same input."""
        if self._cache is None:
            return None
        key = self._source_keys[spec.model_id] = self._cache.source_key(generator_input(spec))
        return self._cache.model_source(spec.model_id, key)

    def remember_model(
        self, spec: ModelSpec, files: Mapping[str, bytes], classes: ModelSource
    ) -> None:
        if self._cache is not None:
            self._cache.remember_files(self._model_keys[spec.model_id], files)
            self._cache.remember_source(spec.model_id, self._source_keys[spec.model_id], classes)

    # -- the package's shared Python files --------------------------------------------------

    def formatted(self, path: str, made_from: bytes, pyproject: bytes) -> bytes | None:
        """A shared file's formatted text, if an earlier run formatted the same ``made_from``."""
        if self._cache is None:
            return None
        key = self._format_keys[path] = self._cache.format_key(path, made_from, pyproject)
        return self._cache.formatted(key, path, self._existing)

    def remember_formatted(self, path: str, content: bytes) -> None:
        if self._cache is not None:
            self._cache.remember_formatted(self._format_keys[path], content)

    # -- the catalog, and the end ----------------------------------------------------------

    def catalog_entries(
        self, specs: Sequence[ModelSpec], fresh: Mapping[str, str]
    ) -> dict[str, str]:
        """Each model's catalog entry: encoded by the workers that rendered it, else remembered by
        the cache (encoding indented JSON is slow); the others are encoded by ``render_catalog``."""
        entries: dict[str, str] = {}
        for spec in specs:
            key = self._analysis.spec_keys.get(spec.model_id)
            text = fresh.get(spec.model_id)
            if self._cache is not None and key:
                if text is None:
                    text = self._cache.catalog_entry(key)
                if text is None:
                    text = catalog_entry(spec)
                self._cache.remember_catalog_entry(key, text)
            if text is not None:
                entries[spec.model_id] = text
        return entries

    def finish(self, specs: Sequence[ModelSpec]) -> None:
        """The classes of every model still there are kept for the next run."""
        if self._cache is not None:
            self._cache.keep_sources(spec.model_id for spec in specs)
