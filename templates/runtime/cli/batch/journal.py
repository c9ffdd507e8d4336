"""The batch journal: one SQLite row per input line, committed before and after each submit.

States of a line:

============  ===============================================================
pending       known not to be on the server (never sent, or refused outright)
prepared      written before the submit; nothing has left the process yet (a
              run that dies here sent nothing: the line is sent on the next run)
submitting    written when the submit request starts being written; if a run
              dies here, the job may or may not exist (reported as unknown,
              never resent unless asked)
submitted     the request id, written the moment the submit returned
succeeded     the job succeeded, output recorded; files not saved yet
done          finished: output recorded (and files saved if asked); with an error, the
              files were asked for but the output held none (NO_FILE_ERROR)
failed        the job failed or was cancelled, or RunComfy refused the input
unknown       a submit whose outcome is unknown
invalid       the line did not validate; nothing was sent
============  ===============================================================

Every write is its own transaction in WAL mode with ``synchronous=FULL``, so
what the journal says survives a crash or ``kill -9`` of the process. The
file is locked for one run at a time.

Money is never forgotten: once a line's job may exist (a request id, a submit
whose outcome is unknown, a reported cost), sending the line again (under
``--resubmit-unknown`` or ``--retry-failed``) first moves that job's request id,
cost and estimate to the ``earlier`` table, in the same transaction, and every
later run counts them (:meth:`Journal.money`). A budget refusal leaves such a
line as it is.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from .. import exits

__all__ = ["NO_FILE_ERROR", "STATES", "Journal", "JournalError", "JournalRow"]

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

_FORMAT: Final = "1"
_SCHEMA: Final = (
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
_COLUMNS: Final = (
    "line, hash, state, request_id, output, files, paths, error, cost, changed, estimate"
)
# A job that may exist: it has a request id or a cost, or its submit outcome is unknown.
_MAY_EXIST: Final = (
    "(request_id IS NOT NULL OR cost IS NOT NULL OR state IN ('submitting', 'unknown'))"
)
# Every job a line ever had that may exist: its current one and those it replaced.
_JOBS: Final = (
    f"SELECT cost, estimate FROM lines WHERE {_MAY_EXIST} "
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


def _row(values: tuple[Any, ...]) -> JournalRow:
    line, digest, state, request_id, output, files, paths, error, cost, changed, estimate = values
    return JournalRow(
        line, digest, state, request_id, output, files, paths, error, cost, bool(changed), estimate
    )


def _busy(exc: sqlite3.Error) -> bool:
    """Whether another connection holds the database (SQLITE_BUSY or SQLITE_LOCKED)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return "locked" in str(exc) or "busy" in str(exc)


