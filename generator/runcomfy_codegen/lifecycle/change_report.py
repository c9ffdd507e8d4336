"""The whole change report (schemas and Python API) and its one-screen summary for ``generate``."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from runcomfy_codegen.lifecycle.api_surface import compare_specs, interpret_entries
from runcomfy_codegen.lifecycle.changes import Change, DiffReport, Severity, Side, grouped
from runcomfy_codegen.lifecycle.diff import diff_catalogs, printable
from runcomfy_codegen.pipeline.ir import ModelSpec
from runcomfy_codegen.pipeline.render import PACKAGE
from runcomfy_codegen.pipeline.render_package import render_catalog

CATALOG_FILE = f"{PACKAGE}/_catalog.json"
"""Where the generated tree keeps the catalog it was generated from (the old side of a summary)."""

SUMMARY_LINES = 15
"""At most this many lines from :func:`summarize_change`."""

Entries = Mapping[str, Mapping[str, Any]]


def build_report(
    old: Entries,
    new: Entries,
    *,
    old_label: str = "old",
    new_label: str = "new",
    old_specs: Sequence[ModelSpec] | None = None,
    new_specs: Sequence[ModelSpec] | None = None,
) -> DiffReport:
    """Schema changes plus Python API changes; specs are derived from the entries when not given."""
    report = DiffReport(changes=diff_catalogs(old, new))
    if old_specs is None:
        old_specs, notes = interpret_entries(old, old_label)
        report.notes.extend(notes)
    if new_specs is None:
        new_specs, notes = interpret_entries(new, new_label)
        report.notes.extend(notes)
    report.changes.extend(compare_specs(old_specs, new_specs))
    report.changes.sort(key=Change.sort_key)
    return report


def catalog_entries(data: bytes) -> dict[str, dict[str, Any]]:
    """The entries of a generated ``_catalog.json`` keyed by model id."""
    parsed = json.loads(data.decode("utf-8"))
    models = parsed.get("models") if isinstance(parsed, dict) else parsed
    if not isinstance(models, list):
        raise ValueError("expected {'models': [...]}")
    return {
        m["model_id"]: m
        for m in models
        if isinstance(m, dict) and isinstance(m.get("model_id"), str)
    }


def _headline(report: DiffReport, old: Entries, new: Entries) -> str:
    counts = report.counts()
    added = len(new.keys() - old.keys())
    removed = len(old.keys() - new.keys())
    changed = len({c.model_id for c in report.changes} & old.keys() & new.keys())
    return (
        f"changes since the last generation: {counts[Severity.BREAKING]} breaking, "
        f"{counts[Severity.WARNING]} warning(s), {counts[Severity.INFO]} info "
        f"({added} model(s) added, {removed} removed, {changed} changed)"
    )


def _item(change: Change, *, under: bool = False) -> str:
    where = "" if change.side is Side.MODEL else f"{change.path}: "
    if change.side is Side.PYTHON:
        where = f"python {where}"
    if under:
        return f"      {where}{change.message}"
    return f"  {change.severity.value}  {printable(change.model_id)}  {where}{change.message}"


def summarize_change(
    old_catalog: bytes | None, specs: Sequence[ModelSpec], new_catalog: bytes | None = None
) -> list[str]:
    """A few lines on what changed between the tree on disk and ``specs``; empty if nothing did.

    ``old_catalog`` is the ``runcomfy_models/_catalog.json`` of the tree on disk (``None`` when
    there is no tree yet), ``new_catalog`` the one generated from ``specs`` if at hand. The lines
    hold counts and the breaking and warning items.
    """
    new = catalog_entries(new_catalog if new_catalog is not None else render_catalog(specs))
    if old_catalog is None:
        return [f"first generation: {len(new)} model(s)"] if new else []
    try:
        old = catalog_entries(old_catalog)
    except (UnicodeDecodeError, ValueError, AttributeError):
        return ["the previous _catalog.json could not be read; no change summary"]
    # Only a model whose entry changed (or that came or went) can change: the others are not
    # compared or analysed again (for a large catalog that takes seconds).
    touched = {m for m in old.keys() & new.keys() if old[m] != new[m]}
    old_specs, notes = interpret_entries({m: old[m] for m in touched}, "previous tree")
    report = build_report(
        {m: e for m, e in old.items() if m in touched or m not in new},
        {m: e for m, e in new.items() if m in touched or m not in old},
        old_label="previous tree",
        old_specs=old_specs,
        new_specs=[s for s in specs if s.model_id in touched],
    )
    report.notes.extend(notes)
    if not report.changes:
        return []
    lines = [_headline(report, old, new)]
    # Each counted change, with its Python side (if any) under it, as the full report lists it.
    notable = [
        [_item(head), *(_item(c, under=True) for c in python)]
        for head, python in grouped(report.sorted_changes())
        if head.severity is not Severity.INFO
    ]
    room = SUMMARY_LINES - 3
    shown = taken = 0
    for item in notable:
        if shown + len(item) > room:
            break
        lines.extend(item)
        shown += len(item)
        taken += 1
    if taken < len(notable):
        lines.append(f"  ... and {len(notable) - taken} more")
    lines.append("run `runcomfy-codegen diff` on the schemas for the full report")
    return lines[:SUMMARY_LINES]
