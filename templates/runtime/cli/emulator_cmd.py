"""``runcomfy-models emulator``: serve the local stand-in of the RunComfy Model API."""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["emulator_command"]

_MISSING_EXTRA = (
    "The emulator needs the optional 'emulator' extra (starlette, uvicorn, jsonschema): "
    "pip install 'runcomfy-models[emulator]'"
)


@click.command("emulator")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8765, show_default=True, help="0 picks one."
)
@click.option(
    "--token",
    default=None,
    help="Accept only this API token (by default any token is accepted). Never printed.",
)
@click.option(
    "--queue-seconds",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    help="How long each job waits in the queue.",
)
@click.option(
    "--run-seconds",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    help="How long each job runs.",
)
@click.option(
    "--run-seconds-input",
    metavar="INPUT",
    default=None,
    help="Make a job's run time follow this input: the number it holds (5, '10', '720p') "
    "times --run-seconds-per-unit; jobs without a number there run --run-seconds.",
)
@click.option(
    "--run-seconds-per-unit",
    type=click.FloatRange(min=0, min_open=True),
    default=1.0,
    show_default=True,
    help="Run seconds per unit of --run-seconds-input.",
)
@click.option(
    "--fail",
    "fail_jobs",
    is_flag=True,
    help="Make every job fail (otherwise only inputs containing the fail marker do).",
)
@click.option(
    "--fault",
    "fault_specs",
    multiple=True,
    metavar="SPEC",
    help="Misbehave on purpose: route:kind[=value][,field=value...], e.g. "
    "'submit:status=429,times=3', 'status:slow=1.5', 'result:drop_after,times=1'. Repeatable.",
)
@click.option(
    "--faults-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help='Fault rules as JSON: one rule, a list, or {"faults": [...]}.',
)
@click.option(
    "--shape",
    "shape_specs",
    multiple=True,
    metavar="KEY=VALUE",
    help="Answer in a shape RunComfy's own clients handle instead of the documented one, e.g. "
    "'result_success=completed', 'error=string', 'cancel=empty', 'output=list'. "
    "Keys: queued, running, status_outcome, result_success, cancelled, error, cancel, "
    "output (documented, list, extras, unknown_key, nested, no_file). "
    "Repeatable.",
)
@click.option(
    "--catalog",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Serve this catalog file instead of the package's own models.",
)
@click.option(
    "--balance",
    type=click.FloatRange(min=0),
    metavar="USD",
    help="Keep a wallet of USD: each succeeded job is charged its cost, and a submit it cannot "
    "pay for is refused with RunComfy's insufficient-balance error (400002). Unlimited by "
    "default.",
)
@click.option("--access-log", is_flag=True, help="Log every request to stderr.")
def emulator_command(
    host: str,
    port: int,
    token: str | None,
    queue_seconds: float,
    run_seconds: float,
    run_seconds_input: str | None,
    run_seconds_per_unit: float,
    fail_jobs: bool,
    fault_specs: tuple[str, ...],
    faults_file: Path | None,
    shape_specs: tuple[str, ...],
    catalog: Path | None,
    balance: float | None,
    access_log: bool,
) -> None:
    """Serve a local emulator of the RunComfy Model API until Ctrl-C.

    Point the clients at it with --base-url http://HOST:PORT (or RUNCOMFY_MODEL_API_BASE,
    with or without a trailing /v1).
    """
    try:
        from ..emulator import FaultRule, Shapes, load_catalog, load_faults, serve
    except ImportError as exc:
        raise click.ClickException(_MISSING_EXTRA) from exc

    faults: list[FaultRule] = []
    for spec in fault_specs:
        try:
            faults.append(FaultRule.from_spec(spec))
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="'--fault'") from exc
    if faults_file is not None:
        try:
            faults.extend(load_faults(faults_file))
        except (OSError, ValueError) as exc:
            raise click.BadParameter(str(exc), param_hint="'--faults-file'") from exc
    try:
        shapes = Shapes.parse(shape_specs)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'--shape'") from exc
    try:
        entries = load_catalog(catalog)
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"Cannot load the catalog: {exc}") from exc
    try:
        serve(
            host,
            port,
            catalog=entries,
            token=token,
            queue_seconds=queue_seconds,
            run_seconds=run_seconds,
            faults=faults,
            outcome="failed" if fail_jobs else "succeeded",
            access_log=access_log,
            shapes=shapes,
            balance=balance,
            run_seconds_input=run_seconds_input,
            run_seconds_per_unit=run_seconds_per_unit,
        )
    except OSError as exc:
        raise click.ClickException(
            f"Cannot listen on {host}:{port}: {exc.strerror or exc}"
        ) from exc
