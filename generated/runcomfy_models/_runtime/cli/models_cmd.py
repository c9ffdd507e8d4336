"""``runcomfy-models models``: what this package can run, from the registry alone."""

from __future__ import annotations

import json

import click

from .registry import all_models
from .render import Printer

__all__ = ["models_command"]


@click.command("models")
@click.option("--json", "json_flag", is_flag=True, help="Print a JSON list of the models.")
def models_command(json_flag: bool) -> None:
    """List the generated models (no model module is imported)."""
    models = all_models()
    if Printer.for_stdout(json_flag).json:
        click.echo(
            json.dumps(
                [
                    {
                        "model_id": info.model_id,
                        "display_name": info.display_name,
                        "module": info.module,
                    }
                    for info in models.values()
                ],
                ensure_ascii=False,
            )
        )
        return
    width = max((len(model_id) for model_id in models), default=0)
    for model_id, info in models.items():
        name = info.display_name if info.display_name != model_id else ""
        click.echo(f"{model_id:<{width}}  {name}".rstrip())
