"""The root command group: exit codes for every kind of error, never a traceback for them.

- a bad option value or unknown model: 65 (bad input), with click's message
  naming the option;
- a runtime error: its ``exit_code`` (65, 69, 75, 77 or 1) and its message;
- Ctrl-C outside the places that handle it: 130.

Subcommands may be named by where they live (``lazy_commands``) and are imported when first
used, so ``run MODEL --help`` and shell completion do not import what other commands need
(the HTTP client, pydantic, the output printers).
"""

from __future__ import annotations

import errno
import importlib
import sys
from collections.abc import Mapping, Sequence
from typing import Any, NoReturn

import click

from ..errors import TOKEN_ENV_VARS, MissingTokenError, RunComfyError, emulator_token_hint
from . import exits
from .advice import cli_message
from .interrupts import exit_interrupted
from .problems import InputProblems
from .style import error

__all__ = ["RootGroup", "report_error"]

# click >= 8.2 raises this for a group called without a command: just help, not an error.
_NO_ARGS: tuple[type[click.UsageError], ...] = tuple(
    cls
    for cls in (getattr(click.exceptions, "NoArgsIsHelpError", None),)
    if isinstance(cls, type) and issubclass(cls, click.UsageError)
)


def report_error(exc: RunComfyError) -> None:
    if isinstance(exc, InputProblems):
        error(f"Invalid input for {exc.model_id}:")
        for problem in exc.problems:
            click.echo(f"  {problem}", err=True)
        return
    if isinstance(exc, MissingTokenError):
        error(
            f"No RunComfy API token: set the {TOKEN_ENV_VARS[0]} "
            f"(or {TOKEN_ENV_VARS[1]}) environment variable."
            + emulator_token_hint(exc.emulator_url)
        )
        return
    error(cli_message(exc))


class RootGroup(click.Group):
    """A group whose ``main`` maps errors to the documented exit codes.

    ``lazy_commands`` maps a command name to ``"module:attribute"`` (module relative to this
    package); the command is imported the first time it is looked up.
    """

    def __init__(
        self, *args: Any, lazy_commands: Mapping[str, str] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._lazy = dict(lazy_commands or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self._lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        where = self._lazy.pop(cmd_name, None)
        if where is not None and cmd_name not in self.commands:
            module, _, attribute = where.partition(":")
            command = getattr(importlib.import_module(module, __package__), attribute)
            if not isinstance(command, click.Command):
                raise TypeError(f"{where} is not a click command")
            self.add_command(command, cmd_name)
        return self.commands.get(cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except RunComfyError as exc:
            report_error(exc)
            ctx.exit(exc.exit_code)
        except OSError as exc:
            if exc.errno == errno.EPIPE:
                raise
            where = f": {exc.filename}" if exc.filename else ""
            error(f"{exc.strerror or exc}{where}")
            ctx.exit(exits.FAILED)

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            result = super().main(args, prog_name, complete_var, False, **extra)
        except click.UsageError as exc:
            if isinstance(exc, _NO_ARGS) and exc.ctx is not None:
                click.echo(exc.ctx.get_help())
                _exit(exits.OK)
            exc.show()
            _exit(exits.BAD_INPUT)
        except click.ClickException as exc:
            exc.show()
            _exit(exc.exit_code)
        except (click.Abort, KeyboardInterrupt):  # click turns some Ctrl-Cs into Abort
            exit_interrupted()
        except OSError as exc:
            if exc.errno != errno.EPIPE:
                raise
            _exit(exits.FAILED)
        _exit(result if isinstance(result, int) else exits.OK)


def _exit(code: int) -> NoReturn:
    sys.stdout.flush()
    sys.exit(code)
