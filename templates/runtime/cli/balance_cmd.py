"""``runcomfy-models balance``: what the account can still spend."""

from __future__ import annotations

import json

import click

from .settings import get_settings

__all__ = ["balance_command"]


@click.command("balance")
@click.option("--json", "json_flag", is_flag=True, help="Print one JSON object.")
@click.pass_context
def balance_command(ctx: click.Context, json_flag: bool) -> None:
    """Show the balance of your RunComfy account (one wallet pays every job).

    Read from RunComfy's API host with the same token; against a local emulator, from the
    emulator's own wallet.
    """
    from .printing import Printer  # pydantic and the outputs: only when the command runs

    with get_settings(ctx).client() as client:
        balance = client.balance()
    if Printer.for_stdout(json_flag).json:
        click.echo(json.dumps({"balance_usd": balance.usd, "currency": balance.currency}))
    else:
        click.echo(f"balance: {balance}")
