"""``status``, ``result``, ``cancel`` and ``wait``: one existing request, by its id.

The printers, outputs and pydantic are imported in the commands' bodies: listing and
completing the commands (``runcomfy-models <TAB>``) imports this module only.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..errors import RunComfyError, UnexpectedResponseError
from . import exits
from .settings import get_settings
from .style import error

if TYPE_CHECKING:
    from ..client import RunComfy

__all__ = ["cancel_command", "result_command", "status_command", "wait_command"]

_JSON_HELP = "Print one JSON object instead of text."
_download_option = click.option(
    "--download",
    type=click.Path(file_okay=False, path_type=Path),
    help="Save the output files into this folder (exit 5 if the output holds none).",
)


@click.command("status")
@click.argument("request_id")
@click.option("--json", "json_flag", is_flag=True, help=_JSON_HELP)
@click.pass_context
def status_command(ctx: click.Context, request_id: str, json_flag: bool) -> None:
    """Show the state of a request (and its queue position).

    'completed' does not tell success from failure: use 'result' for the outcome.
    """
    from .printing import Printer, status_record

    with get_settings(ctx).client() as client:
        status = client.status(request_id)
    Printer.for_stdout(json_flag).emit(status_record(status))


@click.command("result")
@click.argument("request_id")
@_download_option
@click.option("--json", "json_flag", is_flag=True, help=_JSON_HELP)
@click.pass_context
def result_command(
    ctx: click.Context, request_id: str, download: Path | None, json_flag: bool
) -> None:
    """Show the outcome of a request: output files, error, cost; optionally save the files.

    Exits 0 when it succeeded or is still running, 1 when it failed or was cancelled, 5 when
    --download finds no file in its output (the output is shown as RunComfy returned it).
    """
    from pydantic import ValidationError

    from ..outputs import GenericOutput, download_all
    from .printing import Printer, explain_no_files, result_record

    with get_settings(ctx).client() as client:
        result = client.result(request_id, include_cost=True)
    saved: list[Path] | None = None
    if download is not None and result.state == "succeeded":
        try:
            output = GenericOutput.model_validate(result.output or {})
        except ValidationError as exc:
            raise UnexpectedResponseError(
                f"The output of request {request_id} has no downloadable files",
                request_id=request_id,
                body=result.output,
            ) from exc
        saved = download_all(output, download)
    record = result_record(result, saved=saved)
    if saved == []:
        error(explain_no_files(record))
    Printer.for_stdout(json_flag).emit(record)
    if result.state in ("failed", "cancelled"):
        ctx.exit(exits.FAILED)
    if saved == []:
        ctx.exit(exits.NO_FILES)


@click.command("cancel")
@click.argument("request_id")
@click.option("--json", "json_flag", is_flag=True, help=_JSON_HELP)
@click.pass_context
def cancel_command(ctx: click.Context, request_id: str, json_flag: bool) -> None:
    """Ask RunComfy to cancel a request.

    Only a queued request can be cancelled. Exit codes: 0 cancelled (it will
    not run and is not billed), 3 too late (it is running and will be billed,
    or it has already finished), 4 asked but not confirmed (check 'status').
    """
    from .printing import Printer, cancel_record

    with get_settings(ctx).client() as client:
        outcome = client.cancel(request_id)
        state = _state(client, request_id) if outcome.outcome == "not_cancellable" else None
    record = cancel_record(outcome)
    if state is not None:
        record["status"] = state  # running or finished: the message says which
    if state in ("completed", "cancelled"):
        record["finished"] = True
    Printer.for_stdout(json_flag).emit(record)
    if outcome.outcome in ("requested", "unknown"):
        ctx.exit(exits.CANCEL_UNCONFIRMED)
    if not outcome.cancelled:
        ctx.exit(exits.NOT_CANCELLED)


def _state(client: RunComfy, request_id: str) -> str | None:
    """The state of a job that could not be cancelled: running or ended (best effort, never
    raises; None when it cannot be told)."""
    try:
        state = client.status(request_id).state
    except RunComfyError:
        return None
    return state if state in ("in_progress", "completed", "cancelled") else None


@click.command("wait")
@click.argument("request_id")
@_download_option
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    help="Stop waiting after this many seconds (exit 75); the job keeps running.",
)
@click.option("--json", "json_flag", is_flag=True, help=_JSON_HELP)
@click.pass_context
def wait_command(
    ctx: click.Context,
    request_id: str,
    download: Path | None,
    timeout: float | None,
    json_flag: bool,
) -> None:
    """Follow a job started with 'run --no-wait' until it ends.

    The same display, outcome and exit codes as 'run': 0 succeeded, 1 failed
    or cancelled, 5 succeeded with no file to --download, 75 timeout, 130
    interrupted (Ctrl-C asks RunComfy to cancel the job, as 'run' does).
    """
    from .folders import writable_folder
    from .printing import Printer
    from .run_cmd import follow_job

    if download is not None:
        problem = writable_folder(download, "the download folder")
        if problem is not None:
            error(f"{problem}.")
            ctx.exit(exits.BAD_INPUT)
    settings = get_settings(ctx)
    with settings.client() as client:
        job = client.job(request_id)
        ctx.exit(follow_job(settings, job, Printer.for_stdout(json_flag), timeout, download))
