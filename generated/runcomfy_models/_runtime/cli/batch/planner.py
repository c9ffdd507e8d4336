"""Deciding, line by line, what a batch run does: skip it, submit it, follow it or save it.

The journal is the memory: a line with a request id is followed, never sent
again; a line whose submit never started being written (``prepared``) is simply
sent; a line whose earlier submit may have reached the server is ``unknown``
and only sent again with ``--resubmit-unknown``; a line whose input changed
since the journal recorded it is reported, not mixed up with the old job.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..inputs import InputProblems, InputShape
from .journal import Journal, JournalRow
from .reader import InputLine

__all__ = ["Planner", "Skip", "Work", "check_record"]

# The journal rows read at once, ahead of the lines being planned.
READ_AHEAD = 256

WorkKind = Literal["submit", "follow", "save"]

_UNKNOWN_NOTE = (
    "an earlier run stopped while submitting this line: the job may exist (and be billed). "
    "Look for it on the Generations page of your RunComfy account; --resubmit-unknown "
    "sends it again, and if the job does exist it is then billed twice"
)


@dataclass(frozen=True, slots=True)
class Work:
    line: int
    hash: str
    kind: WorkKind
    params: dict[str, Any] = field(default_factory=dict)
    request_id: str | None = None
    files: list[str] = field(default_factory=list)
    estimate: float | None = None
    """The estimated cost journaled before its submit (a job followed on a rerun)."""


@dataclass(frozen=True, slots=True)
class Skip:
    line: int
    state: str
    """The progress bucket: done, failed, unknown, invalid, changed."""
    message: str | None = None


def check_record(
    shape: InputShape, record: InputLine, base: Path, root: Path
) -> tuple[dict[str, Any] | None, str | None]:
    """The parameters of a line, or why it is invalid (files are checked, not read).

    Relative file paths start at ``base``; only files below ``root`` may be read.
    """
    if record.data is None:
        return None, record.error
    try:
        params = shape.from_mapping(record.data, base, root)
        shape.check(params)
    except InputProblems as exc:
        return None, "; ".join(exc.problems)
    return params, None


class Planner:
    def __init__(
        self,
        shape: InputShape,
        journal: Journal,
        base: Path,
        root: Path,
        *,
        retry_failed: bool,
        resubmit_unknown: bool,
        saving: bool,
    ) -> None:
        self.shape = shape
        self.journal = journal
        self.base = base
        self.root = root
        self.retry_failed = retry_failed
        self.resubmit_unknown = resubmit_unknown
        self.saving = saving
        self._ahead: dict[int, JournalRow] = {}
        self._ahead_from = self._ahead_to = 0

    def _row(self, line: int) -> JournalRow | None:
        """The journal's row of ``line``, read ``READ_AHEAD`` lines at a time.

        Lines come in increasing order, and this run writes a line only after planning
        it, so the rows read ahead are still what the journal holds when they are used.
        """
        if not self._ahead_from <= line <= self._ahead_to:
            self._ahead_from, self._ahead_to = line, line + READ_AHEAD - 1
            self._ahead = self.journal.rows_between(line, self._ahead_to)
        return self._ahead.get(line)

    def plan(self, record: InputLine) -> Work | Skip:
        line = record.line
        digest = record.hash()
        row = self._row(line)
        if row is not None and row.state not in ("invalid", "pending") and row.hash != digest:
            self.journal.queue(self.journal.mark_changed, line)
            where = f" (request {row.request_id})" if row.request_id else ""
            return Skip(
                line,
                "changed",
                f"line {line}: the input changed since this line was {row.state}{where}; "
                "it is not run again. Use a new --journal to run the new inputs.",
            )
        if row is not None:
            state = row.state
            if state == "done":
                return Skip(line, "done")
            if state == "succeeded":
                if self.saving:
                    files = json.loads(row.files or "[]")
                    return Work(line, digest, "save", files=[str(url) for url in files])
                self.journal.queue(self.journal.mark_done, line, None)
                return Skip(line, "done")
            if state == "submitted" and row.request_id:
                return Work(
                    line, digest, "follow", request_id=row.request_id, estimate=row.estimate
                )
            if state in ("submitting", "submitted") and not self.resubmit_unknown:
                self.journal.queue(self.journal.mark_unknown, line, _UNKNOWN_NOTE)
                return Skip(line, "unknown", f"line {line}: {_UNKNOWN_NOTE}")
            if state == "unknown" and not self.resubmit_unknown:
                return Skip(line, "unknown")
            if state == "failed" and not self.retry_failed:
                return Skip(line, "failed")
        params, problem = check_record(self.shape, record, self.base, self.root)
        if params is None:
            message = problem or "invalid"
            self.journal.queue(self.journal.mark_invalid, line, digest, message)
            # Not printed again: the validation of the whole file before sending listed it.
            return Skip(line, "invalid")
        return Work(line, digest, "submit", params=params)
