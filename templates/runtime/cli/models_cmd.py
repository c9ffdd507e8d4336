"""``runcomfy-models models``: what this package can run, from the registry alone."""

from __future__ import annotations

import json

import click

from .registry import all_models
from .render import Printer

__all__ = ["models_command"]


@click.command("models")
@click.option("--json", "json_flag", is_flag=True, help="Print the list as JSON instead of text.")
def models_command(json_flag: bool) -> None:
    """List the generated models with their prices (no model module is imported).

    A price is what RunComfy's catalog entry says, per output or per second;
    "unknown" when the entry the package was generated from has none.
    """
    models = all_models()
    if Printer.for_stdout(json_flag).json:
        click.echo(
            json.dumps(
                [
                    {
                        "model_id": info.model_id,
                        "display_name": info.display_name,
                        "module": info.module,
                        "price_usd": info.price.usd,
                        "price_unit": info.price.unit,
                    }
                    for info in models.values()
                ],
                ensure_ascii=False,
            )
        )
        return
    width = max((len(model_id) for model_id in models), default=0)
    prices = {model_id: str(info.price) for model_id, info in models.items()}
    price_width = max((len(text) for text in prices.values()), default=0)
    for model_id, info in models.items():
        name = info.display_name if info.display_name != model_id else ""
        click.echo(f"{model_id:<{width}}  {prices[model_id]:<{price_width}}  {name}".rstrip())
