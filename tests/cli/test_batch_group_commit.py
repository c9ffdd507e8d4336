"""The journal's group commit: writes off the event loop, in order, on disk when reported."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from runcomfy_models._runtime.cli import cli
from runcomfy_models._runtime.cli.batch.group_commit import GroupCommitter
from runcomfy_models._runtime.cli.batch.journal import Journal
from runcomfy_models._runtime.emulator import RunningEmulator

from .support import FAST, REFRAME, TOKEN, reframe_line, write_jsonl


def _reopened(path: Path) -> dict[int, tuple[str, str | None]]:
    """What a later run reads: (state, request id) by line."""
    journal = Journal(path, "a/b")
    try:
        return {row.line: (row.state, row.request_id) for row in journal.rows(10_000)}
    finally:
        journal.close()


def test_awaited_writes_are_made_off_the_loop_and_are_there_when_reported(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    journal = Journal(path, "a/b")
    writers: set[str] = set()
    loop_thread = threading.current_thread().name

    def spy(line: int) -> None:
        writers.add(threading.current_thread().name)
        journal.mark_submitting(line, f"h{line}")

    async def run() -> None:
        await asyncio.gather(*(journal.apply(spy, line) for line in range(1, 51)))
        # Each awaited write is committed when its await returns: readable now.
        assert journal.get(50) is not None

    try:
        with journal.group_commit():
            asyncio.run(run())
    finally:
        journal.close()
    assert writers and loop_thread not in writers
    assert _reopened(path) == {line: ("submitting", None) for line in range(1, 51)}


def test_writes_keep_their_order_and_queued_ones_land_before_the_end(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    journal = Journal(path, "a/b")

    async def run() -> None:
        for line in range(1, 201):
            journal.queue(journal.mark_prepared, line, f"h{line}")
            journal.queue(journal.mark_submitting, line, f"h{line}")
            journal.queue(journal.mark_submitted, line, f"req-{line}")
        written = journal.later(journal.mark_failed, 7, "refused")
        await written

    try:
        with journal.group_commit():
            asyncio.run(run())
    finally:
        journal.close()
    expected = {line: ("submitted", f"req-{line}") for line in range(1, 201)}
    expected[7] = ("failed", "req-7")
    assert _reopened(path) == expected


def test_a_plain_call_during_a_group_commit_waits_its_turn(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    journal = Journal(path, "a/b")

    async def run() -> bool:
        journal.queue(journal.mark_submitting, 3, "h3")
        journal.queue(journal.mark_unknown, 3, "the outcome is unknown")
        # Not queued: run in place, but after what is queued (a job that may exist stays).
        return journal.mark_left(3, "h3", 0.04, "not sent")

    try:
        with journal.group_commit():
            left = asyncio.run(run())
    finally:
        journal.close()
    assert left is False
    assert _reopened(path) == {3: ("unknown", None)}


def test_a_failing_write_fails_alone_and_the_rest_of_its_group_is_kept() -> None:
    committed: list[int] = []
    pending: list[int] = []

    committer = GroupCommitter(lambda: _Transaction(pending, committed))

    def write(n: int) -> int:
        if n == 3:
            raise sqlite3.IntegrityError("line 3 is refused")
        pending.append(n)
        return n * 10

    futures = [committer.submit(lambda n=n: write(n)) for n in range(1, 6)]
    committer.close()
    assert [f.result() for f in futures if f.exception() is None] == [10, 20, 40, 50]
    assert isinstance(futures[2].exception(), sqlite3.IntegrityError)
    assert sorted(committed) == [1, 2, 4, 5]


def test_a_failed_write_nobody_waited_for_stops_every_later_write() -> None:
    committed: list[int] = []
    pending: list[int] = []
    committer = GroupCommitter(lambda: _Transaction(pending, committed))

    def write(n: int) -> None:
        if n == 2:
            raise OSError("disk full")
        pending.append(n)

    committer.queue(lambda: write(1))
    committer.queue(lambda: write(2))
    later = committer.submit(lambda: write(3))
    with pytest.raises(OSError, match="disk full"):
        committer.close()
    assert committed == [1]
    assert isinstance(later.exception(), OSError)


def test_a_failed_write_whose_waiting_task_is_gone_stops_every_later_write() -> None:
    committed: list[int] = []
    pending: list[int] = []
    gate = threading.Event()

    def write(n: int) -> None:
        gate.wait(5)  # (held until its waiting task is cancelled)
        if n == 1:
            raise OSError("disk full")
        pending.append(n)

    async def run(settle: bool) -> None:
        waited = asyncio.ensure_future(committer.submit_async(lambda: write(1)))
        await asyncio.sleep(0)
        waited.cancel()  # a second Ctrl-C: nobody hears of the write any more
        gate.set()
        if settle:  # (else the loop is closed before the committer tells it)
            with contextlib.suppress(asyncio.CancelledError):
                await waited
            async with asyncio.timeout(10):  # the loop hears of it (a thread sets it)
                while committer._failure is None:  # noqa: ASYNC110
                    await asyncio.sleep(0.01)

    for settle in (True, False):
        gate.clear()
        committer = GroupCommitter(lambda: _Transaction(pending, committed))
        asyncio.run(run(settle))
        with pytest.raises(OSError, match="disk full"):
            committer.close()
    assert committed == []


class _Transaction:
    """A stand-in store: what a body appends is kept only when the body ends without error."""

    def __init__(self, pending: list[int], committed: list[int]) -> None:
        self.pending = pending
        self.committed = committed

    def __enter__(self) -> None:
        self.pending.clear()

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        if exc is None:
            self.committed.extend(self.pending)
        self.pending.clear()


def test_each_submit_leaves_only_after_its_submitting_mark_is_on_disk(
    emu: RunningEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from runcomfy_models._runtime.cli.batch import group_commit, network

    events: list[str] = []
    mark = Journal.mark_submitting
    commit = group_commit.GroupCommitter._commit
    write = network.AsyncioStream.write

    def marking(self: Journal, *args: Any, **kwargs: Any) -> None:
        events.append("mark")
        mark(self, *args, **kwargs)

    def committing(self: group_commit.GroupCommitter, group: Any) -> Any:
        outcomes = commit(self, group)
        events.append("durable")  # the transaction is committed; waiters are told after
        return outcomes

    async def writing(
        self: network.AsyncioStream, buffer: bytes, *args: Any, **options: Any
    ) -> None:
        if buffer.startswith(b"POST /v1/models/"):
            events.append("send")
        await write(self, buffer, *args, **options)

    monkeypatch.setattr(Journal, "mark_submitting", marking)
    monkeypatch.setattr(group_commit.GroupCommitter, "_commit", committing)
    monkeypatch.setattr(network.AsyncioStream, "write", writing)
    emu.set_timings(run_seconds=0.05)
    inputs = write_jsonl(tmp_path / "in.jsonl", [reframe_line(i) for i in range(30)])
    args = ["--base-url", emu.base_url, *FAST, "batch", REFRAME, str(inputs)]
    result = CliRunner().invoke(
        cli, [*args, "--concurrency", "8"], env={"RUNCOMFY_API_TOKEN": TOKEN}
    )
    assert result.exit_code == 0, result.stderr
    pending = durable = sent = 0
    for event in events:
        if event == "mark":
            pending += 1
        elif event == "durable":
            durable, pending = durable + pending, 0
        else:
            sent += 1
            assert sent <= durable, "a submit left before its submitting mark was on disk"
    assert sent == durable == 30
