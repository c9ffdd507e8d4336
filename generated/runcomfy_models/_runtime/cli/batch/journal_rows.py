"""What the batch journal stores: its tables, its states, the rows it reads back."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any, Final

from .. import exits

__all__ = [
    "COLUMNS",
    "FORMAT",
    "JOBS",
    "MAY_EXIST",
    "NO_FILE_ERROR",
    "SCHEMA",
    "STATES",
    "JournalError",
    "JournalRow",
    "busy",
    "row_of",
]

STATES: Final = (
    "pending",
    "prepared",
    "submitting",
    "submitted",
    "succeeded",
    "done",
    "failed",
    "unknown",
    "invalid",
)

NO_FILE_ERROR: Final = "the output holds no file to download"
"""The error of a done line whose files were asked for (``--download``) but whose output held
none: the job succeeded and is billed, its raw output is in ``output``."""

FORMAT: Final = "1"
SCHEMA: Final = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS lines (
    line INTEGER PRIMARY KEY,
    hash TEXT NOT NULL,
    state TEXT NOT NULL,
    request_id TEXT,
    output TEXT,
    files TEXT,
    paths TEXT,
    error TEXT,
    cost REAL,
    changed INTEGER NOT NULL DEFAULT 0,
    updated_at REAL NOT NULL,
    estimate REAL
)""",
    """CREATE TABLE IF NOT EXISTS earlier (
    line INTEGER NOT NULL,
    request_id TEXT,
    state TEXT NOT NULL,
    cost REAL,
    estimate REAL,
    replaced_at REAL NOT NULL
)""",
)
COLUMNS: Final = (
    "line, hash, state, request_id, output, files, paths, error, cost, changed, estimate"
)
# A job that may exist: it has a request id or a cost, or its submit outcome is unknown.
MAY_EXIST: Final = (
    "(request_id IS NOT NULL OR cost IS NOT NULL OR state IN ('submitting', 'unknown'))"
)
# Every job a line ever had that may exist: its current one and those it replaced.
JOBS: Final = (
    f"SELECT cost, estimate FROM lines WHERE {MAY_EXIST} "
    "UNION ALL SELECT cost, estimate FROM earlier"
)


class JournalError(Exception):
    """The journal cannot be used: another model's, locked by another run, or unreadable.

    ``exit_code`` is decided where the error is raised: 75 (try again later) only
    when another run holds the journal, 65 (fix the command) for everything else.
    """

    def __init__(self, message: str, *, exit_code: int = exits.BAD_INPUT) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass(frozen=True, slots=True)
class JournalRow:
    line: int
    hash: str
    state: str
    request_id: str | None
    output: str | None
    files: str | None
    paths: str | None
    error: str | None
    cost: float | None
    changed: bool
    estimate: float | None = None
    """The estimated cost written before the submit (None: unknown, or no price then)."""


def row_of(values: tuple[Any, ...]) -> JournalRow:
    line, digest, state, request_id, output, files, paths, error, cost, changed, estimate = values
    return JournalRow(
        line, digest, state, request_id, output, files, paths, error, cost, bool(changed), estimate
    )


def busy(exc: sqlite3.Error) -> bool:
    """Whether another connection holds the database (SQLITE_BUSY or SQLITE_LOCKED)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return "locked" in str(exc) or "busy" in str(exc)
