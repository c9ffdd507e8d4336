"""``runcomfy-codegen``: generate, check and validate clients from RunComfy model schemas."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import ClassVar, NoReturn

import click

from runcomfy_codegen import __version__
from runcomfy_codegen.cache import Cache
from runcomfy_codegen.options import SCHEMAS
from runcomfy_codegen.pipeline import render
from runcomfy_codegen.pipeline.build import analyse, generate, record_templates_digest
from runcomfy_codegen.pipeline.diagnostics import Diagnostic, Level, has_errors, promote_warnings
from runcomfy_codegen.pipeline.load import schemas_folder_of
from runcomfy_codegen.pipeline.record import Verdict, check_by_record
from runcomfy_codegen.pipeline.write import (
    WriteError,
    check_output_folder,
    compare,
    read_tree,
    replace_tree,
)


def report(diagnostics: Sequence[Diagnostic]) -> None:
    """Print every diagnostic, then a one-line count."""
    for d in diagnostics:
        click.echo(str(d), err=True)
    errors = sum(d.level is Level.ERROR for d in diagnostics)
    warnings = sum(d.level is Level.WARNING for d in diagnostics)
    if errors or warnings:
        click.echo(f"{errors} error(s), {warnings} warning(s)", err=True)


class _Commands(click.Group):
    """Commands defined in other modules are imported only when used: they import httpx and the
    diff machinery, which ``generate`` does not need."""

    LAZY: ClassVar[dict[str, tuple[str, str]]] = {
        "pull": ("runcomfy_codegen.lifecycle.commands", "pull_cmd"),
        "diff": ("runcomfy_codegen.lifecycle.commands", "diff_cmd"),
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.LAZY})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.LAZY and cmd_name not in self.commands:
            module, name = self.LAZY[cmd_name]
            command = getattr(importlib.import_module(module), name)
            if isinstance(command, click.Command):
                self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="runcomfy-codegen")
def cli() -> None:
    """Generate typed Python clients from RunComfy model schemas."""


@cli.command(name="generate")
@SCHEMAS
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("generated"),
    show_default=True,
    help="Folder of the generated package.",
)
@click.option(
    "--templates",
    "templates_dir",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    help="Folder of templates that override the packaged ones by file name.",
)
@click.option("--model", "models", multiple=True, help="Regenerate only this model (repeatable).")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if the tree on disk is stale.")
@click.option(
    "--no-cache",
    is_flag=True,
    help=(
        "Rebuild every model; neither read nor update the cache in OUT/.codegen-cache/, nor "
        "trust the record OUT/.codegen-record (so --check compares with a full generation)."
    ),
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    help="Worker processes for large builds (default: one per CPU).",
)
def generate_cmd(
    schemas: Path,
    out: Path,
    templates_dir: Path | None,
    models: tuple[str, ...],
    strict: bool,
    check: bool,
    no_cache: bool,
    jobs: int | None,
) -> None:
    """Generate the runcomfy-models package from the schemas (schemas/ -> generated/).

    Models whose schema, templates and generator are unchanged since the last run keep their
    files, so regenerating after a small change is quick; the output is the same either way.
    """
    try:
        existing = read_tree(out)
        if not check:
            check_output_folder(out, existing)
    except WriteError as exc:
        click.echo(f"error: {exc}; nothing written", err=True)
        sys.exit(1)
    if check and not no_cache and not models:
        verdict = _check_by_record(schemas, existing, templates_dir)
        if verdict is not None:
            diagnostics = promote_warnings(verdict.diagnostics) if strict else verdict.diagnostics
            _finish_check(out, diagnostics, verdict.stale, verdict.models)
    cache = None if no_cache else Cache.load(out)
    build = generate(
        schemas,
        templates_dir=templates_dir,
        only=models or None,
        strict=strict,
        existing=existing,
        cache=cache,
        jobs=jobs,
        use_record=not no_cache,
    )
    changes = compare(existing, build.files)
    if check:
        _finish_check(out, build.diagnostics, changes.stale, len(build.specs))
    report(build.diagnostics)
    if not build.ok:
        click.echo(f"nothing written: {out}/ is unchanged", err=True)
        sys.exit(1)
    if changes:
        try:
            replace_tree(out, build.files, existing=existing)
        except WriteError as exc:
            click.echo(f"error: {exc}; {out}/ is unchanged", err=True)
            sys.exit(1)
    if cache is not None:
        cache.save()  # only after a successful write: --check and failed runs write nothing
    click.echo(
        f"{len(build.specs)} models -> {out}/: {len(changes.added)} added, "
        f"{len(changes.changed)} changed, {len(changes.removed)} removed"
    )
    if changes:
        from runcomfy_codegen.lifecycle.change_report import CATALOG_FILE, summarize_change

        old_catalog, new_catalog = existing.get(CATALOG_FILE), build.files.get(CATALOG_FILE)
        for line in summarize_change(old_catalog, build.specs, new_catalog):
            click.echo(line, err=True)


def _check_by_record(
    schemas: Path, existing: Mapping[str, bytes], templates_dir: Path | None
) -> Verdict | None:
    """The check's answer from the tree's record alone, or None if only a generation can tell."""
    try:
        templates = record_templates_digest(render.Templates(templates_dir))
    except (render.RenderError, OSError):
        return None  # a generation reports it
    return check_by_record(schemas, existing, templates)


def _finish_check(
    out: Path, diagnostics: Sequence[Diagnostic], stale: Sequence[str], models: int
) -> NoReturn:
    """Print the outcome of ``generate --check`` and exit: 0 up to date, 1 stale or invalid."""
    report(diagnostics)
    if has_errors(diagnostics):
        click.echo(f"nothing written: {out}/ is unchanged", err=True)
        sys.exit(1)
    if stale:
        click.echo(f"{out}/ is stale; these files differ from a fresh generation:", err=True)
        for path in stale:
            click.echo(f"  {path}", err=True)
        click.echo("run `runcomfy-codegen generate` to update it", err=True)
        sys.exit(1)
    click.echo(f"{out}/ is up to date ({models} models)")
    sys.exit(0)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
def validate(paths: tuple[Path, ...], strict: bool) -> None:
    """Check schema files (or folders of them) and print diagnostics only."""
    roots = paths or (Path("schemas"),)
    diagnostics: list[Diagnostic] = []
    count = 0
    for root in roots:
        id_root = schemas_folder_of(root) if root.is_dir() and root.name != "schemas" else None
        build = analyse(root, strict=strict, id_root=id_root)
        diagnostics.extend(build.diagnostics)
        count += len(build.specs)
    report(diagnostics)
    if any(d.level is Level.ERROR for d in diagnostics):
        sys.exit(1)
    click.echo(f"{count} schema(s) valid")


@cli.command()
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if a twin is stale.")
def derive(check: bool) -> None:
    """Rewrite the runtime's sync twins (client.py, catalog_api.py, fetch.py) from their async
    sources.

    Edit ``async_client.py``, ``async_catalog_api.py`` or ``async_fetch.py`` in the templates'
    runtime folder, then run
    this before ``generate``, which refuses a twin that no longer matches its source.
    """
    from runcomfy_codegen.pipeline.unasync import UnasyncError, derive_twins, stale_twins

    folder = render.Templates().runtime_dir
    try:
        changed = stale_twins(folder) if check else derive_twins(folder)
    except (OSError, UnasyncError) as exc:
        click.echo(f"error: cannot derive the sync twins: {exc}", err=True)
        sys.exit(1)
    for path in changed:
        click.echo(f"{'stale' if check else 'derived'}: templates/runtime/{path.name}")
    if check and changed:
        click.echo("run `runcomfy-codegen derive` to update them", err=True)
        sys.exit(1)
    if not changed:
        click.echo("the sync twins are up to date")


def main() -> None:
    cli()
