"""``pull``: RunComfy catalog entries -> ``schemas/<model_id>.json``, keeping local annotations.

Everything is read first; only then is anything written, one file at a time and atomically. An
entry that fails the pipeline's checks is reported and not written; a model the catalog no longer
lists is reported and its file kept.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from runcomfy_codegen.lifecycle.catalog_client import CatalogClient
from runcomfy_codegen.lifecycle.changes import count_line
from runcomfy_codegen.lifecycle.diff import diff_entry, printable
from runcomfy_codegen.lifecycle.entry_file import dump_entry, write_atomic
from runcomfy_codegen.lifecycle.local_edits import EditResult, apply_edits
from runcomfy_codegen.pipeline.diagnostics import Collector, Diagnostic, Level, json_pointer
from runcomfy_codegen.pipeline.entry_keys import CATALOG_KEYS, check_model_id, finite
from runcomfy_codegen.pipeline.interpret import build_spec
from runcomfy_codegen.pipeline.load import RawEntry, display_path
from runcomfy_codegen.pipeline.validate import check_entry

Status = Literal["added", "changed", "unchanged", "gone", "failed"]
STATUSES: tuple[Status, ...] = ("added", "changed", "unchanged", "gone", "failed")


@dataclass
class Outcome:
    """What ``pull`` did (or will do) for one model."""

    model_id: str
    status: Status
    detail: str = ""
    path: Path | None = None
    text: str | None = None
    """The file content to write (added and changed only)."""
    diagnostics: list[Diagnostic] = field(default_factory=list)
    edits: list[EditResult] = field(default_factory=list)
    failure: bool = False
    """Whether this outcome makes ``pull`` exit non-zero."""


@dataclass
class PullResult:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(o.failure for o in self.outcomes)

    def counts(self) -> dict[Status, int]:
        counter = Counter(o.status for o in self.outcomes)
        return {s: counter[s] for s in STATUSES}

    def summary(self) -> str:
        counts = self.counts()
        return "pull: " + ", ".join(f"{counts[s]} {s}" for s in STATUSES)


def source_of(base_url: str) -> str:
    return f"RunComfy catalog {base_url}"


def entry_from_record(record: Mapping[str, Any], source: str) -> dict[str, Any]:
    """A catalog answer in our entry format (``input``/``output`` are accepted as aliases)."""
    entry: dict[str, Any] = {"model_id": record.get("model_id"), "source": source}
    entry.update((key, record[key]) for key in CATALOG_KEYS if key in record)
    entry["input_schema"] = record.get("input_schema", record.get("input"))
    if "output_schema" in record or "output" in record:
        entry["output_schema"] = record.get("output_schema", record.get("output"))
    return entry


def _finite_entry(entry: dict[str, Any], c: Collector) -> bool:
    """Strict JSON only: a catalog key holding NaN or Infinity is left out with a warning (like
    a price of -1); a schema holding one fails the model (False)."""
    for key in [k for k in CATALOG_KEYS if k in entry and not finite(entry[k])]:
        c.warning(json_pointer(key), f"catalog key {key!r} is left out: not a finite number")
        del entry[key]
    strict = True
    for key in ("input_schema", "output_schema"):
        if not finite(entry.get(key)):
            c.error(json_pointer(key), "holds NaN or Infinity, which JSON cannot carry")
            strict = False
    return strict


def _errors(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    return [d for d in diagnostics if d.level is Level.ERROR]


def _read_existing(path: Path) -> tuple[dict[str, Any] | None, str]:
    """The current file's entry, or the reason it cannot be used (empty when there is none)."""
    if not path.exists():
        return None, ""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        return None, f"the existing file cannot be read ({exc}); not overwritten"
    if not isinstance(data, dict):
        return None, "the existing file does not hold an entry; not overwritten"
    return data, ""


def _without_source(entry: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entry.items() if k != "source"}


