"""``runcomfy-models run MODEL_ID``: one subcommand per model, built only when asked for.

Listing, help and shell completion read the registry; a model's command module
is imported only to run (or show the help of) that model.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from click.shell_completion import CompletionItem

from .registry import (
    ModelCommands,
    UnknownModelError,
    all_models,
    load_commands,
    model_completions,
    model_info,
)
from .style import SafeHelpCommand, terminal_text

__all__ = ["RunGroup", "build_run_command", "shared_options"]

_MAX_CHOICE_METAVAR = 60
_EPILOG = (
    "Only the options you give are sent: defaults apply on RunComfy's side. "
    "Media options take an https URL, a data: URI or a local file (sent inline). "
    "Exit codes: 0 ok, 1 job failed, 5 no file to download, 65 bad input, 69 server error, "
    "75 timeout or rate limited, 77 authentication or insufficient balance, 130 interrupted."
)


def shared_options() -> list[click.Option]:
    """The options every ``run`` subcommand has besides the model's inputs."""
    return [
        click.Option(
            ["--input-file", "cli_input_file"],
            type=click.Path(dir_okay=False, allow_dash=True),
            help="Read the input as one JSON object from FILE ('-' for stdin); options "
            "given on the command line override its keys. Relative file paths in it are "
            "relative to FILE.",
        ),
        click.Option(
            ["--no-wait", "cli_no_wait"],
            is_flag=True,
            default=False,
            help="Submit, print the request id and return without waiting.",
        ),
        click.Option(
            ["--download", "cli_download"],
            type=click.Path(file_okay=False, path_type=Path),
            help="Save the output files into this folder (exit 5 if the output holds none).",
        ),
        click.Option(
            ["--timeout", "cli_timeout"],
            type=click.FloatRange(min=0, min_open=True),
            help="Stop waiting after this many seconds (exit 75); the job keeps running.",
        ),
        click.Option(
            ["--json", "cli_json"],
            is_flag=True,
            default=False,
            help="Print the result as one JSON object instead of text.",
        ),
    ]


def _avoid_clashes(model_params: list[click.Parameter], shared: list[click.Option]) -> None:
    """A model input named like a shared option (``--timeout``...) becomes ``--input-<name>``."""
    taken = {name for option in shared for name in (*option.opts, *option.secondary_opts)}
    for param in model_params:
        if not isinstance(param, click.Option):
            continue
        if taken.intersection((*param.opts, *param.secondary_opts)):
            param.opts = [_renamed(name) for name in param.opts]
            param.secondary_opts = [_renamed(name) for name in param.secondary_opts]


def _renamed(name: str) -> str:
    if name.startswith("--no-"):
        return "--no-input-" + name[5:]
    return "--input-" + name.lstrip("-")


def _short_metavars(model_params: list[click.Parameter]) -> None:
    """A long list of choices is spelled out in the help text, not in the option column.

    The command modules write each list once, in the ``Choice``; the help text is made here.
    """
    for param in model_params:
        choice = param.type
        if (
            isinstance(choice, click.Choice)
            and isinstance(param, click.Option)
            and param.metavar is None
            and sum(len(str(value)) + 1 for value in choice.choices) > _MAX_CHOICE_METAVAR
        ):
            param.metavar = "CHOICE"
            values = ", ".join(
                json.dumps(str(value), ensure_ascii=False) for value in choice.choices
            )
            param.help = f"{param.help or ''} Allowed values: {values}.".lstrip()


def build_run_command(commands: ModelCommands) -> click.Command:
    info = commands.info
    model_params = list(commands.params)
    shared = shared_options()
    _avoid_clashes(model_params, shared)
    _short_metavars(model_params)

    def callback(**values: Any) -> None:
        from .run_cmd import run_model

        ctx = click.get_current_context()
        ctx.exit(run_model(ctx, commands, values))

    name = info.display_name if info.display_name != info.model_id else ""
    title = f"{name} ({info.model_id})" if name else info.model_id
    return SafeHelpCommand(
        name=info.model_id,
        params=[*model_params, *shared],
        callback=callback,
        help=f"Run {title} and wait for its output.\n\nPrice: {info.price.describe()}",
        short_help=info.display_name,
        epilog=_EPILOG,
    )


class RunGroup(click.Group):
    """Subcommands are model ids; only the one asked for is imported."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(all_models())

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        info = model_info(cmd_name)
        if info is None:
            return None
        return build_run_command(load_commands(info))

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0]
        command = self.get_command(ctx, name)
        if command is None:
            if name.startswith("-"):
                return super().resolve_command(ctx, args)
            raise UnknownModelError(name, ctx)
        return name, command, args[1:]

    def get_help(self, ctx: click.Context) -> str:
        return terminal_text(super().get_help(ctx))

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [
            (model_id, info.display_name if info.display_name != model_id else "")
            for model_id, info in all_models().items()
        ]
        if rows:
            with formatter.section("Models"):
                formatter.write_dl(rows)

    def shell_complete(self, ctx: click.Context, incomplete: str) -> list[CompletionItem]:
        options = click.Command.shell_complete(self, ctx, incomplete)
        if incomplete.startswith("-"):
            return options
        return [*model_completions(incomplete), *options]
