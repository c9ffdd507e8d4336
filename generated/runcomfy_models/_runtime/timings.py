"""How long each model's jobs took on this machine: a small history in the user's cache folder.

The history feeds :class:`~.schedule.Schedule`, so that a job is polled densely
around its expected finish instead of blindly. It keeps the last ``KEEP`` run
times per model (from ``/result``'s ``created_at`` to ``finished_at``, by the
server's clock, less the time the job was seen waiting in the queue) in one SQLite file, which several processes may use at
once. It lives in ``$RUNCOMFY_CACHE_DIR``, else ``$XDG_CACHE_HOME/runcomfy-models``,
else ``~/.cache/runcomfy-models``. ``RUNCOMFY_TIMING_HISTORY=off`` (or
``RunComfy(learn_timings=False)``) turns it off. Any problem with the file (a
read-only folder, a broken database) turns it off for the process: it never
fails a job.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    import sqlite3

    from .job_types import JobResult

__all__ = ["KEEP", "TimingHistory", "default_history", "job_seconds", "run_seconds"]

logger = logging.getLogger("runcomfy_models")

KEEP: Final = 50
FILE_NAME: Final = "timings.sqlite3"
_OFF: Final = frozenset({"0", "off", "false", "no"})
# Durations beyond a day are taken for a clock glitch.
_LONGEST: Final = 86_400.0


def run_seconds(result: JobResult, queued: float = 0.0) -> float | None:
    """How long a succeeded job ran: its duration less the time it was seen queued."""
    seconds = job_seconds(result)
    if seconds is None or result.state != "succeeded":
        return None
    return max(0.0, seconds - queued)


def job_seconds(result: JobResult) -> float | None:
    """From creation to the end of a finished job, by the server's clock; None if unknown."""
    if result.created_at is None or result.finished_at is None:
        return None
    try:
        seconds = (
            datetime.fromisoformat(result.finished_at) - datetime.fromisoformat(result.created_at)
        ).total_seconds()
    except (TypeError, ValueError):  # unreadable, or one naive and one aware
        return None
    return seconds if 0.0 <= seconds <= _LONGEST else None


class TimingHistory:
    """Recent job durations per model, in a SQLite file (created on first write)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self._broken = False

    def durations(self, model_id: str | None) -> list[float]:
        """The model's recent durations in seconds, oldest first; [] when unknown."""
        if model_id is None or self._broken or not self.path.exists():
            return []
        rows = self._run(
            "SELECT seconds FROM jobs WHERE model_id = ? ORDER BY id DESC LIMIT ?",
            (model_id, KEEP),
        )
        return [float(row[0]) for row in reversed(rows)]

    def record(self, model_id: str | None, result: JobResult, queued: float = 0.0) -> None:
        """Learn a succeeded job's run time: from creation to the end, less ``queued``, the
        seconds it was last seen waiting in the queue (failed and cancelled jobs are not
        learned from: they say little about run time)."""
        seconds = run_seconds(result, queued)
        if model_id is None or seconds is None or self._broken:
            return
        self._run("INSERT INTO jobs (model_id, seconds) VALUES (?, ?)", (model_id, seconds))
        self._run(
            "DELETE FROM jobs WHERE model_id = ? AND id NOT IN "
            "(SELECT id FROM jobs WHERE model_id = ? ORDER BY id DESC LIMIT ?)",
            (model_id, model_id, KEEP),
        )

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def _run(self, sql: str, params: tuple[Any, ...]) -> list[Any]:
        import sqlite3

        with self._lock:
            try:
                if self._db is None:
                    self.path.parent.mkdir(parents=True, exist_ok=True)
                    self._db = sqlite3.connect(
                        self.path, timeout=2.0, isolation_level=None, check_same_thread=False
                    )
                    self._db.execute(
                        "CREATE TABLE IF NOT EXISTS jobs (id INTEGER PRIMARY KEY, "
                        "model_id TEXT NOT NULL, seconds REAL NOT NULL)"
                    )
                    self._db.execute("CREATE INDEX IF NOT EXISTS by_model ON jobs (model_id, id)")
                return self._db.execute(sql, params).fetchall()
            except (sqlite3.Error, OSError) as exc:
                self._broken = True
                logger.debug("job timing history at %s turned off: %s", self.path, exc)
                return []


def history_folder(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    if env.get("RUNCOMFY_CACHE_DIR"):
        return Path(env["RUNCOMFY_CACHE_DIR"])
    base = env.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "runcomfy-models"


_SHARED: dict[Path, TimingHistory] = {}
_SHARED_LOCK = threading.Lock()


def default_history(environ: Mapping[str, str] | None = None) -> TimingHistory | None:
    """The history this process shares, or None when ``RUNCOMFY_TIMING_HISTORY`` is off."""
    env = os.environ if environ is None else environ
    if env.get("RUNCOMFY_TIMING_HISTORY", "").strip().lower() in _OFF:
        return None
    path = history_folder(env) / FILE_NAME
    with _SHARED_LOCK:
        history = _SHARED.get(path)
        if history is None:
            history = _SHARED[path] = TimingHistory(path)
        return history