def prepare(
    record: Mapping[str, Any], schemas: Path, source: str, *, expected: str | None = None
) -> Outcome:
    """Turn one catalog answer into an outcome with the text to write; writes nothing."""
    model_id = record.get("model_id")
    shown = model_id if isinstance(model_id, str) else str(expected or "?")
    if not isinstance(model_id, str):
        return Outcome(shown, "failed", "the catalog entry has no model_id", failure=True)
    if expected is not None and model_id != expected:
        return Outcome(
            expected, "failed", f"the catalog answered for {model_id!r} instead", failure=True
        )
    c = Collector(f"{schemas.name}/{printable(model_id)}.json")
    check_model_id(model_id, "", c)
    if c.has_errors:
        return Outcome(
            shown, "failed", "invalid model id; not written", diagnostics=c.items, failure=True
        )
    path = schemas / f"{model_id}.json"
    existing, problem = _read_existing(path)
    if problem:
        return Outcome(model_id, "failed", problem, path=path, failure=True)
    entry = entry_from_record(record, source)
    if not _finite_entry(entry, c):
        return Outcome(
            model_id, "failed", "not strict JSON; not written", diagnostics=c.items, failure=True
        )
    edits: list[EditResult] = []
    local_edits = existing.get("local_edits") if existing else None
    if isinstance(local_edits, list) and local_edits:
        entry, edits = apply_edits(entry, local_edits)
        entry["local_edits"] = local_edits
    try:
        text = dump_entry(entry)
    except ValueError:  # a local edit holding NaN or Infinity
        return Outcome(
            model_id, "failed", "holds NaN or Infinity after local edits; not written", failure=True
        )
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return Outcome(
            model_id,
            "failed",
            "contains a lone surrogate escape (not valid Unicode text); not written",
            path=path,
            failure=True,
        )
    data = json.loads(text)
    raw = RawEntry(path, display_path(path, schemas), model_id, data, text)
    checked, diagnostics = check_entry(raw)
    if checked is not None:
        _, found = build_spec(checked)
        diagnostics = [*diagnostics, *found]
    errors = _errors(diagnostics)
    if errors:
        return Outcome(
            model_id,
            "failed",
            "does not pass validation; not written",
            path=path,
            diagnostics=errors,
            edits=edits,
            failure=True,
        )
    if existing is None:
        where = f"-> {display_path(path, schemas)}"
        return Outcome(
            model_id, "added", where, path=path, text=text, edits=edits, diagnostics=c.items
        )
    if _without_source(existing) == _without_source(data):
        return Outcome(model_id, "unchanged", "", path=path, edits=edits, diagnostics=c.items)
    changes = diff_entry(model_id, existing, data)
    detail = count_line(changes) if changes else "entry details updated"
    return Outcome(
        model_id, "changed", detail, path=path, text=text, edits=edits, diagnostics=c.items
    )


def _has_schema(record: Mapping[str, Any]) -> bool:
    return "input_schema" in record or "input" in record


def _valid_id(model_id: str) -> bool:
    c = Collector("")
    check_model_id(model_id, "", c)
    return not c.has_errors


def local_ids(schemas: Path) -> set[str]:
    """Model ids of the schema files already under ``schemas`` (by their place)."""
    if not schemas.is_dir():
        return set()
    return {
        p.relative_to(schemas).with_suffix("").as_posix()
        for p in schemas.rglob("*.json")
        if p.is_file()
    }


def write_outcomes(outcomes: Iterable[Outcome]) -> None:
    for outcome in outcomes:
        if outcome.text is not None and outcome.path is not None:
            write_atomic(outcome.path, outcome.text)


def pull_ids(
    client: CatalogClient, model_ids: Sequence[str], schemas: Path, *, dry_run: bool = False
) -> PullResult:
    """Pull the named models; an id the catalog does not know is reported and fails the run."""
    source = source_of(client.base_url)
    records: dict[str, dict[str, Any] | None] = {}
    result = PullResult()
    for model_id in dict.fromkeys(model_ids):
        c = Collector(f"{schemas.name}/{printable(model_id)}.json")
        check_model_id(model_id, "", c)
        if c.has_errors:
            result.outcomes.append(
                Outcome(model_id, "failed", "invalid model id", diagnostics=c.items, failure=True)
            )
            continue
        records[model_id] = client.get_model(model_id)
    for model_id, record in records.items():
        if record is None:
            path = schemas / f"{model_id}.json"
            kept = f"; {display_path(path, schemas)} kept" if path.exists() else ""
            result.outcomes.append(
                Outcome(model_id, "gone", f"not in the catalog{kept}", failure=True)
            )
        else:
            result.outcomes.append(prepare(record, schemas, source, expected=model_id))
    result.outcomes.sort(key=lambda o: o.model_id)
    if not dry_run:
        write_outcomes(result.outcomes)
    return result


def pull_all(
    client: CatalogClient,
    schemas: Path,
    *,
    category: str | None = None,
    search: str | None = None,
    page_size: int = 100,
    dry_run: bool = False,
) -> PullResult:
    """Pull every model (matching the filters); without filters, report local models gone upstream."""
    source = source_of(client.base_url)
    records = client.list_models(category=category, search=search, page_size=page_size)
    result = PullResult()
    seen: set[str] = set()
    for listed in records:
        model_id = listed.get("model_id")
        record: Mapping[str, Any] | None = listed
        if isinstance(model_id, str):
            if model_id in seen:
                continue
            seen.add(model_id)
            if not _has_schema(listed) and _valid_id(model_id):
                # A listing without schemas: read the model itself.
                record = client.get_model(model_id)
        if record is None:
            result.outcomes.append(
                Outcome(str(model_id), "failed", "listed but not readable", failure=True)
            )
            continue
        result.outcomes.append(prepare(record, schemas, source))
    known = local_ids(schemas)
    if not category and not search:
        for model_id in sorted(known - seen):
            path = schemas / f"{model_id}.json"
            result.outcomes.append(
                Outcome(
                    model_id,
                    "gone",
                    f"no longer in the catalog; {display_path(path, schemas)} kept",
                    path=path,
                )
            )
    result.outcomes.sort(key=lambda o: o.model_id)
    if not dry_run:
        write_outcomes(result.outcomes)
    return result
