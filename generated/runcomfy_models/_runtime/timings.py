"""How long jobs ran on this machine: a small history in the user's cache folder.

The history feeds :class:`~.schedule.Schedule`, so that a job is polled densely
around its expected finish instead of blindly. Run times are kept per *timing
key*: the model plus the values of the inputs that drive its run time (a
video's ``duration`` or ``resolution``, a number of outputs; the generator
names them per model, see :func:`timing_key`), so a 5 s and a 10 s video of one
model each get their own window. It keeps the last ``KEEP`` run times per key
in one SQLite file, which several processes may use at once. It lives in
``$RUNCOMFY_CACHE_DIR``, else ``$XDG_CACHE_HOME/runcomfy-models``, else
``~/.cache/runcomfy-models``. ``RUNCOMFY_TIMING_HISTORY=off`` (or
``RunComfy(learn_timings=False)``) turns it off.

Local state can never cost a job: every value read is checked (a finite number
of seconds, more than 0 and at most a day) and anything else is ignored; any
error from the file or the cache folder (path checks included) turns the history
off for the process with one debug line. Writes are kept in memory and written
in batches by a background thread (what arrives within ``GATHER_SECONDS`` goes
into one transaction), never on the caller's event loop; a key's run
times are read from the file once per process, then kept up to date in memory
(the runs of other processes are seen by the next process).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    import sqlite3

__all__ = [
    "GATHER_SECONDS",
    "KEEP",
    "LONGEST",
    "MemoryTimings",
    "TimingHistory",
    "Timings",
    "default_history",
    "history_folder",
    "timing_key",
    "valid_seconds",
]

logger = logging.getLogger("runcomfy_models")

KEEP: Final = 50
FILE_NAME: Final = "timings.sqlite3"
_OFF: Final = frozenset({"0", "off", "false", "no"})
# A run time beyond a day is taken for a clock glitch or a damaged file.
LONGEST: Final = 86_400.0
# Keys longer than this (long input values) are stored as a digest.
_KEY_LIMIT: Final = 200
# How long the writer gathers run times before writing them in one transaction (a batch ends
# jobs by the hundred: one transaction, with its fsyncs, for each would compete with the
# batch's journal for the disk). flush() cuts it short.
GATHER_SECONDS: Final = 0.1


def valid_seconds(value: object) -> float | None:
    """``value`` as a run time in seconds when it is one (finite, > 0, at most a day)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    seconds = float(value)
    return seconds if math.isfinite(seconds) and 0.0 < seconds <= LONGEST else None


def timing_key(
    model_id: str, payload: Mapping[str, Any] | None = None, inputs: Sequence[str] = ()
) -> str:
    """The history key of a job: the model id plus the values of its timing inputs.

    An input left out of the payload (the model's default) is left out of the key.
    """
    if payload is None or not inputs:
        return model_id
    chosen = {name: payload[name] for name in sorted(set(inputs)) if name in payload}
    if not chosen:
        return model_id
    try:
        values = json.dumps(chosen, sort_keys=True, separators=(",", ":"), default=repr)
    except (TypeError, ValueError, RecursionError):
        return model_id
    key = f"{model_id} {values}"
    if len(key) > _KEY_LIMIT:
        key = f"{model_id} #{hashlib.sha256(values.encode('utf-8', 'replace')).hexdigest()}"
    return key


class Timings:
    """Recent run times per timing key: what the schedule reads and the wait loop feeds."""

    def durations(self, key: str | None) -> list[float]:
        """The key's recent run times in seconds, oldest first; [] when unknown."""
        raise NotImplementedError

    def record(self, key: str | None, seconds: float) -> None:
        """Learn one run time (ignored unless :func:`valid_seconds`)."""
        raise NotImplementedError


