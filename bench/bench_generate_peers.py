"""Full generation of the synthetic corpus against two peer generators, side by side.

In one run, in rounds (each round runs every command once; which goes first alternates), each
into an empty folder:

- ours: ``runcomfy-codegen generate --no-cache`` (one worker per CPU): every model's module,
  classes, command and page;
- openapi-python-client (pinned, in a virtual environment of its own: its dependencies conflict
  with ours) on the corpus wrapped as one OpenAPI 3.1 document (``peer_inputs.py``): a client
  function and the classes of every model; it formats with ruff itself;
- datamodel-codegen's directory mode (our pinned version): one call for a folder holding each
  model's input schema, classes only; formatted with ruff (``--formatters ruff-format``; its
  default, black and isort, takes about three times as long).

Figures: wall, CPU of all processes and peak memory (summed resident memory) of each, and the
medians of the per-round ratios ours / peer. Then linearity: ours and datamodel-codegen on a
corpus three times as large, in the same rounds. What each generated is counted and checked.

Targets: wall <= 1.0x openapi-python-client's; CPU <= 15 ms per model; memory <= datamodel-
codegen's directory mode; CPU per model at 3x the models <= 1.1x that at 1x, memory at 3x <=
datamodel-codegen's at 3x.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

import benchlib as b
import peer_inputs

PEER = "openapi-python-client"
PEER_VERSION = "0.29.1"
DMCG = "datamodel-codegen"
TARGET_WALL_RATIO = 1.0
TARGET_CPU_PER_MODEL = 0.015
TARGET_MEMORY_RATIO = 1.0
TARGET_LINEARITY = 1.1
DMCG_OPTIONS = (
    "--input-file-type",
    "jsonschema",
    "--output-model-type",
    "pydantic_v2.BaseModel",
    "--formatters",
    "ruff-format",
)


def peer_python(args: argparse.Namespace) -> Path | None:
    """The interpreter of openapi-python-client's own virtual environment, made once under the
    work folder (``.bench/`` without ``--work``); ``None`` with ``--quick`` when there is none
    (the tests run without the network)."""
    if args.peer_python is not None:
        python = Path(args.peer_python).absolute()
        if not (python.parent / PEER).is_file():
            raise SystemExit(f"--peer-python {python}: no {PEER} next to it")
        return python
    root = args.work.resolve() if args.work is not None else b.ROOT / ".bench"
    venv = root / f"peer-{PEER}-{PEER_VERSION}"
    python = venv / "bin" / "python"
    if (venv / "bin" / PEER).is_file():
        return python
    if args.quick:
        return None
    b.log(f"creating {venv} with {PEER}=={PEER_VERSION} (once)")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, f"{PEER}=={PEER_VERSION}"], check=True)
    return python


def _rounds(
    args: argparse.Namespace, work: Path, python: Path | None
) -> tuple[b.Interleaved, Path]:
    """Prepares the inputs, runs the rounds; returns the runs and the folder of the outputs."""
    n, big = args.models, args.scale_models
    corpora = {size: work / f"corpus-{size}" for size in (n, big)}
    for size, corpus in corpora.items():
        b.make_corpus(size, corpus)
    outs = work / "out"
    commands: dict[str, list[str]] = {}
    envs: dict[str, dict[str, str]] = {}
    ours = [b.CODEGEN, "generate", "--no-cache"]
    for size in (n, big):
        name = f"ours@{size}"
        commands[name] = [*ours, "--schemas", str(corpora[size]), "--out", str(outs / name)]
        envs[name] = b.child_env()
        if size == n and python is not None:
            api = work / f"api-{n}.json"
            peer_inputs.write_openapi(corpora[n], api)
            name = f"{PEER}@{n}"
            cli = str(python.parent / PEER)
            out = str(outs / name)
            commands[name] = [cli, "generate", "--path", str(api), "--output-path", out]
            commands[name] += ["--meta", "none"]
            # Its ruff hooks run by name: its own ruff first on PATH.
            path = os.pathsep.join([str(python.parent), os.environ.get("PATH", "")])
            envs[name] = b.child_env(extra={"PATH": path})
        if not args.no_peers:
            folder = work / f"dmcg-in-{size}"
            peer_inputs.write_input_folder(corpora[size], folder)
            name = f"{DMCG}@{size}"
            dmcg = str(b.BIN / DMCG)
            out = str(outs / name)
            commands[name] = [dmcg, "--input", str(folder), "--output", out, *DMCG_OPTIONS]
            envs[name] = b.child_env()

    def clear(name: str) -> None:
        b.log(f"next: {name}")
        shutil.rmtree(outs / name, ignore_errors=True)
        b.settle()

    runs = b.Interleaved()
    runs.measure(commands, envs, args.runs, warmup=args.warmup, before=clear, sample_memory=True)
    return runs, outs


def _count(figure: str, unit: str, found: int, want: int, why: str = "") -> b.Row:
    """A correctness figure: judged at every size, ``--quick`` included."""
    target = f"== {want}{why}"
    return b.Row("generate-peers", figure, unit, [float(found)], target=target, ok=found == want)


def _counted(outs: Path, n: int, big: int, peers: set[str]) -> list[b.Row]:
    """What each generator made in its last run, counted."""
    rows = []
    for size in (n, big):
        tree = outs / f"ours@{size}"
        catalog = json.loads((tree / "runcomfy_models" / "_catalog.json").read_text("utf-8"))
        pages = [p for p in (tree / "docs").rglob("*.md") if p != tree / "docs" / "README.md"]
        made = min(len(catalog["models"]), len(pages))
        figure = f"ours, {size} models: models generated (catalog entries and pages)"
        rows.append(_count(figure, "models", made, size))
    if f"{PEER}@{n}" in peers:
        made = peer_inputs.count_modules(outs / f"{PEER}@{n}", "api/default/*.py")
        figure = f"{PEER} {PEER_VERSION}, {n} models: endpoints generated (api/default/*.py)"
        rows.append(_count(figure, "endpoints", made, n, " (every model: the comparison is fair)"))
    for size in (n, big):
        if f"{DMCG}@{size}" in peers:
            made = peer_inputs.count_modules(outs / f"{DMCG}@{size}", "*.py")
            figure = f"{DMCG} directory mode, {size} models: modules generated"
            rows.append(_count(figure, "modules", made, size))
    return rows


METRICS = (
    ("wall", "s", "wall"),
    ("CPU, all processes", "s", "cpu"),
    ("peak memory", "MB", "memory"),
)
"""(figure, unit, kind) of every run."""
TARGETS = {(PEER, "wall"): TARGET_WALL_RATIO, (DMCG, "memory"): TARGET_MEMORY_RATIO}
"""The most ours may take of a peer's (paired ratio), by (peer, kind)."""


