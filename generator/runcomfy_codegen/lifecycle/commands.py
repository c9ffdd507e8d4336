"""The ``pull`` and ``diff`` commands of ``runcomfy-codegen`` (registered in cli.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from runcomfy_codegen.lifecycle.catalog_client import (
    DEFAULT_PAGE_SIZE,
    EXIT_AUTH,
    TOKEN_ENV_VARS,
    CatalogClient,
    CatalogError,
    RetrySettings,
    resolve_base_url,
    resolve_token,
)
from runcomfy_codegen.lifecycle.change_report import build_report
from runcomfy_codegen.lifecycle.changes import Severity
from runcomfy_codegen.lifecycle.diff import printable
from runcomfy_codegen.lifecycle.diff_format import FORMATS, render
from runcomfy_codegen.lifecycle.diff_sources import SourceError, read_path, read_side
from runcomfy_codegen.lifecycle.pull import Outcome, PullResult, pull_all, pull_ids
from runcomfy_codegen.options import SCHEMAS

EXIT_USAGE = 2


def _print_outcome(outcome: Outcome) -> None:
    line = f"{outcome.status:<9}  {printable(outcome.model_id)}"
    click.echo(f"{line}  {outcome.detail}" if outcome.detail else line)
    for edit in outcome.edits:
        if edit.outcome == "stale":
            click.echo(f"           local edit {edit.pointer} no longer applies: {edit.message}")
        elif edit.outcome == "redundant":
            click.echo(f"           local edit {edit.pointer}: {edit.message}")
    for d in outcome.diagnostics:
        click.echo(f"           {d}", err=True)


def _print_result(result: PullResult) -> None:
    for outcome in result.outcomes:
        _print_outcome(outcome)
    click.echo(result.summary())


@click.command(name="pull")
@click.argument("model_ids", nargs=-1)
@click.option("--all", "all_models", is_flag=True, help="Pull every model of the catalog.")
@click.option("--category", help="With --all: only models of this category.")
@click.option("--search", help="With --all: only models whose id or name contains this text.")
@SCHEMAS
@click.option(
    "--base-url",
    help=(
        "Catalog API base URL [default: $RUNCOMFY_BASE_URL, else $RUNCOMFY_MODEL_API_BASE, "
        "else https://model-api.runcomfy.net]."
    ),
)
@click.option(
    "--page-size",
    type=click.IntRange(1, 1000),
    default=DEFAULT_PAGE_SIZE,
    show_default=True,
    help="Models per catalog page with --all.",
)
@click.option(
    "--retries",
    type=click.IntRange(0, 10),
    default=RetrySettings().retries,
    show_default=True,
    help="Retries of a catalog read after 429, 5xx or a connection failure.",
)
@click.option("--dry-run", is_flag=True, help="Report what would change; write nothing.")
def pull_cmd(
    model_ids: tuple[str, ...],
    all_models: bool,
    category: str | None,
    search: str | None,
    schemas: Path,
    base_url: str | None,
    page_size: int,
    retries: int,
    dry_run: bool,
) -> None:
    """Update schemas/ from RunComfy's catalog (MODEL_ID ... or --all), keeping local edits.

    The token comes from RUNCOMFY_API_TOKEN (else RUNCOMFY_TOKEN). Exit status: 0 done, 1 an
    entry failed, 69 server errors after retries, 77 no or rejected token.
    """
    if all_models == bool(model_ids):
        raise click.UsageError("give MODEL_ID ... or --all (not both)")
    if (category or search) and not all_models:
        raise click.UsageError("--category and --search go with --all")
    try:
        token = resolve_token()
    except CatalogError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    if token is None:
        names = " or ".join(TOKEN_ENV_VARS)
        click.echo(f"error: no API token: set {names}", err=True)
        sys.exit(EXIT_AUTH)
    try:
        with CatalogClient(
            resolve_base_url(base_url), token, retry=RetrySettings(retries=retries)
        ) as client:
            if all_models:
                result = pull_all(
                    client,
                    schemas,
                    category=category,
                    search=search,
                    page_size=page_size,
                    dry_run=dry_run,
                )
            else:
                result = pull_ids(client, model_ids, schemas, dry_run=dry_run)
    except CatalogError as exc:
        click.echo(f"error: {exc}; nothing written", err=True)
        sys.exit(exc.exit_code)
    except OSError as exc:
        click.echo(f"error: cannot write under {schemas}/: {exc.strerror or exc}", err=True)
        sys.exit(1)
    _print_result(result)
    if dry_run:
        click.echo("dry run: nothing written")
    if result.failed:
        sys.exit(1)


@click.command(name="diff")
@click.argument("old")
@click.argument("new", required=False)
@SCHEMAS
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="text for a terminal, json for tools, markdown for release notes.",
)
@click.option(
    "--fail-on",
    type=click.Choice([Severity.BREAKING.value, Severity.WARNING.value]),
    help="Exit 1 when a change at least this severe is found (default: never).",
)
def diff_cmd(old: str, new: str | None, schemas: Path, fmt: str, fail_on: str | None) -> None:
    """Classify what changed between OLD and NEW for users of the generated package.

    OLD and NEW are schema files, folders of them, or git revisions of the schemas folder
    (`diff HEAD~1 HEAD`); without NEW, OLD is compared with the schemas folder on disk.
    """
    cwd = Path.cwd()
    try:
        old_side = read_side(old, schemas, cwd)
        if new is None:
            if not schemas.is_dir():
                raise SourceError(f"no schemas folder at {schemas}; give NEW explicitly")
            new_side = read_path(schemas, f"{schemas.as_posix()} (working tree)")
        else:
            new_side = read_side(new, schemas, cwd)
    except (SourceError, OSError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    report = build_report(
        old_side.entries,
        new_side.entries,
        old_label=old_side.label,
        new_label=new_side.label,
    )
    report.notes[:0] = [*old_side.notes, *new_side.notes]
    click.echo(render(report, fmt, old_side.label, new_side.label), nl=False)
    if report.fails(Severity(fail_on) if fail_on else None):
        sys.exit(1)
