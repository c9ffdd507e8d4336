"""One ``batch`` invocation: validate, open the journal, run, write results, summarize."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ...config import missing_token_error, resolve_base_url, resolve_token
from ...pricing import Price, format_usd
from ...suggest import suggestion
from .. import exits
from ..advice import cli_message
from ..folders import writable_folder
from ..inputs import InputShape
from ..logs import configure_logging
from ..registry import ModelInfo, find_model, load_commands
from ..settings import Settings
from ..style import error, is_terminal, note, warning
from .budget import Budget, Estimate
from .clients import BatchClients, free_locks_never_yield, sniffio_import_short_cut
from .collection import fewer_collections
from .journal import Journal, JournalError
from .planner import Planner, check_record
from .progress import Progress
from .quote import Quote, batch_price, show_estimate
from .reader import InputFileError, count_records, csv_columns, read_records
from .report import Reporter, Summary, write_results
from .runner import BatchRunner

__all__ = ["BatchOptions", "run_batch"]

# Batches ride out longer rate-limit storms than a single run.
BATCH_DEFAULT_RETRIES = 8


@dataclass(frozen=True)
class BatchOptions:
    model_id: str
    inputs: Path
    journal: Path
    results: Path
    concurrency: int
    download: Path | None
    retry_failed: bool
    resubmit_unknown: bool
    skip_invalid: bool
    dry_run: bool
    job_timeout: float | None = None
    max_cost: float | None = None
    files_from: Path | None = None

    @property
    def files_root(self) -> Path:
        """The folder below which batch lines may name local files."""
        return self.files_from if self.files_from is not None else self.inputs.parent


def run_batch(settings: Settings, options: BatchOptions) -> int:
    info = find_model(options.model_id)
    commands = load_commands(info)
    shape = InputShape(commands, commands.binding(), labels="wire")
    try:
        _check_columns(shape, options.inputs)
        if options.dry_run:
            return _dry_run(settings, options, shape, info)
        invalid = _validate_all(shape, options)
        if invalid and not options.skip_invalid:
            error(
                f"{len(invalid)} invalid line(s): nothing was sent. Fix the lines above and run the "
                "same command again, or add --skip-invalid to send the valid lines (the invalid "
                "ones are recorded in the journal and reported at the end)."
            )
            return exits.BAD_INPUT
        if resolve_token(None) is None:
            raise missing_token_error(resolve_base_url(settings.base_url))
        problem = _unwritable(options)
        if problem is not None:
            error(f"{problem}: nothing was sent.")
            return exits.BAD_INPUT
        new_journal = not options.journal.exists()
        try:
            journal = Journal(options.journal, info.model_id)
        except JournalError as exc:
            error(str(exc))
            return exc.exit_code
        try:
            quote = batch_price(settings, info, budget=options.max_cost is not None)
            if options.max_cost is not None and not quote.price.known:
                error(
                    f"--max-cost needs a price, and the price of {info.model_id} is unknown "
                    "(neither the package nor RunComfy's catalog entry has one): nothing was sent."
                )
                if new_journal:
                    journal.close()
                    _remove_journal(options.journal)
                return exits.BAD_INPUT
            to_send = _to_send(shape, options, journal, quote.price, invalid)
            show_estimate(settings, to_send, quote.price, "the lines to send")
            return _run(settings, options, shape, journal, quote)
        finally:
            journal.close()
    except InputFileError as exc:
        error(str(exc))
        return exits.BAD_INPUT


def _dry_run(settings: Settings, options: BatchOptions, shape: InputShape, info: ModelInfo) -> int:
    """Validate every line and estimate what they cost, beside the balance; send nothing."""
    price = batch_price(settings, info, budget=options.max_cost is not None).price
    estimate = Estimate()
    invalid = _validate_all(shape, options, price, estimate)
    show_estimate(settings, estimate, price, "the valid lines")
    if options.max_cost is not None:
        note(_budget_check(estimate, options.max_cost))
    if invalid and options.skip_invalid:
        # Not an error: the run would skip them, as asked.
        note(f"With --skip-invalid, the {len(invalid)} invalid line(s) would not be sent.")
        return exits.OK
    return exits.BAD_INPUT if invalid else exits.OK


def _remove_journal(path: Path) -> None:
    """Remove a journal this run created and left empty (with SQLite's side files)."""
    for name in (path.name, f"{path.name}-wal", f"{path.name}-shm"):
        with contextlib.suppress(FileNotFoundError):
            (path.parent / name).unlink()


def _unwritable(options: BatchOptions) -> str | None:
    """Why the results file or the download folder cannot be written (before any paid work)."""
    problem = writable_folder(options.results.parent, "the folder of the results file")
    if problem is None and options.download is not None:
        problem = writable_folder(options.download, "the download folder")
    return problem


def _check_columns(shape: InputShape, inputs: Path) -> None:
    unknown = [name for name in csv_columns(inputs) if shape.dest_of(name) is None]
    if unknown:
        known = sorted(shape.by_wire)
        raise InputFileError(
            f"{inputs}: "
            + "; ".join(
                f"column {name!r} is not an input of {shape.model_id}; "
                + suggestion(name, known, noun="inputs")
                for name in unknown
            )
        )


def _budget_check(estimate: Estimate, limit: float) -> str:
    """What --max-cost would do to the lines of a dry run (before any earlier run's spending)."""
    if estimate.unknown:
        return (
            f"--max-cost {format_usd(limit)}: {estimate.unknown} line(s) of unknown cost would "
            "not be sent."
        )
    if estimate.total <= limit + 1e-9:
        return f"--max-cost {format_usd(limit)}: every line fits."
    return f"--max-cost {format_usd(limit)}: the run would stop before its last line(s)."


def _validate_all(
    shape: InputShape,
    options: BatchOptions,
    price: Price | None = None,
    estimate: Estimate | None = None,
) -> set[int]:
    """Validate every line (streaming); report the invalid ones; returns their numbers.

    With ``estimate``, the estimated cost of each valid line is added to it.
    """
    report = Reporter()
    base = options.inputs.parent
    root = options.files_root
    valid = 0
    invalid: set[int] = set()
    for record in read_records(options.inputs, shape.text_keys()):
        params, problem = check_record(shape, record, base, root)
        if params is None:
            invalid.add(record.line)
            report(f"line {record.line}: {problem}")
        else:
            valid += 1
            if estimate is not None and price is not None and record.data is not None:
                estimate.add(price.estimate(record.data))
    report.close("the lines above")
    note(f"{valid + len(invalid)} lines: {valid} valid, {len(invalid)} invalid.")
    return invalid


def _to_send(
    shape: InputShape, options: BatchOptions, journal: Journal, price: Price, invalid: set[int]
) -> Estimate:
    """The estimate of the lines this run would send: the valid ones the journal has not sent
    (and those the flags send again)."""
    again = {"pending", "prepared"}
    if options.retry_failed:
        again.add("failed")
    if options.resubmit_unknown:
        again.update(("unknown", "submitting"))
    estimate = Estimate()
    for record in read_records(options.inputs, shape.text_keys()):
        row = journal.get(record.line)
        if record.line in invalid or record.data is None:
            continue
        if row is None or row.state in again:
            estimate.add(price.estimate(record.data))
    return estimate


def _run(
    settings: Settings, options: BatchOptions, shape: InputShape, journal: Journal, quote: Quote
) -> int:
    price = quote.price
    configure_logging(settings.verbose, quiet_retries=True)
    on_terminal = is_terminal(sys.stderr)
    progress = Progress(count_records(options.inputs) if on_terminal else None)
    spent, pending, unaccounted = journal.money()
    budget = Budget(options.max_cost, spent, pending, unaccounted)
    progress.cost = spent if spent else None
    report = Reporter(progress.message)
    runner = BatchRunner(
        model_id=shape.model_id,
        shape=shape,
        output_type=shape.binding.output_type,
        journal=journal,
        planner=Planner(
            shape,
            journal,
            options.inputs.parent,
            options.files_root,
            retry_failed=options.retry_failed,
            resubmit_unknown=options.resubmit_unknown,
            saving=options.download is not None,
        ),
        clients=BatchClients(settings, options.concurrency, default_retries=BATCH_DEFAULT_RETRIES),
        records=read_records(options.inputs, shape.text_keys()),
        concurrency=options.concurrency,
        download=options.download,
        progress=progress,
        report=report,
        job_timeout=options.job_timeout,
        price=price,
        budget=budget,
        refresh_price=quote.live,
    )
    interrupted = False
    try:
        with (
            journal.group_commit(),
            sniffio_import_short_cut(),
            free_locks_never_yield(),
            fewer_collections(),
        ):
            asyncio.run(_drive(runner))
    except (KeyboardInterrupt, asyncio.CancelledError):
        interrupted = True
    finally:
        progress.close()
    report.close(str(options.results))
    interrupted = interrupted or (
        runner.stop_requested and runner.fatal is None and runner.input_error is None
    )

    left: Estimate | None = None
    if runner.budget_stop is not None:
        left, runner.last_line = _journal_left(shape, options, journal, price, runner.budget_stop)
    summary = Summary.from_journal(journal, runner.last_line)
    write_results(journal, options.results, runner.last_line)
    note(summary.text())
    if left is not None and runner.gate.balance_out is not None:
        warning(
            f"RunComfy refused line(s) for lack of balance: {left.known + left.unknown} line(s) "
            f"left unsent, estimated {left.text(price)}. Top up your RunComfy balance (see it "
            "with: runcomfy-models balance) and rerun the same command to send them."
        )
    elif left is not None and options.max_cost is not None:
        warning(
            f"Budget {format_usd(options.max_cost)} reached ({format_usd(budget.spent)} spent, "
            f"{format_usd(budget.pending)} more in jobs whose cost is not known yet): "
            f"{left.known + left.unknown} line(s) left, estimated {left.text(price)}. "
            "Rerun with a higher --max-cost to send them."
        )
    note(f"Results: {options.results}  Journal: {options.journal}")
    if runner.fatal is not None:
        error(cli_message(runner.fatal))
        return runner.fatal.exit_code
    if runner.gate.balance_out is not None:
        return runner.gate.balance_out.exit_code
    if runner.input_error is not None:
        error(
            f"{runner.input_error}\nStopped reading the inputs after line {runner.last_line}; "
            "fix the file and rerun the same command to resume."
        )
        return exits.BAD_INPUT
    if interrupted:
        warning("Interrupted: rerun the same command to resume.")
        return exits.INTERRUPTED
    return summary.exit_code


def _journal_left(
    shape: InputShape, options: BatchOptions, journal: Journal, price: Price, why: str
) -> tuple[Estimate, int]:
    """After a budget stop: journal every line not sent as pending with its estimate; returns
    what they would cost and the last line of the file."""
    left = Estimate()
    last = 0
    for record in read_records(options.inputs, shape.text_keys()):
        last = record.line
        row = journal.get(record.line)
        if row is not None and row.state not in ("pending", "prepared"):
            continue
        params, problem = check_record(shape, record, options.inputs.parent, options.files_root)
        if params is None or record.data is None:
            journal.mark_invalid(record.line, record.hash(), problem or "invalid")
            continue
        estimate = price.estimate(record.data)
        left.add(estimate)
        if row is None or row.error is None:
            journal.mark_left(record.line, record.hash(), estimate, f"not sent: {why}")
    return left, last


async def _drive(runner: BatchRunner) -> None:
    """Run, turning the first Ctrl-C (or SIGTERM) into a graceful stop and the second into an abort."""
    task = asyncio.current_task()
    assert task is not None

    def on_signal() -> None:
        if runner.stop_requested:
            task.cancel()
            return
        runner.stop()
        note("\nStopping: letting submits in flight finish (Ctrl-C again to stop at once) ...")

    try:
        with _signals(on_signal):
            await runner.run()
    finally:
        await runner.clients.aclose()


@contextlib.contextmanager
def _signals(handler: object) -> Iterator[None]:
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, handler)  # type: ignore[arg-type]
        except (NotImplementedError, RuntimeError, ValueError):
            continue
        installed.append(sig)
    try:
        yield
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
