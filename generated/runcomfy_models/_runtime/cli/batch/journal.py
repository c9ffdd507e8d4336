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

Every write is a transaction in WAL mode with ``synchronous=FULL``, so what the
journal says survives a crash or ``kill -9`` of the process, and a call that
writes returns only once its write is on disk. While a run goes on,
:meth:`Journal.group_commit` has one thread commit the writes of all workers
together (see :mod:`.group_commit`): the event loop never writes (a read waits
for a commit under way), and an awaited write (:meth:`Journal.apply`) is on disk
when the await returns.
The file is locked for one run at a time.

Money is never forgotten: once a line's job may exist (a request id, a submit
whose outcome is unknown, a reported cost), sending the line again (under
``--resubmit-unknown`` or ``--retry-failed``) first moves that job's request id,
cost and estimate to the ``earlier`` table, in the same transaction, and every
later run counts them (:meth:`Journal.money`). A budget refusal leaves such a
line as it is.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from .. import exits
from .group_commit import GroupCommitter
from .journal_reads import JournalReads
from .journal_rows import (
    FORMAT,
    MAY_EXIST,
    NO_FILE_ERROR,
    SCHEMA,
    STATES,
    JournalError,
    JournalRow,
    busy,
)

__all__ = ["NO_FILE_ERROR", "STATES", "Journal", "JournalError", "JournalRow"]

P = ParamSpec("P")
T = TypeVar("T")


class Journal(JournalReads):
    """The journal of one batch (one inputs file, one model)."""

    def __init__(self, path: Path, model_id: str) -> None:
        self.path = path
        # One connection, used by the caller's thread and (during a run) the committer's;
        # the lock makes each use whole: a read never lands inside another's transaction.
        self._lock = threading.RLock()
        self._in_transaction = False
        self._committer: GroupCommitter | None = None
        try:
            self._db = sqlite3.connect(
                path, timeout=0.5, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise JournalError(f"cannot open the journal {path}: {exc}") from exc
        try:
            self._setup(model_id)
        except sqlite3.OperationalError as exc:
            self._db.close()
            if busy(exc):
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
            for statement in SCHEMA:
                db.execute(statement)
            columns = {row[1] for row in db.execute("PRAGMA table_info(lines)").fetchall()}
            if "estimate" not in columns:  # a journal of an earlier version
                db.execute("ALTER TABLE lines ADD COLUMN estimate REAL")
            stored = dict(db.execute("SELECT key, value FROM meta").fetchall())
            if not stored:
                db.executemany(
                    "INSERT INTO meta (key, value) VALUES (?, ?)",
                    [("model_id", model_id), ("format", FORMAT)],
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
        with self._lock:
            self._db.close()

    # -- group commit ----------------------------------------------------------

    @contextlib.contextmanager
    def group_commit(self) -> Iterator[None]:
        """While inside, every write is committed by one thread, together with the writes
        queued beside it; on the way out everything queued is committed."""
        if self._committer is not None:
            raise RuntimeError("the journal already commits in groups")
        self._committer = GroupCommitter(self._transaction)
        try:
            yield
        finally:
            committer, self._committer = self._committer, None
            committer.close()

    async def apply(self, write: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``write`` (one of the ``mark_*`` methods) off the event loop; it is on disk
        when this returns. Writes run in the order they were asked for."""
        return await self.later(write, *args, **kwargs)

    def later(self, write: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> asyncio.Future[T]:
        """Like :meth:`apply`, returning at once: the write is on disk once the future is
        done (so a caller can wait for it while it waits for something else)."""
        committer = self._committer
        if committer is None:
            done: asyncio.Future[T] = asyncio.get_running_loop().create_future()
            done.set_result(write(*args, **kwargs))
            return done
        return committer.submit_async(lambda: write(*args, **kwargs))

    def queue(self, write: Callable[P, Any], *args: P.args, **kwargs: P.kwargs) -> None:
        """Like :meth:`apply`, without waiting: ``write`` is on disk before any write asked
        for after it, and before the group commit ends."""
        committer = self._committer
        if committer is None:
            write(*args, **kwargs)
        else:
            committer.queue(lambda: write(*args, **kwargs))

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        """One durable transaction; inside another (a group), part of that one."""
        with self._lock:
            if self._in_transaction:
                yield
                return
            self._db.execute("BEGIN IMMEDIATE")
            self._in_transaction = True
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            else:
                try:
                    self._db.execute("COMMIT")
                except BaseException:
                    if self._db.in_transaction:  # (SQLite may keep it open after a failure)
                        self._db.execute("ROLLBACK")
                    raise
            finally:
                self._in_transaction = False

    def _write(self, write: Callable[[], T]) -> T:
        """Do one write durably: in place, or (while a group commit runs, from any other
        thread) through the committer, in order with what is queued, waiting for it."""
        committer = self._committer
        if committer is not None and not committer.in_writer():
            result: T = committer.submit(write).result()
            return result
        with self._transaction():
            return write()

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
        self._db.execute(
            "INSERT INTO earlier (line, request_id, state, cost, estimate, replaced_at) "
            f"SELECT line, request_id, state, cost, estimate, ? FROM lines "  # noqa: S608
            f"WHERE line = ? AND {MAY_EXIST}",
            (time.time(), line),
        )
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
        def write() -> None:
            self._db.execute(
                f"UPDATE lines SET {assignments}, updated_at = ? WHERE line = ?",  # noqa: S608
                (*values, time.time(), line),
            )

        self._write(write)

    def _start(
        self, line: int, digest: str, state: str, error: str | None, estimate: float | None
    ) -> None:
        self._write(lambda: self._upsert(line, digest, state, error, estimate))

    def mark_invalid(self, line: int, digest: str, error: str) -> None:
        self._start(line, digest, "invalid", error, None)

    def mark_prepared(self, line: int, digest: str, estimate: float | None = None) -> None:
        """Written before the submit: nothing has been sent yet."""
        self._start(line, digest, "prepared", None, estimate)

    def mark_submitting(self, line: int, digest: str, estimate: float | None = None) -> None:
        """Written when the submit starts being written: from here on the job may exist."""
        self._start(line, digest, "submitting", None, estimate)

    def mark_left(self, line: int, digest: str, estimate: float | None, reason: str) -> bool:
        """A line the run did not send (a budget stop): pending, with what it would cost.

        A line whose job may exist (unknown, failed with a cost) stays as it is, so that no
        later run takes it for never sent; returns whether the line was marked pending.
        """

        def write() -> bool:
            if self.may_exist(line):
                return False
            self._upsert(line, digest, "pending", reason, estimate)
            return True

        return self._write(write)

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
