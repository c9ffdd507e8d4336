"""Start-up of the ``runcomfy-models`` command with 1,000 models generated.

Baseline, measured in the same run: ``python -c "import click, httpx, pydantic"``. Figures: the
wall time of ``runcomfy-models run MODEL --help``, of ``runcomfy-models models`` and of shell
completion answers (click's ``_RUNCOMFY_MODELS_COMPLETE=bash_complete`` protocol: the commands,
the model ids after ``run``, an option's values), fresh processes with the 1,000-model package
first on ``PYTHONPATH``. The commands run in rounds after warm-up runs, each round in the opposite
order of the one before; a ratio is the median of the per-round ratios figure / baseline.

Targets: ``run MODEL --help`` at most 1.3x the baseline, ``models`` at most 2.0x, each
completion answer at most 300 ms.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable

import benchlib as b

TARGET_HELP = 1.3
TARGET_MODELS = 2.0
TARGET_COMPLETION_MS = 300.0

COMPLETE_VAR = "_RUNCOMFY_MODELS_COMPLETE"
COMPLETIONS = {
    "complete commands": ("runcomfy-models ", 1),
    "complete run MODEL_ID": ("runcomfy-models run ", 2),
    f"complete run {b.REAL_MODEL} --resolution VALUE": (
        f"runcomfy-models run {b.REAL_MODEL} --resolution ",
        4,
    ),
}


def completion_env(env: dict[str, str], words: str, cword: int) -> dict[str, str]:
    """``env`` plus what bash's completion function sets for click."""
    return {**env, COMPLETE_VAR: "bash_complete", "COMP_WORDS": words, "COMP_CWORD": str(cword)}


def check_completions(env: dict[str, str], models: int) -> None:
    """The completion answers are real ones: every model id after ``run``."""
    words, cword = COMPLETIONS["complete run MODEL_ID"]
    out = b.run([b.MODELS_CLI], env=completion_env(env, words, cword), sample_memory=False).stdout
    if out.count("plain,") != models:
        raise SystemExit(f"completing `run ` answers {out.count('plain,')} items, not {models}")


def main(argv: list[str] | None = None) -> int:
    p = b.parser(__doc__.splitlines()[0])
    p.add_argument("--models", type=int, default=1000)
    p.add_argument("--runs", type=int, default=20)
    args = p.parse_args(argv)
    if args.quick:
        args.models, args.runs = 12, 2
    with b.workdir(args, "cli") as work:
        tree = b.model_tree(b.trees(args, work), args.models)
        env = b.child_env([tree])
        listed = json.loads(
            b.run([b.MODELS_CLI, "models", "--json"], env=env, sample_memory=False).stdout
        )
        # At most as many models as there are real schemas: the real schemas alone.
        if len(listed) != max(args.models, len(list(b.SCHEMAS.rglob("*.json")))):
            raise SystemExit(f"`runcomfy-models models` lists {len(listed)} models, not the tree's")
        check_completions(env, len(listed))
        commands: dict[str, list[str]] = {
            "baseline": [b.PYTHON, "-c", "import click, httpx, pydantic"],
            "help": [b.MODELS_CLI, "run", b.REAL_MODEL, "--help"],
            "models": [b.MODELS_CLI, "models"],
        }
        envs = dict.fromkeys(commands, env)
        for name, (words, cword) in COMPLETIONS.items():
            commands[name] = [b.MODELS_CLI]
            envs[name] = completion_env(env, words, cword)
        runs = b.Interleaved()
        runs.measure(commands, envs, args.runs, warmup=1 if args.quick else 3)
    ms = {k: [x * 1000 for x in v] for k, v in runs.samples.items()}
    base = b.Row("cli", "baseline: import click, httpx, pydantic", "ms", ms["baseline"])
    rows = [base]
    # (key, figure, target, met): ratios for the commands, milliseconds for the completions.
    figures: list[tuple[str, str, str, Callable[[b.Row], bool]]] = [
        (
            "help",
            f"runcomfy-models run {b.REAL_MODEL} --help",
            f"<= {TARGET_HELP:.1f}x",
            lambda row: (row.ratio or 0.0) <= TARGET_HELP,
        ),
        (
            "models",
            "runcomfy-models models",
            f"<= {TARGET_MODELS:.1f}x",
            lambda row: (row.ratio or 0.0) <= TARGET_MODELS,
        ),
    ]
    figures += [
        (
            name,
            name,
            f"<= {TARGET_COMPLETION_MS:.0f} ms",
            lambda row: row.median <= TARGET_COMPLETION_MS,
        )
        for name in COMPLETIONS
    ]
    for key, figure, target, met in figures:
        row = b.Row(
            "cli",
            f"{figure}, {args.models} models",
            "ms",
            ms[key],
            baseline=base.median,
            target=target,
            ratios=runs.ratios(key, "baseline"),
        )
        row.ok = b.judge(args, met(row))
        rows.append(row)
    return b.finish(rows, args)


if __name__ == "__main__":
    sys.exit(main())