def _of(runs: b.Interleaved, kind: str, name: str) -> list[float]:
    return {"wall": runs.samples, "cpu": runs.cpu, "memory": runs.peak_mb}[kind][name]


def _figures(args: argparse.Namespace, runs: b.Interleaved) -> list[b.Row]:
    """Each peer's wall, CPU and memory; ours, compared with each peer run in the same rounds
    (the baseline is the peer's median, the ratio the median of the per-round ratios)."""
    n, big = args.models, args.scale_models
    rows: list[b.Row] = []
    for size, tool in [(size, tool) for size in (n, big) for tool in (PEER, DMCG)]:
        name = f"{tool}@{size}"
        if name not in runs.samples:
            continue
        label = f"{PEER} {PEER_VERSION}" if tool == PEER else f"{DMCG} directory mode"
        for figure, unit, kind in METRICS:
            rows.append(
                b.Row(
                    "generate-peers",
                    f"{label}, {size} models: {figure}",
                    unit,
                    _of(runs, kind, name),
                )
            )
    for size in (n, big):
        ours = f"ours@{size}"
        peers = [t for t in (PEER, DMCG) if f"{t}@{size}" in runs.samples]
        for figure, unit, kind in METRICS:
            mine = _of(runs, kind, ours)
            if not peers:
                rows.append(b.Row("generate-peers", f"ours, {size} models: {figure}", unit, mine))
            for peer in peers:
                theirs = _of(runs, kind, f"{peer}@{size}")
                ratios = [a / z for a, z in zip(mine, theirs, strict=True) if z > 0]
                limit = TARGETS.get((peer, kind))
                rows.append(
                    b.Row(
                        "generate-peers",
                        f"ours, {size} models: {figure} (baseline: {peer})",
                        unit,
                        mine,
                        baseline=statistics.median(theirs),
                        ratios=ratios,
                        target=f"<= {limit:g}x" if limit else "",
                        ok=b.judge(args, statistics.median(ratios) <= limit) if limit else None,
                    )
                )
    per_model = [c / n * 1000 for c in runs.cpu[f"ours@{n}"]]
    per_model_ok = statistics.median(per_model) <= TARGET_CPU_PER_MODEL * 1000
    scale = [
        (at_big / big) / (at_n / n)
        for at_big, at_n in zip(runs.cpu[f"ours@{big}"], runs.cpu[f"ours@{n}"], strict=True)
    ]
    rows += [
        b.Row(
            "generate-peers",
            f"ours, {n} models: CPU per model",
            "ms",
            per_model,
            target=f"<= {TARGET_CPU_PER_MODEL * 1000:g} ms",
            ok=b.judge(args, per_model_ok),
        ),
        b.Row(
            "generate-peers",
            f"linearity: ours, CPU per model at {big} / at {n} models (paired)",
            "x",
            scale,
            target=f"<= {TARGET_LINEARITY:g}x",
            ok=b.judge(args, statistics.median(scale) <= TARGET_LINEARITY),
        ),
    ]
    return rows


def main(argv: list[str] | None = None) -> int:
    p = b.parser(__doc__.splitlines()[0])
    p.add_argument("--models", type=int, default=1000)
    p.add_argument("--scale-models", type=int, help="the larger corpus (default: 3x --models)")
    p.add_argument("--runs", type=int, default=3, help="timed rounds")
    p.add_argument("--warmup", type=int, default=1, help="untimed rounds first")
    p.add_argument("--no-peers", action="store_true", help="only ours (at both sizes)")
    p.add_argument(
        "--peer-python",
        type=Path,
        help=f"the interpreter of an existing virtual environment holding {PEER}",
    )
    args = p.parse_args(argv)
    if args.quick:
        args.models, args.runs, args.warmup = 12, 1, 0
        args.scale_models = None
    args.scale_models = args.scale_models or 3 * args.models
    python = None if args.no_peers else peer_python(args)
    if python is None and not args.no_peers:
        print(f"{PEER}: skipped (--quick and no virtual environment of it; see --peer-python)")
    with b.workdir(args, "generate_peers") as work:
        runs, outs = _rounds(args, work, python)
        rows = _counted(outs, args.models, args.scale_models, set(runs.samples))
        rows = _figures(args, runs) + rows
    return b.finish(rows, args)


if __name__ == "__main__":
    sys.exit(main())
