"""Running a batch: N workers over a bounded queue and a few API clients, the journal as truth.

Input lines stream through the planner into a queue of at most ``2 * concurrency`` items (flat
memory for any file). The workers start ``START_SPACING`` apart; each writes ``submitting`` (on
disk before the submit's first byte), then the request id (on disk before the first poll),
polls ``/result`` (the state until the end, then the outcome and cost) and saves the files. One
thread commits the journal's writes in groups (:mod:`.group_commit`), never the event loop.

A first stop request (Ctrl-C, SIGTERM), or an inputs file that cannot be read to the end, lets
submits in flight finish and leaves every other line as the journal has it, ready to resume.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any

import httpx
from pydantic import BaseModel, ValidationError

from ...async_client import AsyncJob, AsyncRunComfy
from ...async_fetch import download_async, new_download_client_async
from ...client_core import encode_payload
from ...errors import (
    BadRequestError,
    DownloadError,
    InsufficientBalanceError,
    InvalidInputError,
    NotFoundError,
    RunComfyError,
    SubmitOutcomeUnknownError,
)
from ...filenames import safe_filename, unique_filename
from ...job_types import JobResult
from ...pricing import Price
from ...transport import DeadlineReached
from .. import exits
from ..inputs import InputProblems, InputShape
from ..printing import file_urls
from .budget import Budget
from .clients import BatchClients
from .gate import Gate
from .journal import NO_FILE_ERROR, Journal
from .pacing import POLL_FAILURES_ALLOWED, START_SPACING, PollPacer, gave_up, undocumented
from .planner import Planner, Skip, Work
from .progress import Progress
from .reader import InputFileError, InputLine
from .report import UNKNOWN_ADVICE, no_file_message
from .sending import FirstWrite, on_sending

__all__ = ["BatchRunner"]


class BatchRunner:
    def __init__(
        self,
        *,
        model_id: str,
        shape: InputShape,
        output_type: type[BaseModel],
        journal: Journal,
        planner: Planner,
        clients: BatchClients,
        records: Iterable[InputLine],
        concurrency: int,
        download: Path | None,
        progress: Progress,
        report: Callable[[str], None],
        job_timeout: float | None = None,
        price: Price | None = None,
        budget: Budget | None = None,
        refresh_price: bool = False,
    ) -> None:
        self.model_id = model_id
        self.shape = shape
        self.output_type = output_type
        self.journal = journal
        self.planner = planner
        self.clients = clients
        self.records = records
        self.concurrency = concurrency
        self.download = download
        self.progress = progress
        self.report = report
        self.job_timeout = job_timeout
        self.budget = budget or Budget(limit=None)
        self.gate = Gate(
            model_id=model_id,
            journal=journal,
            progress=progress,
            report=report,
            budget=self.budget,
            price=price or Price(),
            refresh_price=refresh_price,
        )
        self.pacer = PollPacer(
            clients.first.poll_policy, model_id=model_id, timings=clients.first.timings
        )
        self.timing_inputs = shape.binding.timing_inputs
        self.fatal: RunComfyError | None = None
        self.last_line = 0
        self.stop_requested = False
        self.input_error: Exception | None = None
        """Why the inputs could not be read to the end (the run stopped there)."""
        self._stop_event: asyncio.Event | None = None
        self._http: httpx.AsyncClient | None = None

    # -- control -----------------------------------------------------------------

    def stop(self) -> None:
        """Stop taking new lines; submits in flight finish, jobs stay in the journal."""
        self.stop_requested = True
        if self._stop_event is not None:
            self._stop_event.set()

    @property
    def budget_stop(self) -> str | None:
        """Why the budget (or the balance) ended the sending; no line is sent after it."""
        return self.gate.stop

    @property
    def stopping(self) -> bool:
        return self.stop_requested or self.fatal is not None

    def _set_fatal(self, exc: RunComfyError) -> None:
        if self.fatal is None:
            self.fatal = exc
        self.stop()

    async def _sleep(self, seconds: float) -> None:
        assert self._stop_event is not None
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._stop_event.wait()

    # -- the run -----------------------------------------------------------------

    async def run(self) -> None:
        self._stop_event = asyncio.Event()
        if self.stop_requested:
            self._stop_event.set()
        queue: asyncio.Queue[Work | None] = asyncio.Queue(maxsize=2 * self.concurrency)
        async with self._download_client(), asyncio.TaskGroup() as group:
            for index in range(self.concurrency):
                group.create_task(
                    self._worker(queue, self.clients.for_worker(index), index * START_SPACING)
                )
            await self._produce(queue)
            for _ in range(self.concurrency):
                await queue.put(None)

    @contextlib.asynccontextmanager
    async def _download_client(self) -> AsyncIterator[None]:
        if self.download is None:
            yield
            return
        self.download.mkdir(parents=True, exist_ok=True)
        async with new_download_client_async() as http:
            self._http = http
            try:
                yield
            finally:
                self._http = None

    async def _produce(self, queue: asyncio.Queue[Work | None]) -> None:
        records = iter(self.records)
        count = 0
        while not self.stopping:
            try:
                record = next(records, None)
            except (InputFileError, OSError, ValueError) as exc:
                # Like a first Ctrl-C: submits in flight finish and are journaled,
                # the workers are never cancelled mid-submit.
                self.input_error = exc
                self.stop()
                return
            if record is None:
                return
            count += 1
            self.last_line = record.line
            decision = self.planner.plan(record)
            if isinstance(decision, Skip):
                self.progress.finished(decision.state)
                if decision.message:
                    self.report(decision.message)
                if count % 256 == 0:
                    await asyncio.sleep(0)
                continue
            if decision.kind == "submit" and self.budget_stop is not None:
                continue  # left for the budget's account at the end (see execute)
            await queue.put(decision)

    async def _worker(
        self, queue: asyncio.Queue[Work | None], client: AsyncRunComfy, start: float
    ) -> None:
        await self._sleep(start)
        while (work := await queue.get()) is not None:
            if self.stopping or (work.kind == "submit" and self.budget_stop is not None):
                continue
            self.progress.started()
            try:
                if work.kind == "submit":
                    await self._submit(work, client)
                elif work.kind == "follow":
                    assert work.request_id is not None
                    await self._follow(work.line, work.request_id, client, work.estimate)
                else:
                    await self._save(work.line, work.files)
            finally:
                self.progress.stopped()

    # -- one line ----------------------------------------------------------------

    async def _submit(self, work: Work, client: AsyncRunComfy) -> None:
        line = work.line
        try:
            payload = self.shape.payload(work.params)
            encode_payload(payload, self.model_id)
        except (InputProblems, InvalidInputError) as exc:
            message = "; ".join(exc.problems) if isinstance(exc, InputProblems) else exc.message
            self.journal.queue(self.journal.mark_invalid, line, work.hash, message)
            self.progress.finished("invalid")
            self.report(f"line {line}: {message}")
            return
        if self.stopping or self.budget_stop is not None:
            return
        admitted, estimate = await self.gate.admit(line, work.hash, payload, client)
        if not admitted:
            return
        journal = self.journal
        # Prepared is not waited for: the submitting write, which is, follows it to disk.
        journal.queue(journal.mark_prepared, line, work.hash, estimate)
        sending = FirstWrite(
            lambda: journal.apply(journal.mark_submitting, line, work.hash, estimate)
        )
        try:
            with on_sending(sending):
                job = await client.submit(self.model_id, payload, timing_inputs=self.timing_inputs)
        except SubmitOutcomeUnknownError as exc:
            journal.queue(journal.mark_unknown, line, exc.message)
            self.progress.finished("unknown")
            self.report(
                f"line {line}: outcome unknown: {exc.reason}; the job may exist and be billed, "
                f"so it was not sent again. {UNKNOWN_ADVICE}"
            )
            return
        except RunComfyError as exc:
            self.budget.release(estimate)
            self._refused(line, exc)
            return
        written = journal.later(journal.mark_submitted, line, job.request_id)  # see _follow
        await self._follow(line, job.request_id, client, estimate, job=job, written=written)

    def _refused(self, line: int, exc: RunComfyError) -> None:
        """The submit failed in a way that certainly created no job."""
        if isinstance(exc, InsufficientBalanceError):
            self.gate.balance_refused(line, exc)
        elif exc.exit_code == exits.AUTH:
            self.journal.queue(self.journal.mark_pending, line, str(exc))
            self.progress.finished("not sent")
            self._set_fatal(exc)
        elif isinstance(exc, BadRequestError | NotFoundError | InvalidInputError):
            self.journal.queue(self.journal.mark_failed, line, f"refused by RunComfy: {exc}")
            self.progress.finished("failed")
            self.report(f"line {line}: refused by RunComfy: {exc}")
        else:
            self.journal.queue(self.journal.mark_pending, line, str(exc))
            self.progress.finished("not sent")
            self.report(f"line {line}: not sent: {exc}")

    async def _follow(
        self,
        line: int,
        request_id: str,
        client: AsyncRunComfy,
        estimate: float | None = None,
        *,
        job: AsyncJob[Any] | None = None,
        written: Awaitable[None] | None = None,
    ) -> None:
        """Poll ``/result`` (the state until the end, then the outcome and cost: one request
        per poll) until the job ends, then record its outcome. The wait loop ``wait`` uses
        paces the polls (see :mod:`.pacing`); ``--job-timeout`` bounds it all. ``written``,
        the journal write of a new job's request id, is on disk before its first poll."""
        loop = self.pacer.loop(request_id, self.output_type, timeout=self.job_timeout, job=job)
        failures = 0
        word: str | None = None
        first = loop.first_sleep()
        if written is not None:  # (its fsync is part of the first sleep)
            started = asyncio.get_running_loop().time()
            try:
                await written
            except Exception as exc:
                self.report(f"line {line}: request {request_id} not journaled: {exc}")
                raise
            first -= asyncio.get_running_loop().time() - started
        if first > 0:
            await self._sleep(first)
        while not self.stopping:
            try:
                result = await client._fetch_result(
                    request_id, include_cost=True, deadline=loop.deadline.at
                )
            except DeadlineReached:
                self.report(gave_up(line, request_id, self.job_timeout, loop.last_word))
                return
            except NotFoundError as exc:
                self.journal.queue(self.journal.mark_failed, line, str(exc))
                self.progress.finished("failed")
                self.report(f"line {line}: {exc}")
                return
            except RunComfyError as exc:
                if exc.exit_code == exits.AUTH:
                    self._set_fatal(exc)
                    return
                failures += 1
                if failures > POLL_FAILURES_ALLOWED:
                    self.report(
                        f"line {line}: lost touch with request {request_id} ({exc}); "
                        "it stays in the journal, rerun to follow it"
                    )
                    return
            else:
                failures = 0
                if loop.result_seen(result):
                    await self._finish(line, result, estimate)
                    return
                if result.state == "unknown" and word != result.word:
                    self.report(undocumented(line, request_id, result.word))
                word = result.word
            try:
                wait = loop.next_sleep()
            except DeadlineReached:
                self.report(gave_up(line, request_id, self.job_timeout, loop.last_word))
                return
            await self._sleep(wait)

    async def _finish(self, line: int, result: JobResult, estimate: float | None) -> None:
        cost = self.gate.settle(line, estimate, result.cost)
        if result.state == "succeeded":
            output = result.output or {}
            files = self._files(output)
            saving = self.download is not None
            no_file = saving and not files
            error, done = (NO_FILE_ERROR if no_file else None), not saving or no_file
            raw, found = json.dumps(output), json.dumps(files)
            self.journal.queue(
                self.journal.mark_succeeded, line, raw, found, cost, done=done, error=error
            )
            if no_file:
                self.progress.finished("no file")
                self.report(no_file_message(line, result.request_id, output))
            elif saving:
                await self._save(line, files)
            else:
                self.progress.finished("done")
            return
        if result.state == "failed":
            message = result.error_message or "the job failed"
        else:
            message = "the job was cancelled"
        self.journal.queue(self.journal.mark_failed, line, message, cost)
        self.progress.finished("failed")
        self.report(f"line {line}: {message}")

    def _files(self, output: dict[str, Any]) -> list[str]:
        try:
            return file_urls(self.output_type.model_validate(output))
        except ValidationError:
            return file_urls(output)

    async def _save(self, line: int, files: list[str]) -> None:
        assert self.download is not None and self._http is not None
        taken: set[str] = set()
        paths: list[str] = []
        try:
            for url in files:
                name = unique_filename(f"{line}-{safe_filename(url)}", taken)
                paths.append(str(await self._download(url, self.download / name)))
        except (DownloadError, OSError) as exc:
            self.journal.queue(self.journal.mark_not_saved, line, f"files not saved: {exc}")
            self.progress.finished("not saved")
            self.report(f"line {line}: files not saved: {exc}")
            return
        self.journal.queue(self.journal.mark_done, line, json.dumps(paths))
        self.progress.finished("done")

    async def _download(self, url: str, target: Path) -> Path:
        """One file; the download retries a file host that fails for a while like an API read."""
        assert self._http is not None
        return await download_async(url, target, self._http, retry=self.clients.first.retry_policy)
