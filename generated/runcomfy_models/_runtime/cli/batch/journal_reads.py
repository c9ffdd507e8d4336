"""Reading the batch journal: one line's row, rows in line order, counts and money."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from typing import Any

from .journal_rows import COLUMNS, JOBS, MAY_EXIST, STATES, JournalRow, row_of

__all__ = ["JournalReads"]


class JournalReads:
    """The queries of :class:`.journal.Journal`; each holds the connection's lock while it
    runs, so that it never lands inside a transaction of another thread."""

    _db: sqlite3.Connection
    _lock: threading.RLock

    def _fetchone(self, sql: str, args: tuple[Any, ...] = ()) -> Any:
        with self._lock:
            return self._db.execute(sql, args).fetchone()

    def get(self, line: int) -> JournalRow | None:
        found = self._fetchone(
            f"SELECT {COLUMNS} FROM lines WHERE line = ?",  # noqa: S608 - constant columns
            (line,),
        )
        return None if found is None else row_of(found)

    def rows_between(self, first: int, last: int) -> dict[int, JournalRow]:
        """The rows of lines ``first``..``last``, by line (one query for many lines)."""
        with self._lock:
            found = self._db.execute(
                f"SELECT {COLUMNS} FROM lines WHERE line BETWEEN ? AND ?",  # noqa: S608
                (first, last),
            ).fetchall()
        return {values[0]: row_of(values) for values in found}

    def rows(self, up_to: int) -> Iterator[JournalRow]:
        """Rows of lines 1..``up_to`` in line order, streamed (not all in memory)."""
        last = 0
        while True:
            with self._lock:
                batch = self._db.execute(
                    f"SELECT {COLUMNS} FROM lines WHERE line > ? AND line <= ? "  # noqa: S608
                    "ORDER BY line LIMIT 500",
                    (last, up_to),
                ).fetchall()
            if not batch:
                return
            for values in batch:
                yield row_of(values)
            last = batch[-1][0]

    def counts(self, up_to: int) -> dict[str, int]:
        with self._lock:
            found = dict(
                self._db.execute(
                    "SELECT state, COUNT(*) FROM lines WHERE line <= ? AND changed = 0 "
                    "GROUP BY state",
                    (up_to,),
                ).fetchall()
            )
        counts = {state: int(found.get(state, 0)) for state in STATES}
        (changed,) = self._fetchone(
            "SELECT COUNT(*) FROM lines WHERE line <= ? AND changed = 1", (up_to,)
        )
        counts["changed"] = int(changed)
        (no_file,) = self._fetchone(
            "SELECT COUNT(*) FROM lines WHERE line <= ? AND changed = 0 AND state = 'done' "
            "AND error IS NOT NULL",
            (up_to,),
        )
        counts["no_file"] = int(no_file)
        return counts

    def total_cost(self, up_to: int) -> float | None:
        """The reported costs of lines 1..``up_to``, jobs a resend replaced included."""
        (cost,) = self._fetchone(
            "SELECT SUM(cost) FROM (SELECT cost FROM lines WHERE line <= ? "
            "UNION ALL SELECT cost FROM earlier WHERE line <= ?)",
            (up_to, up_to),
        )
        return None if cost is None else float(cost)

    def money(self) -> tuple[float, float, int]:
        """(reported costs, estimates of jobs that may exist without a cost yet, such jobs
        without an estimate): what every run of this journal committed, for the budget."""
        spent, pending, unaccounted = self._fetchone(
            "SELECT COALESCE(SUM(cost), 0), "
            "COALESCE(SUM(CASE WHEN cost IS NULL THEN estimate END), 0), "
            "COUNT(CASE WHEN cost IS NULL AND estimate IS NULL THEN 1 END) "
            f"FROM ({JOBS})"  # noqa: S608 - constant SQL
        )
        return float(spent), float(pending), int(unaccounted)

    def earlier_jobs(self, up_to: int) -> dict[int, list[dict[str, Any]]]:
        """Jobs of lines 1..``up_to`` that a resend replaced (``request_id``, ``state``,
        ``cost``, ``estimate``), by line, oldest first."""
        jobs: dict[int, list[dict[str, Any]]] = {}
        with self._lock:
            found = self._db.execute(
                "SELECT line, request_id, state, cost, estimate FROM earlier WHERE line <= ? "
                "ORDER BY rowid",
                (up_to,),
            ).fetchall()
        for line, request_id, state, cost, estimate in found:
            jobs.setdefault(line, []).append(
                {"request_id": request_id, "state": state, "cost": cost, "estimate": estimate}
            )
        return jobs

    def may_exist(self, line: int) -> bool:
        """Whether the line's current job may exist (then it is never reset to pending)."""
        found = self._fetchone(
            f"SELECT 1 FROM lines WHERE line = ? AND {MAY_EXIST}",  # noqa: S608 - constant SQL
            (line,),
        )
        return found is not None
