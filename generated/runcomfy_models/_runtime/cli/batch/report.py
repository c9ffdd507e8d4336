"""The end of a batch: the summary, and the results file (JSONL, one record per line)."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, TextIO

import click

from ...outputs import shown_output
from ...pricing import format_usd
from .. import exits
from ..style import styled
from .journal import NO_FILE_ERROR, Journal, JournalRow

__all__ = [
    "Reporter",
    "Summary",
    "UNKNOWN_ADVICE",
    "no_file_message",
    "public_state",
    "write_results",
]

UNKNOWN_ADVICE: Final = (
    "Look for it on the Generations page of your RunComfy account; rerunning with "
    "--resubmit-unknown sends such lines again, and a line whose job does exist is then "
    "billed twice."
)
"""What to do about a line whose submit may have made a job."""

# Journal state -> the state shown to users.
_PUBLIC = {
    "pending": "not_sent",
    "prepared": "not_sent",
    "submitting": "unknown",
    "submitted": "running",
    "succeeded": "not_saved",
}


def public_state(row: JournalRow) -> str:
    if row.changed:
        return "changed"
    if row.state == "done" and row.error == NO_FILE_ERROR:
        return "no_file"
    return _PUBLIC.get(row.state, row.state)


def no_file_message(line: int, request_id: str, output: Any) -> str:
    """What a line whose output held no file to ``--download`` says: the request id and the
    output as RunComfy returned it (the job succeeded and is billed)."""
    return (
        f"line {line}: request {request_id} succeeded (and is billed), but {NO_FILE_ERROR}: "
        f"{shown_output(output)}"
    )


@dataclass(frozen=True)
class Summary:
    counts: dict[str, int]
    cost: float | None

    @classmethod
    def from_journal(cls, journal: Journal, up_to: int) -> Summary:
        raw = journal.counts(up_to)
        counts = {
            "done": raw["done"] - raw["no_file"],
            "no_file": raw["no_file"],
            "failed": raw["failed"],
            "unknown": raw["unknown"] + raw["submitting"],
            "running": raw["submitted"],
            "not_sent": raw["pending"] + raw["prepared"],
            "not_saved": raw["succeeded"],
            "invalid": raw["invalid"],
            "changed": raw["changed"],
        }
        return cls(counts=counts, cost=journal.total_cost(up_to))

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def exit_code(self) -> int:
        """0 when every line is done; 5 when the others are done but held no file to
        ``--download``; else 1."""
        if self.counts["done"] == self.total:
            return exits.OK
        if self.counts["done"] + self.counts["no_file"] == self.total:
            return exits.NO_FILES
        return exits.FAILED

    def text(self) -> str:
        parts = []
        for state, count in self.counts.items():
            if count or state == "done":
                label = state.replace("_", " ")
                color = "green" if state == "done" else "red" if state == "failed" else "yellow"
                parts.append(styled(f"{count} {label}", fg=color, bold=state == "done"))
        text = f"{self.total} lines: " + ", ".join(parts)
        if self.cost is not None:
            text += f"; cost {format_usd(self.cost)}"
        return text


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def result_record(row: JournalRow, earlier: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """One line of the results file; ``earlier``: the line's jobs a resend replaced."""
    return {
        "line": row.line,
        "state": public_state(row),
        "request_id": row.request_id,
        "files": _loads(row.files) or [],
        "paths": _loads(row.paths) or [],
        "output": _loads(row.output),
        "error": row.error,
        "cost": row.cost,
        "estimate": row.estimate,
        "earlier": earlier or [],
    }


@contextlib.contextmanager
def _atomic_text(path: Path) -> Iterator[TextIO]:
    """Write next to ``path`` and rename into place (permissions follow the umask)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        with temp.open("w", encoding="utf-8") as handle:
            yield handle
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
        raise


def write_results(journal: Journal, path: Path, up_to: int) -> int:
    """Write one JSON object per journal line (in line order); returns how many."""
    count = 0
    earlier = journal.earlier_jobs(up_to)
    with _atomic_text(path) as handle:
        for row in journal.rows(up_to):
            record = result_record(row, earlier.get(row.line))
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    return count


def _to_stderr(text: str) -> None:
    click.echo(text, err=True)


class Reporter:
    """Per-line messages on stderr, the first ``limit`` of them; the rest are counted."""

    def __init__(self, echo: Callable[[str], None] | None = None, limit: int = 20) -> None:
        self._echo: Callable[[str], None] = echo or _to_stderr
        self.limit = limit
        self.shown = 0
        self.hidden = 0

    def __call__(self, message: str) -> None:
        if self.shown < self.limit:
            self.shown += 1
            self._echo(message)
        else:
            self.hidden += 1

    def close(self, where: str) -> None:
        if self.hidden:
            click.echo(f"... and {self.hidden} more (see {where})", err=True)