class Journal:
    """The journal of one batch (one inputs file, one model)."""

    def __init__(self, path: Path, model_id: str) -> None:
        self.path = path
        try:
            self._db = sqlite3.connect(path, timeout=0.5, isolation_level=None)
        except sqlite3.Error as exc:
            raise JournalError(f"cannot open the journal {path}: {exc}") from exc
        try:
            self._setup(model_id)
        except sqlite3.OperationalError as exc:
            self._db.close()
            if _busy(exc):
                raise JournalError(
                    f"the journal {path} is in use by another batch run; wait for it to end",
                    exit_code=exits.TEMPORARY,
                ) from exc
            raise JournalError(f"cannot use the journal {path}: {exc}") from exc
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise JournalError(f"{path} is not a batch journal: {exc}") from exc
        except JournalError:
            self._db.close()
            raise

    def _setup(self, model_id: str) -> None:
        db = self._db
        db.execute("PRAGMA locking_mode=EXCLUSIVE")
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("BEGIN IMMEDIATE")
        try:
            for statement in _SCHEMA:
                db.execute(statement)
            columns = {row[1] for row in db.execute("PRAGMA table_info(lines)").fetchall()}
            if "estimate" not in columns:  # a journal of an earlier version
                db.execute("ALTER TABLE lines ADD COLUMN estimate REAL")
            stored = dict(db.execute("SELECT key, value FROM meta").fetchall())
            if not stored:
                db.executemany(
                    "INSERT INTO meta (key, value) VALUES (?, ?)",
                    [("model_id", model_id), ("format", _FORMAT)],
                )
            elif stored.get("model_id") != model_id:
                raise JournalError(
                    f"the journal {self.path} belongs to model {stored.get('model_id')!r}, "
                    f"not {model_id!r}; pass another --journal"
                )
            db.execute("UPDATE lines SET changed = 0 WHERE changed = 1")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def close(self) -> None:
        self._db.close()

    # -- reading ---------------------------------------------------------------

    def get(self, line: int) -> JournalRow | None:
        found = self._db.execute(
            f"SELECT {_COLUMNS} FROM lines WHERE line = ?",  # noqa: S608 - constant columns
            (line,),
        ).fetchone()
        return None if found is None else _row(found)

    def rows(self, up_to: int) -> Iterator[JournalRow]:
        """Rows of lines 1..``up_to`` in line order, streamed (not all in memory)."""
        cursor = self._db.execute(
            f"SELECT {_COLUMNS} FROM lines WHERE line <= ? ORDER BY line",  # noqa: S608
            (up_to,),
        )
        while batch := cursor.fetchmany(500):
            for values in batch:
                yield _row(values)

    def counts(self, up_to: int) -> dict[str, int]:
        found = dict(
            self._db.execute(
                "SELECT state, COUNT(*) FROM lines WHERE line <= ? AND changed = 0 GROUP BY state",
                (up_to,),
            ).fetchall()
        )
        counts = {state: int(found.get(state, 0)) for state in STATES}
        (changed,) = self._db.execute(
            "SELECT COUNT(*) FROM lines WHERE line <= ? AND changed = 1", (up_to,)
        ).fetchone()
        counts["changed"] = int(changed)
        (no_file,) = self._db.execute(
            "SELECT COUNT(*) FROM lines WHERE line <= ? AND changed = 0 AND state = 'done' "
            "AND error IS NOT NULL",
            (up_to,),
        ).fetchone()
        counts["no_file"] = int(no_file)
        return counts

    def total_cost(self, up_to: int) -> float | None:
        """The reported costs of lines 1..``up_to``, jobs a resend replaced included."""
        (cost,) = self._db.execute(
            "SELECT SUM(cost) FROM (SELECT cost FROM lines WHERE line <= ? "
            "UNION ALL SELECT cost FROM earlier WHERE line <= ?)",
            (up_to, up_to),
        ).fetchone()
        return None if cost is None else float(cost)

    def money(self) -> tuple[float, float, int]:
        """(reported costs, estimates of jobs that may exist without a cost yet, such jobs
        without an estimate): what every run of this journal committed, for the budget."""
        spent, pending, unaccounted = self._db.execute(
            "SELECT COALESCE(SUM(cost), 0), "
            "COALESCE(SUM(CASE WHEN cost IS NULL THEN estimate END), 0), "
            "COUNT(CASE WHEN cost IS NULL AND estimate IS NULL THEN 1 END) "
            f"FROM ({_JOBS})"
        ).fetchone()
        return float(spent), float(pending), int(unaccounted)

    def earlier_jobs(self, up_to: int) -> dict[int, list[dict[str, Any]]]:
        """Jobs of lines 1..``up_to`` that a resend replaced (``request_id``, ``state``,
        ``cost``, ``estimate``), by line, oldest first."""
        jobs: dict[int, list[dict[str, Any]]] = {}
        for line, request_id, state, cost, estimate in self._db.execute(
            "SELECT line, request_id, state, cost, estimate FROM earlier WHERE line <= ? "
            "ORDER BY rowid",
            (up_to,),
        ):
            jobs.setdefault(line, []).append(
                {"request_id": request_id, "state": state, "cost": cost, "estimate": estimate}
            )
        return jobs

    def may_exist(self, line: int) -> bool:
        """Whether the line's current job may exist (then it is never reset to pending)."""
        found = self._db.execute(
            f"SELECT 1 FROM lines WHERE line = ? AND {_MAY_EXIST}",  # noqa: S608 - constant SQL
            (line,),
        ).fetchone()
        return found is not None

    # -- writing (each call is one durable transaction) -----------------------

    def _upsert(
        self,
        line: int,
        digest: str,
        state: str,
        error: str | None = None,
        estimate: float | None = None,
    ) -> None:
        """Start the line afresh; a job it had that may exist moves to ``earlier`` first."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.execute(
                "INSERT INTO earlier (line, request_id, state, cost, estimate, replaced_at) "
                f"SELECT line, request_id, state, cost, estimate, ? FROM lines "
                f"WHERE line = ? AND {_MAY_EXIST}",
                (time.time(), line),
            )
            self._reset(line, digest, state, error, estimate)
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    def _reset(
        self, line: int, digest: str, state: str, error: str | None, estimate: float | None
    ) -> None:
        self._db.execute(
            "INSERT INTO lines (line, hash, state, error, changed, updated_at, estimate) "
            "VALUES (?, ?, ?, ?, 0, ?, ?) "
            "ON CONFLICT (line) DO UPDATE SET hash = excluded.hash, state = excluded.state, "
            "request_id = NULL, output = NULL, files = NULL, paths = NULL, "
            "error = excluded.error, cost = NULL, changed = 0, updated_at = excluded.updated_at, "
            "estimate = excluded.estimate",
            (line, digest, state, error, time.time(), estimate),
        )

    def _update(self, line: int, assignments: str, values: tuple[Any, ...]) -> None:
        self._db.execute(
            f"UPDATE lines SET {assignments}, updated_at = ? WHERE line = ?",  # noqa: S608
            (*values, time.time(), line),
        )

    def mark_invalid(self, line: int, digest: str, error: str) -> None:
        self._upsert(line, digest, "invalid", error)

    def mark_prepared(self, line: int, digest: str, estimate: float | None = None) -> None:
        """Written before the submit: nothing has been sent yet."""
        self._upsert(line, digest, "prepared", estimate=estimate)

    def mark_submitting(self, line: int, digest: str, estimate: float | None = None) -> None:
        """Written when the submit starts being written: from here on the job may exist."""
        self._upsert(line, digest, "submitting", estimate=estimate)

    def mark_left(self, line: int, digest: str, estimate: float | None, reason: str) -> bool:
        """A line the run did not send (a budget stop): pending, with what it would cost.

        A line whose job may exist (unknown, failed with a cost) stays as it is, so that no
        later run takes it for never sent; returns whether the line was marked pending.
        """
        if self.may_exist(line):
            return False
        self._upsert(line, digest, "pending", reason, estimate)
        return True

    def mark_submitted(self, line: int, request_id: str) -> None:
        self._update(line, "state = 'submitted', request_id = ?, error = NULL", (request_id,))

    def mark_pending(self, line: int, error: str) -> None:
        """The submit certainly created no job."""
        self._update(line, "state = 'pending', request_id = NULL, error = ?", (error,))

    def mark_unknown(self, line: int, error: str) -> None:
        self._update(line, "state = 'unknown', error = ?", (error,))

    def mark_failed(self, line: int, error: str, cost: float | None = None) -> None:
        self._update(line, "state = 'failed', error = ?, cost = ?", (error, cost))

    def mark_succeeded(
        self,
        line: int,
        output: str,
        files: str,
        cost: float | None,
        *,
        done: bool = False,
        error: str | None = None,
    ) -> None:
        """The job succeeded, its output (the raw JSON RunComfy returned) recorded.

        With ``done`` (the batch saves no files: no ``--download``; or there are none, then
        with ``error`` :data:`NO_FILE_ERROR`) the line is finished in the same transaction.
        """
        self._update(
            line,
            f"state = '{'done' if done else 'succeeded'}', output = ?, files = ?, paths = NULL, "
            "cost = ?, error = ?",
            (output, files, cost, error),
        )

    def mark_done(self, line: int, paths: str | None) -> None:
        self._update(line, "state = 'done', paths = ?, error = NULL", (paths,))

    def mark_not_saved(self, line: int, error: str) -> None:
        """The job succeeded but its files could not be saved (a rerun tries again)."""
        self._update(line, "error = ?", (error,))

    def mark_changed(self, line: int) -> None:
        self._update(line, "changed = 1", ())
