"""Command-line options shared by the commands of ``runcomfy-codegen`` (cli.py and lifecycle/)."""

from __future__ import annotations

from pathlib import Path

import click

SCHEMAS = click.option(
    "--schemas",
    "schemas",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("schemas"),
    show_default=True,
    help="Folder of schema files (schemas/<model_id>.json).",
)
