"""A diff report as text (terminal), JSON (tools) or Markdown (release notes)."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from runcomfy_codegen.lifecycle.changes import (
    Change,
    DiffReport,
    Severity,
    Side,
    by_model,
    grouped,
)
from runcomfy_codegen.lifecycle.diff import printable

FORMATS = ("text", "json", "markdown")

_HEADINGS = {
    Severity.BREAKING: "Breaking",
    Severity.WARNING: "Needs attention",
    Severity.INFO: "Other changes",
}


def _where(change: Change) -> str:
    if change.side is Side.MODEL:
        return ""
    if change.side is Side.PYTHON:
        return f"python {change.path}: "
    return f"{change.path}: "


def render_text(report: DiffReport, old: str, new: str) -> str:
    lines: list[str] = []
    groups = by_model(report.changes)
    for model_id, changes in groups.items():
        lines.append(printable(model_id))
        for head, under in grouped(changes):
            lines.append(f"  {head.severity.value:<8}  {_where(head)}{head.message}")
            # The Python side of the same change: listed with it, counted with it.
            lines.extend(f"  {'':<8}    {_where(c)}{c.message}" for c in under)
    lines.extend(f"note: {n}" for n in report.notes)
    counts = report.counts()
    if report.changes:
        lines.append(
            f"{old} -> {new}: {counts[Severity.BREAKING]} breaking, "
            f"{counts[Severity.WARNING]} warning(s), {counts[Severity.INFO]} info "
            f"in {len(groups)} model(s)"
        )
    else:
        lines.append(f"{old} -> {new}: no changes")
    return "\n".join(lines) + "\n"


def render_json(report: DiffReport, old: str, new: str) -> str:
    counts = report.counts()
    heads = {id(head) for head, _ in grouped(report.sorted_changes())}
    data = {
        "old": old,
        "new": new,
        "summary": {s.value: counts[s] for s in Severity},
        "changes": [
            {
                "model_id": c.model_id,
                "severity": c.severity.value,
                "side": c.side.value,
                "path": c.path,
                "rule": c.rule,
                "message": c.message,
                # False for the Python side of a schema change (counted with that change).
                "counted": id(c) in heads,
            }
            for c in report.sorted_changes()
        ],
        "notes": list(report.notes),
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def code(text: str) -> str:
    """``text`` as a Markdown code span, whatever backticks it holds."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _markdown_item(change: Change) -> str:
    if change.side is Side.MODEL:
        where = ""
    elif change.side is Side.PYTHON:
        where = f"Python {code(change.path)}: "
    else:
        where = f"{code(change.path)}: "
    return f"- {where}{escape(change.message)}"


def escape(text: str) -> str:
    """Messages quote schema text: every character Markdown could interpret is escaped."""
    return re.sub(r"([\\`*_\[\]<>#|~])", r"\\\1", " ".join(text.split()))


def _model_order(groups: dict[str, list[Change]]) -> list[str]:
    return sorted(groups, key=lambda m: (min(c.severity.rank for c in groups[m]), m))


def render_markdown(report: DiffReport, old: str, new: str) -> str:
    counts = report.counts()
    groups = by_model(report.changes)
    lines = [f"## Model changes ({code(old)} → {code(new)})", ""]
    if not report.changes:
        lines += ["No changes to the models.", ""]
    else:
        lines += [
            f"{counts[Severity.BREAKING]} breaking, {counts[Severity.WARNING]} to check, "
            f"{counts[Severity.INFO]} other change(s) in {len(groups)} model(s).",
            "",
        ]
    for model_id in _model_order(groups):
        lines += [f"### {code(printable(model_id))}", ""]
        for severity in Severity:
            items: Sequence[Change] = [c for c in groups[model_id] if c.severity is severity]
            if items:
                lines += [f"**{_HEADINGS[severity]}**", ""]
                for head, under in grouped(items):
                    lines.append(_markdown_item(head))
                    lines += [f"  {_markdown_item(c)}" for c in under]
                lines.append("")
    if report.notes:
        lines += ["### Notes", ""]
        lines += [f"- {escape(n)}" for n in report.notes]
        lines.append("")
    return "\n".join(lines)


def render(report: DiffReport, fmt: str, old: str, new: str) -> str:
    if fmt == "json":
        return render_json(report, old, new)
    if fmt == "markdown":
        return render_markdown(report, old, new)
    return render_text(report, old, new)
