"""Run independent per-model work in worker processes, with results in a deterministic order.

Validation, datamodel-code-generator and ruff are CPU-bound and independent from one model to the
next, so a full generation spreads them over one process per CPU. Small jobs stay in-process:
starting workers costs more than a handful of models take. So does everything where forking
is not safe (see :attr:`Workers.parallel`).
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from types import TracebackType
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MIN_PARALLEL = 24
"""Fewer items than this are processed in-process."""

CHUNKS_PER_WORKER = 4
"""Work is cut into this many chunks per worker, so one slow chunk does not hold up the end."""


def default_jobs() -> int:
    """One worker per CPU this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def chunked(items: Sequence[T], chunks: int) -> list[list[T]]:
    """``items`` cut into at most ``chunks`` contiguous runs of nearly equal length, in order."""
    n = len(items)
    chunks = max(1, min(chunks, n))
    size, extra = divmod(n, chunks)
    out: list[list[T]] = []
    start = 0
    for i in range(chunks):
        end = start + size + (1 if i < extra else 0)
        out.append(list(items[start:end]))
        start = end
    return [c for c in out if c]


class Workers:
    """A lazily started process pool shared by the phases of one generation.

    ``map`` hands contiguous chunks of the items to ``fn`` (a module-level function taking and
    returning a list, one result per item) and joins the results in the order of the items.
    """

    def __init__(
        self, jobs: int | None = None, *, before_fork: Callable[[], None] | None = None
    ) -> None:
        self.jobs = default_jobs() if jobs is None else max(1, jobs)
        self._before_fork = before_fork
        """Runs here once, just before the workers start: what it imports, they all share."""
        self._executor: Executor | None = None

    @property
    def parallel(self) -> bool:
        """Whether work goes to worker processes at all.

        Workers are forked: they share the parent's imported modules and need no
        ``if __name__ == "__main__"`` guard in the program that calls the generator. Forking is
        only safe in a process without other threads, and is used on Linux only; elsewhere, or
        with threads running, everything runs in-process.
        """
        return self.jobs > 1 and sys.platform == "linux" and threading.active_count() == 1

    def _pool(self) -> Executor:
        if self._executor is None:
            if self._before_fork is not None:
                self._before_fork()
            context = multiprocessing.get_context("fork")
            self._executor = ProcessPoolExecutor(max_workers=self.jobs, mp_context=context)
        return self._executor

    def map(self, fn: Callable[[list[T]], list[R]], items: Sequence[T]) -> list[R]:
        if not items:
            return []
        if len(items) < MIN_PARALLEL or (self._executor is None and not self.parallel):
            return fn(list(items))
        chunks = chunked(items, self.jobs * CHUNKS_PER_WORKER)
        results: list[R] = []
        for part in self._pool().map(fn, chunks):
            results.extend(part)
        if len(results) != len(items):  # pragma: no cover - a contract violation of ``fn``
            raise RuntimeError(f"{fn.__name__} returned {len(results)} results for {len(items)}")
        return results

    def submit(self, fn: Callable[..., R], *args: Any, size: int) -> Future[R]:
        """Start ``fn(*args)`` in a worker, when ``size`` items make it worth one, else now."""
        if size < MIN_PARALLEL or (self._executor is None and not self.parallel):
            done: Future[R] = Future()
            try:
                done.set_result(fn(*args))
            except Exception as exc:
                done.set_exception(exc)
            return done
        return self._pool().submit(fn, *args)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def __enter__(self) -> Workers:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
