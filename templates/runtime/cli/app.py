"""The ``runcomfy-models`` command: global options and the list of commands."""

from __future__ import annotations

import importlib

import click

from ..policies import PollPolicy
from . import completion
from .group import RootGroup
from .logs import configure_logging, preserve_logging
from .registry import ROOT_PACKAGE
from .run_group import RunGroup
from .settings import Settings

__all__ = ["cli", "main"]

# Imported when used: ``run MODEL --help`` and completion need none of them.
_COMMANDS = {
    "batch": ".batch.command:batch_command",
    "status": ".request_cmds:status_command",
    "result": ".request_cmds:result_command",
    "cancel": ".request_cmds:cancel_command",
    "wait": ".request_cmds:wait_command",
    "models": ".models_cmd:models_command",
    "balance": ".balance_cmd:balance_command",
    "emulator": ".emulator_cmd:emulator_command",
}


def _version() -> str:
    try:
        return str(importlib.import_module(ROOT_PACKAGE).__version__)
    except (ImportError, AttributeError):
        return "unknown"


def _print_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(f"runcomfy-models {_version()}")
        ctx.exit(0)


@click.group(
    cls=RootGroup,
    lazy_commands=_COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Show the version and exit.",
)
@click.option(
    "--base-url",
    metavar="URL",
    help="API base URL, with or without a trailing /v1 (default: $RUNCOMFY_BASE_URL, "
    "$RUNCOMFY_MODEL_API_BASE, else https://model-api.runcomfy.net).",
)
@click.option(
    "--max-retries",
    type=click.IntRange(min=0),
    envvar="RUNCOMFY_MAX_RETRIES",
    metavar="N",
    help="Retries of a failed request (429, 5xx, connection); submits are only retried "
    "when they certainly created no job.  [env: RUNCOMFY_MAX_RETRIES]",
)
@click.option(
    "--retry-max-delay",
    type=click.FloatRange(min=0),
    envvar="RUNCOMFY_RETRY_MAX_DELAY",
    metavar="SECONDS",
    help="Longest wait between retries (also caps Retry-After).  [env: RUNCOMFY_RETRY_MAX_DELAY]",
)
@click.option(
    "--poll-interval",
    type=click.FloatRange(min=0, min_open=True),
    envvar="RUNCOMFY_POLL_INTERVAL",
    metavar="SECONDS",
    help=f"Longest wait between two status checks, the first one included (default "
    f"{PollPolicy().max_interval:g}; without timing history every {PollPolicy().initial:g} s)."
    "  [env: RUNCOMFY_POLL_INTERVAL]",
)
@click.option("-v", "--verbose", count=True, help="Log each request (-vv: debug).")
@click.pass_context
def cli(
    ctx: click.Context,
    base_url: str | None,
    max_retries: int | None,
    retry_max_delay: float | None,
    poll_interval: float | None,
    verbose: int,
) -> None:
    """Run RunComfy models from the command line.

    The API token is read from RUNCOMFY_API_TOKEN (or RUNCOMFY_TOKEN).

    Every command prints text on stdout, in a terminal and in a pipe alike;
    with --json it prints JSON instead. Messages go to stderr.
    """
    ctx.call_on_close(preserve_logging())
    configure_logging(verbose)
    ctx.obj = Settings(
        base_url=base_url,
        max_retries=max_retries,
        retry_max_delay=retry_max_delay,
        poll_interval=poll_interval,
        verbose=verbose,
    )


cli.add_command(
    RunGroup(
        name="run",
        help="Run a model: runcomfy-models run MODEL_ID --option value ...\n\n"
        "See the options of one model with: runcomfy-models run MODEL_ID --help",
        subcommand_metavar="MODEL_ID [OPTIONS]",
        short_help="Run a model and wait for its output.",
    )
)
completion.install()


def main() -> None:
    """Entry point of the ``runcomfy-models`` console script."""
    cli.main(prog_name="runcomfy-models")
