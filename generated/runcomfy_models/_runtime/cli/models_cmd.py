"""``runcomfy-models models``: what this package can run, from the registry or the live catalog."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import click

from ..pricing import Price
from .registry import ModelInfo, all_models
from .settings import get_settings
from .style import json_line, terminal_text

__all__ = ["models_command"]

_KINDS = ("image", "video", "audio", "unknown")


@click.command("models")
@click.option("--category", metavar="NAME", help="Only the models of this category.")
@click.option(
    "--live",
    is_flag=True,
    help="Read prices and categories from RunComfy's catalog now (needs a token) instead of "
    "what the package was generated from.",
)
@click.option(
    "--kind",
    type=click.Choice(_KINDS),
    help="Only the models that make this kind of file (unknown: the catalog does not say).",
)
@click.option("--json", "json_flag", is_flag=True, help="Print the list as JSON instead of text.")
@click.pass_context
def models_command(
    ctx: click.Context, category: str | None, live: bool, kind: str | None, json_flag: bool
) -> None:
    """List the generated models with what they make and their prices (no model module is
    imported).

    The kind is what a model makes (image, video or audio: its ``OUTPUT_KIND``), "-" when
    its catalog entry and id do not say. A price is what RunComfy's catalog entry says, per
    output or per second; "unknown" when the entry has none. Without --live it is the price of
    the entry the package was generated from, which RunComfy may have changed since.
    """
    models = dict(all_models())
    live_entries: dict[str, Mapping[str, Any]] = {}
    if live:
        live_entries = _live_entries(ctx, category)
        absent = [model_id for model_id in models if model_id not in live_entries]
        if absent and not category:
            click.echo(
                f"{len(absent)} generated model(s) are not in RunComfy's catalog: "
                + ", ".join(absent[:5])
                + (" ..." if len(absent) > 5 else ""),
                err=True,
            )
        models = {model_id: info for model_id, info in models.items() if model_id in live_entries}
    elif category:
        models = {model_id: info for model_id, info in models.items() if info.in_category(category)}
    if kind is not None:
        models = {
            model_id: info
            for model_id, info in models.items()
            if (info.output_kind or "unknown") == kind
        }
    rows = [_row(info, live_entries.get(model_id), live) for model_id, info in models.items()]
    if json_flag:  # JSON exactly when --json is given, whatever stdout is (as Printer)
        click.echo(json_line(rows))
        return
    if not rows and category:
        click.echo(f"No generated model is in the category {category!r}.", err=True)
    width = max((len(row["model_id"]) for row in rows), default=0)
    prices = [_price_text(row) for row in rows]
    price_width = max((len(text) for text in prices), default=0)
    for row, price in zip(rows, prices, strict=True):
        name = terminal_text(row["display_name"]) if row["display_name"] != row["model_id"] else ""
        kind_text = row["output_kind"] or "-"
        click.echo(
            f"{row['model_id']:<{width}}  {kind_text:<5}  {price:<{price_width}}  {name}".rstrip()
        )


def _live_entries(ctx: click.Context, category: str | None) -> dict[str, Mapping[str, Any]]:
    """Every catalog entry (of ``category``), read page by page."""
    entries: dict[str, Mapping[str, Any]] = {}
    with get_settings(ctx).client() as client:
        offset = 0
        while True:
            page = client.catalog(category=category, limit=500, offset=offset)
            found = [item for item in page.get("models") or [] if isinstance(item, dict)]
            entries.update((str(item.get("model_id")), item) for item in found)
            offset += len(found)
            total = page.get("total")
            if not found or not isinstance(total, int) or offset >= total:
                return entries


def _row(info: ModelInfo, entry: Mapping[str, Any] | None, live: bool) -> dict[str, Any]:
    price = info.price
    categories: list[str] = list(info.categories)
    kind = info.kind
    if entry is not None:
        price = info.price.with_rate(entry.get("base_price_usd"), entry.get("price_unit"))
        raw = entry.get("categories")
        categories = [str(item) for item in raw] if isinstance(raw, list) else []
        live_kind = entry.get("kind")
        kind = live_kind if isinstance(live_kind, str) and live_kind else None
    row: dict[str, Any] = {
        "model_id": info.model_id,
        "display_name": info.display_name,
        "module": info.module,
        "output_kind": info.output_kind,
        "price_usd": price.usd,
        "price_unit": price.unit,
        "categories": categories,
        "kind": kind,
    }
    if live:
        row["generated_price_usd"] = info.price.usd
        row["generated_price_unit"] = info.price.unit
    return row


def _price_text(row: Mapping[str, Any]) -> str:
    text = str(Price(row["price_usd"], row["price_unit"]))
    generated = Price(row.get("generated_price_usd"), row.get("generated_price_unit"))
    if "generated_price_usd" in row and str(generated) != text:
        text += f" (generated: {generated})"
    return text
