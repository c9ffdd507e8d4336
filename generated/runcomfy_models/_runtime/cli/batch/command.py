"""The ``batch`` command's options; the work is in :mod:`.execute`."""

from __future__ import annotations

from pathlib import Path

import click

from ..registry import complete_model_id
from ..settings import get_settings

__all__ = ["batch_command"]


@click.command("batch")
@click.argument("model_id", shell_complete=complete_model_id)
@click.argument("inputs", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--journal",
    type=click.Path(dir_okay=False, path_type=Path),
    help="SQLite journal that makes the batch resumable [default: INPUTS.journal.db].",
)
@click.option(
    "--concurrency",
    type=click.IntRange(1, 100),
    default=4,
    show_default=True,
    help="Jobs in flight at once.",
)
@click.option(
    "--download",
    type=click.Path(file_okay=False, path_type=Path),
    help="Save output files as DIR/<line>-<name> as jobs finish.",
)
@click.option("--retry-failed", is_flag=True, help="Submit lines that failed before again.")
@click.option(
    "--resubmit-unknown",
    is_flag=True,
    help="Submit again lines whose earlier submit may or may not have reached RunComfy. "
    "A line whose job does exist is then run and billed twice: look for those jobs on the "
    "Generations page of your RunComfy account first.",
)
@click.option(
    "--job-timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    metavar="SECONDS",
    help="Stop following a job after this long; it stays in the journal and a rerun follows "
    "it on [default: follow until it ends].",
)
@click.option(
    "--skip-invalid",
    is_flag=True,
    help="Send the valid lines even if some are invalid (those are journaled and reported).",
)
@click.option(
    "--max-cost",
    type=click.FloatRange(min=0),
    default=None,
    metavar="USD",
    help="Send no line that could take the cost of this batch's jobs (reported costs, plus "
    "the estimates of jobs not finished yet) past USD; lines whose cost cannot be estimated "
    "are not sent. The journal keeps the count across reruns.",
)
@click.option(
    "--files-from",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The folder below which lines may name local files [default: the folder of INPUTS].",
)
# Sending nothing when a line is invalid is the default now; the flag stays for old scripts.
@click.option("--all-or-nothing", is_flag=True, hidden=True)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Only validate the lines and print their estimated cost; send nothing.",
)
@click.option(
    "--results",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write one JSON result per line [default: INPUTS.results.jsonl].",
)
@click.pass_context
def batch_command(
    ctx: click.Context,
    model_id: str,
    inputs: Path,
    journal: Path | None,
    concurrency: int,
    download: Path | None,
    retry_failed: bool,
    resubmit_unknown: bool,
    job_timeout: float | None,
    skip_invalid: bool,
    files_from: Path | None,
    all_or_nothing: bool,
    max_cost: float | None,
    dry_run: bool,
    results: Path | None,
) -> None:
    """Run MODEL_ID once per line of INPUTS, resumably.

    INPUTS is JSONL (one JSON object of inputs per line) or CSV with a header
    row of input names. CSV cells are read as JSON when they parse (numbers,
    true/false, lists, objects), except for text inputs, which are kept as
    written; empty cells are left out. Media inputs take URLs or file paths
    (relative to INPUTS, and only below its folder or --files-from).

    Every line is validated before anything is sent. If any line is invalid,
    each is listed with its line and column and nothing is sent: fix them, or
    add --skip-invalid to send the valid lines (the invalid ones are recorded
    in the journal and reported at the end). --dry-run only validates.

    The journal records each line's state and request id before and after
    each submit, so rerunning the same command after a crash resumes: finished
    lines are skipped, submitted jobs are followed (never sent twice), and
    lines whose submit outcome is unknown are reported, not resent, unless
    --resubmit-unknown.

    Prices are read live from RunComfy's catalog; the estimate is shown beside
    the account's balance, with a warning before anything is sent when it is
    more. With --max-cost USD, no line is sent that could take the batch's cost
    past USD (see the README for the estimate of a line; the dearer of the live
    and the generated price counts); the run stops at the first line over the
    budget and says what the lines left would cost. Jobs that may exist stay
    counted across reruns, also when their lines are sent again.

    Exit codes: 0 every line done, 1 some line failed, unknown, invalid,
    unfinished or left by --max-cost, 5 every other line done but with
    --download some finished line's output held no file, 65 invalid lines (without
    --skip-invalid), an inputs file that cannot be read, a journal, results
    or download path that cannot be used, or --max-cost for a model whose
    price is unknown, 75 the journal is in use by another run,
    77 authentication, or RunComfy refused a line for lack of balance (the
    lines left are not sent), 130 interrupted.
    """
    from .execute import BatchOptions, run_batch

    options = BatchOptions(
        model_id=model_id,
        inputs=inputs,
        journal=journal or inputs.with_name(inputs.name + ".journal.db"),
        results=results or inputs.with_name(inputs.name + ".results.jsonl"),
        concurrency=concurrency,
        download=download,
        retry_failed=retry_failed,
        resubmit_unknown=resubmit_unknown,
        job_timeout=job_timeout,
        skip_invalid=skip_invalid,
        files_from=files_from,
        dry_run=dry_run,
        max_cost=max_cost,
    )
    ctx.exit(run_batch(get_settings(ctx), options))
