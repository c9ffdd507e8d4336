"""Group commit: the journal writes of many workers, made durable together by one thread.

Each journal write is a durable transaction (WAL, ``synchronous=FULL``), so each
costs an fsync: about 3 ms on a common disk, spent blocking whichever thread
commits. On the event loop, four writes per job made a batch of 2,000 jobs wait
more than 20 s on the disk alone. A :class:`GroupCommitter` takes the writes off
the loop: its thread runs every write queued so far in one transaction and
commits them with one fsync, then reports each to its caller. When a write of
a group fails, the group is rolled back and its writes are done again one
transaction each, so that only the failing one fails. Writes run in the order they
were queued, and a write is reported done only once it is on disk: a caller that
waits for a write keeps every guarantee of writing it in place.

A write queued without waiting (:meth:`GroupCommitter.queue`) that fails stops
the committer: every later write fails with the same error, and :meth:`close`
raises it, so no state after a lost write is ever recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from contextlib import AbstractContextManager
from typing import Any

__all__ = ["GroupCommitter"]

Op = Callable[[], Any]
# Who hears of a write: nobody, a thread (a concurrent future), or a task on an event loop.
Waiter = Future[Any] | tuple[asyncio.AbstractEventLoop, "asyncio.Future[Any]"] | None
# A write's outcome: (who hears of it, whether it succeeded, its value or error).
Outcome = tuple[Waiter, bool, Any]


class GroupCommitter:
    """One thread committing queued writes in groups.

    ``transaction`` opens one transaction of the store the writes go to (see
    :class:`.journal.Journal`); it rolls back when its body raises. The tasks of an event
    loop waiting for the writes of one group are told with one call into that loop.
    """

    def __init__(
        self,
        transaction: Callable[[], AbstractContextManager[None]],
        *,
        name: str = "runcomfy-journal",
    ) -> None:
        self._transaction = transaction
        # A C queue: putting a write costs no lock dance in Python (the loop puts thousands).
        self._queued: queue.SimpleQueue[tuple[Op, Waiter] | None] = queue.SimpleQueue()
        self._closing = False
        self._failure: BaseException | None = None
        self._unreported: BaseException | None = None
        self._untold: dict[int, BaseException] = {}
        """Failed writes (by their loop future) whose waiting task has not heard yet: a loop
        that stopped, or a task that was cancelled, never will (see :meth:`close`)."""
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def in_writer(self) -> bool:
        """Whether the caller is the committing thread (then it writes in place)."""
        return threading.current_thread() is self._thread

    def submit(self, op: Op) -> Future[Any]:
        """Queue ``op``; the future completes once it is committed (or failed)."""
        future: Future[Any] = Future()
        self._put(op, future)
        return future

    def submit_async(self, op: Op) -> asyncio.Future[Any]:
        """Queue ``op`` from a task; the future (of the running loop) completes once it is
        committed (or failed)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._put(op, (loop, future))
        return future

    def queue(self, op: Op) -> None:
        """Queue ``op`` without waiting for it (its failure stops the committer)."""
        self._put(op, None)

    def _put(self, op: Op, waiter: Waiter) -> None:
        if self._closing:
            raise RuntimeError("the journal's committer is closed")
        self._queued.put((op, waiter))

    def close(self) -> None:
        """Commit everything queued, stop the thread; raise the failure of a write nobody
        waited for, if one failed."""
        if not self._closing:
            self._closing = True
            self._queued.put(None)  # after every write queued so far
        self._thread.join()
        late, _ = _drain(self._queued)  # put by a thread racing this close: committed here
        if late:
            _report(self._commit(late), self)
        if self._unreported is None and self._untold:
            self._unreported = next(iter(self._untold.values()))
        self._untold.clear()
        if self._unreported is not None:
            failure, self._unreported = self._unreported, None
            raise failure

    def _run(self) -> None:
        while True:
            # Wait for a first write, then take every write queued by now.
            group, ended = _drain(self._queued, self._queued.get())
            if group:
                _report(self._commit(group), self)
            if ended:
                return

    def _commit(self, group: list[tuple[Op, Waiter]]) -> list[Outcome]:
        if self._failure is None:
            try:
                with self._transaction():
                    values = [op() for op, _ in group]
            except BaseException:  # noqa: S110 - redone one by one below, each error to its own
                pass
            else:
                pairs = zip(group, values, strict=True)
                return [(waiter, True, value) for (_, waiter), value in pairs]
        # A write failed (or an earlier one did): each write alone, so that one failing
        # write costs no other its place on disk.
        return [self._alone(op, waiter) for op, waiter in group]

    def _alone(self, op: Op, waiter: Waiter) -> Outcome:
        try:
            if self._failure is not None:
                raise self._failure
            with self._transaction():
                return waiter, True, op()
        except BaseException as exc:
            if waiter is None:
                self._fail(exc)
            return waiter, False, exc

    def _fail(self, exc: BaseException) -> None:
        """A write nobody waits for (or whose waiting task is gone) failed: every later write
        fails the same way, and :meth:`close` raises it."""
        if self._failure is None:
            self._failure = exc
            self._unreported = exc


_NOTHING: Any = object()


def _drain(
    queued: queue.SimpleQueue[tuple[Op, Waiter] | None], first: Any = _NOTHING
) -> tuple[list[tuple[Op, Waiter]], bool]:
    """``first`` and every write queued now, in order; and whether the end mark was among
    them (None, put by :meth:`GroupCommitter.close`)."""
    group: list[tuple[Op, Waiter]] = []
    ended = False
    item = first
    while True:
        if item is None:
            ended = True
        elif item is not _NOTHING:
            group.append(item)
        try:
            item = queued.get_nowait()
        except queue.Empty:
            return group, ended


def _report(outcomes: list[Outcome], committer: GroupCommitter) -> None:
    """Tell each waiter its write's outcome: threads at once, each loop in one call. A failure
    stays the committer's until its task has heard of it."""
    by_loop: dict[asyncio.AbstractEventLoop, list[Outcome]] = {}
    for outcome in outcomes:
        waiter, ok, value = outcome
        if isinstance(waiter, Future):
            if ok:
                waiter.set_result(value)
            else:
                waiter.set_exception(value)
        elif waiter is not None:
            if not ok:
                committer._untold[id(waiter[1])] = value
            by_loop.setdefault(waiter[0], []).append(outcome)
    for loop, told in by_loop.items():
        with contextlib.suppress(RuntimeError):  # a closed loop: its tasks will never hear
            loop.call_soon_threadsafe(_settle, told, committer)


def _settle(outcomes: list[Outcome], committer: GroupCommitter) -> None:
    for waiter, ok, value in outcomes:
        assert isinstance(waiter, tuple)
        future = waiter[1]
        if future.done():  # its task was cancelled meanwhile: nobody hears of an error
            if not ok:
                committer._fail(value)
            continue
        if ok:
            future.set_result(value)
        else:
            committer._untold.pop(id(future), None)
            future.set_exception(value)