class MemoryTimings(Timings):
    """Run times kept for this process only (a batch learns from its own jobs with these)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._runs: dict[str, list[float]] = {}

    def durations(self, key: str | None) -> list[float]:
        if key is None:
            return []
        with self._lock:
            return list(self._runs.get(key, ()))

    def record(self, key: str | None, seconds: float) -> None:
        checked = valid_seconds(seconds)
        if key is None or checked is None:
            return
        with self._lock:
            runs = self._runs.setdefault(key, [])
            runs.append(checked)
            del runs[:-KEEP]


class TimingHistory(Timings):
    """Recent run times per key in a SQLite file (created on first write).

    :meth:`record` queues the write; a background thread writes what is queued in one
    transaction. :meth:`durations` reads a key from the file once, then from memory (which
    :meth:`record` keeps up to date); :meth:`flush` waits for the writes.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()  # the connection
        self._queue_lock = threading.Condition()
        self._queued: list[tuple[str, float]] = []
        self._writing: list[tuple[str, float]] = []
        self._writer: threading.Thread | None = None
        self._flushing = 0
        self._db: sqlite3.Connection | None = None
        self._known: dict[str, list[float]] = {}
        self.broken = False
        """True once a problem turned the history off for this process."""

    def durations(self, key: str | None) -> list[float]:
        if key is None or self.broken:
            return []
        with self._queue_lock:
            known = self._known.get(key)
            if known is not None:
                return list(known)
        try:
            rows = self._read(key)
        except Exception as exc:  # local state must never cost a job
            self._turn_off(exc)
            return []
        found = [s for s in (valid_seconds(row[0]) for row in reversed(rows)) if s is not None]
        with self._queue_lock:
            unsaved = [s for k, s in (*self._writing, *self._queued) if k == key]
            known = self._known[key] = (found + unsaved)[-KEEP:]
            return list(known)

    def record(self, key: str | None, seconds: float) -> None:
        checked = valid_seconds(seconds)
        if key is None or checked is None or self.broken:
            return
        with self._queue_lock:
            self._queued.append((key, checked))
            known = self._known.get(key)
            if known is not None:
                known.append(checked)
                del known[:-KEEP]
            if self._writer is None:
                # Not a daemon: the process waits for the last write (bounded by the busy timeout).
                self._writer = threading.Thread(
                    target=self._write_queued, name="runcomfy-timings", daemon=False
                )
                self._writer.start()

    def flush(self) -> None:
        """Wait until every queued run time is written (or dropped by a problem)."""
        with self._queue_lock:
            self._flushing += 1
            self._queue_lock.notify_all()
            try:
                while self._writer is not None:
                    self._queue_lock.wait()
            finally:
                self._flushing -= 1

    def close(self) -> None:
        self.flush()
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def _write_queued(self) -> None:
        while True:
            with self._queue_lock:
                if not self._queued:  # nothing more: end now (the next record starts a writer)
                    self._writer = None
                    self._queue_lock.notify_all()
                    return
                if not self._flushing:
                    self._queue_lock.wait(GATHER_SECONDS)  # records keep coming meanwhile
                self._writing, self._queued = self._queued, []
                batch = list(self._writing)
            try:
                if not self.broken:
                    self._write(batch)
            except Exception as exc:  # local state must never cost a job
                self._turn_off(exc)
            with self._queue_lock:
                self._writing = []

    def _write(self, batch: list[tuple[str, float]]) -> None:
        with self._lock:
            db = self._connect()
            db.execute("BEGIN IMMEDIATE")  # one transaction for the batch
            try:
                db.executemany("INSERT INTO runs (key, seconds) VALUES (?, ?)", batch)
                for key in sorted({key for key, _ in batch}):
                    db.execute(
                        "DELETE FROM runs WHERE key = ? AND id NOT IN "
                        "(SELECT id FROM runs WHERE key = ? ORDER BY id DESC LIMIT ?)",
                        (key, key, KEEP),
                    )
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def _read(self, key: str) -> list[Any]:
        with self._lock:
            if self._db is None and not self.path.is_file():
                return []  # nothing learned yet; the file is made on the first write
            rows: list[Any] = (
                self._connect()
                .execute(
                    "SELECT seconds FROM runs WHERE key = ? ORDER BY id DESC LIMIT ?", (key, KEEP)
                )
                .fetchall()
            )
            return rows

    def _connect(self) -> sqlite3.Connection:
        import sqlite3

        if self._db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(
                self.path, timeout=2.0, isolation_level=None, check_same_thread=False
            )
            try:
                db.execute(
                    "CREATE TABLE IF NOT EXISTS runs (id INTEGER PRIMARY KEY, "
                    "key TEXT NOT NULL, seconds REAL NOT NULL)"
                )
                db.execute("CREATE INDEX IF NOT EXISTS runs_by_key ON runs (key, id)")
            except BaseException:
                db.close()
                raise
            self._db = db
        return self._db

    def _turn_off(self, exc: BaseException) -> None:
        with self._queue_lock:
            if self.broken:
                return
            self.broken = True
            self._queued = []
            self._known = {}
        logger.debug("job timing history at %s turned off: %s", self.path, exc)


def history_folder(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    if env.get("RUNCOMFY_CACHE_DIR"):
        return Path(env["RUNCOMFY_CACHE_DIR"])
    base = env.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "runcomfy-models"


_SHARED: dict[Path, TimingHistory] = {}
_SHARED_LOCK = threading.Lock()


def default_history(environ: Mapping[str, str] | None = None) -> TimingHistory | None:
    """The history this process shares, or None when ``RUNCOMFY_TIMING_HISTORY`` is off
    or the cache folder cannot even be named (then with one debug line)."""
    env = os.environ if environ is None else environ
    if env.get("RUNCOMFY_TIMING_HISTORY", "").strip().lower() in _OFF:
        return None
    try:
        path = history_folder(env) / FILE_NAME
    except Exception as exc:  # local state must never cost a job
        logger.debug("job timing history turned off: no cache folder (%s)", exc)
        return None
    with _SHARED_LOCK:
        history = _SHARED.get(path)
        if history is None:
            history = _SHARED[path] = TimingHistory(path)
        return history
