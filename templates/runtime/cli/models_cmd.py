"""``runcomfy-models models``: what this package can run, from the registry alone."""

from __future__ import annotations

import json

import click

from .registry import all_models
from .render import Printer

__all__ = ["models_command"]

_KINDS = ("image", "video", "audio", "unknown")


@click.command("models")
@click.option("--json", "json_flag", is_flag=True, help="Print a JSON list of the models.")
@click.option(
    "--kind",
    type=click.Choice(_KINDS),
    help="Only the models that make this kind of file (unknown: the catalog does not say).",
)
def models_command(json_flag: bool, kind: str | None) -> None:
    """List the generated models with what they make and their prices (no model module is
    imported).

    The kind is what a model makes (image, video or audio: its ``OUTPUT_KIND``), "-" when
    its catalog entry and id do not say. A price is what RunComfy's catalog entry says, per
    output or per second; "unknown" when the entry the package was generated from has none.
    """
    models = {
        model_id: info
        for model_id, info in all_models().items()
        if kind is None or (info.output_kind or "unknown") == kind
    }
    if Printer.for_stdout(json_flag).json:
        click.echo(
            json.dumps(
                [
                    {
                        "model_id": info.model_id,
                        "display_name": info.display_name,
                        "module": info.module,
                        "output_kind": info.output_kind,
                        "categories": list(info.categories),
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
        kind_text = info.output_kind or "-"
        click.echo(
            f"{model_id:<{width}}  {kind_text:<5}  {prices[model_id]:<{price_width}}  {name}".rstrip()
        )
