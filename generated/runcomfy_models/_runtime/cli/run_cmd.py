"""What ``runcomfy-models run MODEL_ID`` does: validate, submit, wait, download, report."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import click
from pydantic import BaseModel

from ..client import Job
from ..errors import (
    DownloadError,
    JobCancelledError,
    JobError,
    JobFailedError,
    JobTimeoutError,
    RunComfyError,
)
from ..outputs import ModelOutput, download_all
from . import exits
from .advice import cli_message
from .folders import writable_folder
from .inputs import InputShape
from .live import LiveLine, format_elapsed
from .printing import Printer, explain_no_files, file_urls
from .registry import ModelCommands
from .settings import Settings, get_settings
from .style import error, note, warning

__all__ = ["follow_job", "read_input_file", "run_model"]

_CANCEL_TIMEOUT = 15.0


def read_input_file(shape: InputShape, source: str) -> dict[str, Any]:
    """The input object of ``--input-file`` (``-`` is stdin) as parameters."""
    hint = "'--input-file'"
    base: Path | None
    try:
        if source == "-":
            text = sys.stdin.read()
            base = None
        else:
            path = Path(source)
            text = path.read_text(encoding="utf-8-sig")
            base = path.parent
    except (OSError, UnicodeDecodeError) as exc:
        raise click.BadParameter(f"cannot read {source!r}: {exc}", param_hint=hint) from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(
            f"{source!r} is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
            param_hint=hint,
        ) from exc
    if not isinstance(data, dict):
        raise click.BadParameter(f"{source!r} must hold one JSON object of inputs", param_hint=hint)
    return shape.from_mapping(data, base)


def run_model(ctx: click.Context, commands: ModelCommands, values: dict[str, Any]) -> int:
    settings = get_settings(ctx)
    input_file: str | None = values.pop("cli_input_file", None)
    no_wait = bool(values.pop("cli_no_wait", False))
    download: Path | None = values.pop("cli_download", None)
    timeout: float | None = values.pop("cli_timeout", None)
    printer = Printer.for_stdout(bool(values.pop("cli_json", False)))

    binding = commands.binding()
    shape = InputShape(commands, binding, labels="option")
    params: dict[str, Any] = {}
    if input_file is not None:
        params.update(read_input_file(shape, input_file))
    params.update(shape.from_options(values))
    payload = shape.payload(params)

    model_id = commands.info.model_id
    if download is not None and not no_wait:
        problem = writable_folder(download, "the download folder")
        if problem is not None:
            error(f"{problem}: nothing was sent.")
            return exits.BAD_INPUT
    with settings.client() as client:
        try:
            job = client.submit(
                model_id,
                payload,
                output_type=binding.output_type,
                timing_inputs=binding.timing_inputs,
            )
        except KeyboardInterrupt:
            error(
                "Interrupted while submitting: the job may have been created (and billed). "
                "Check your RunComfy dashboard before running it again."
            )
            return exits.INTERRUPTED
        note(f"Submitted request {job.request_id}")
        if no_wait:
            printer.emit(
                {
                    "request_id": job.request_id,
                    "model_id": model_id,
                    "status": "submitted",
                    "hint": f"Follow it with: runcomfy-models wait {job.request_id}",
                }
            )
            return exits.OK
        return follow_job(settings, job, printer, timeout, download)


def follow_job(
    settings: Settings,
    job: Job[Any],
    printer: Printer,
    timeout: float | None,
    download: Path | None,
) -> int:
    """Wait for ``job`` with the live line, save its files, report; returns the exit code.

    What ``run`` does after submitting and ``wait`` does for a job started before.
    """
    started = time.monotonic()
    live = LiveLine(job.request_id, enabled=False if printer.json else None)
    try:
        with live:
            output = job.wait(timeout=timeout, on_update=live.update)
    except KeyboardInterrupt:
        live.stop()
        return _interrupted(settings, job, printer)
    except JobError as exc:
        return _job_error(exc, job, printer)
    try:
        saved = download_all(output, download) if download is not None else None
    except (DownloadError, OSError, KeyboardInterrupt) as exc:
        return _not_saved(exc, job, output, printer)
    record = _success_record(job, output, saved)
    if saved == []:
        error(explain_no_files(record))
        printer.emit(record)
        return exits.NO_FILES
    printer.emit(record)
    note(f"Done in {format_elapsed(time.monotonic() - started)}.")
    return exits.OK


def _not_saved(
    exc: DownloadError | OSError | KeyboardInterrupt,
    job: Job[Any],
    output: BaseModel,
    printer: Printer,
) -> int:
    """The job succeeded (and is billed) but its files could not be saved: still show it."""
    if isinstance(exc, DownloadError):
        reason, code = exc.message, exc.exit_code
    elif isinstance(exc, OSError):
        reason, code = exc.strerror or str(exc) or type(exc).__name__, exits.FAILED
    else:
        reason, code = "interrupted", exits.INTERRUPTED
    record = _success_record(job, output, None)
    record["error"] = f"files not saved: {reason}"
    record["hint"] = f"Get its output again with: runcomfy-models result {job.request_id}"
    printer.emit(record)
    error(f"Request {job.request_id} succeeded, but its files were not saved: {reason}")
    return code


def _job_record(job: Job[Any]) -> dict[str, Any]:
    """The request id, and the model id when known (``wait ID`` does not know it)."""
    record: dict[str, Any] = {"request_id": job.request_id}
    if job.model_id is not None:
        record["model_id"] = job.model_id
    return record


def _success_record(job: Job[Any], output: BaseModel, saved: list[Path] | None) -> dict[str, Any]:
    record: dict[str, Any] = {
        **_job_record(job),
        "status": "succeeded",
        "output": _raw(output),
        "files": file_urls(output),
        "cost": job.cost,
    }
    if saved is not None:
        record["saved"] = [str(path) for path in saved]
    return record


def _raw(output: BaseModel) -> Any:
    """The output as RunComfy returned it (every key kept), or its JSON form."""
    if isinstance(output, ModelOutput):
        return output.raw
    return output.model_dump(mode="json", by_alias=True, exclude_none=True)


def _job_error(exc: JobError, job: Job[Any], printer: Printer) -> int:
    record = _job_record(job)
    if isinstance(exc, JobFailedError):
        record["status"] = "failed"
        record["error"] = exc.error_message or exc.message
        record["cost"] = job.cost
    elif isinstance(exc, JobCancelledError):
        record["status"] = "cancelled"
    elif isinstance(exc, JobTimeoutError):
        record["status"] = "timeout"
        record["error"] = cli_message(exc)
        record["hint"] = f"Follow it with: runcomfy-models wait {job.request_id}"
    else:
        record["status"] = "error"
        record["error"] = cli_message(exc)
    printer.emit(record)
    if printer.json:
        error(cli_message(exc))
    return exc.exit_code


def _interrupted(settings: Settings, job: Job[Any], printer: Printer) -> int:
    """Ctrl-C while waiting: ask RunComfy to cancel, and say what really happened."""
    request_id = job.request_id
    note(f"\nInterrupted: asking RunComfy to cancel request {request_id} ...")
    outcome = "unknown"
    try:
        with settings.client(max_retries=1) as client:
            outcome = client.cancel(request_id, timeout=_CANCEL_TIMEOUT).outcome
    except KeyboardInterrupt:
        warning("Stopped before RunComfy answered the cancel request.")
    except RunComfyError as exc:
        warning(f"The cancel request failed: {exc}")
    if outcome == "cancelled":
        note(f"Request {request_id} was cancelled (it was still queued; it is not billed).")
    elif outcome == "not_cancellable":
        warning(
            f"Request {request_id} could not be cancelled: it is already running or done, so it "
            f"will finish and be billed. Get its output with: runcomfy-models result {request_id}"
        )
    else:
        warning(
            f"Request {request_id} may still be running (and billed). "
            f"Check it with: runcomfy-models status {request_id}"
        )
    printer.emit({**_job_record(job), "status": "interrupted", "cancel": outcome})
    return exits.INTERRUPTED
