"""Start-up of the ``runcomfy-models`` command with 1,000 models generated.

Baseline, measured in the same run: ``python -c "import click, httpx, pydantic"``. Figures: the
wall time of ``runcomfy-models run MODEL --help`` and of ``runcomfy-models models``, fresh
processes with the 1,000-model package first on ``PYTHONPATH``, interleaved with the baseline
after warm-up runs.

Target: at most 2.0x the baseline.
"""

from __future__ import annotations

import json
import sys

import benchlib as b

TARGET = 2.0


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
        commands = {
            "baseline": [b.PYTHON, "-c", "import click, httpx, pydantic"],
            "help": [b.MODELS_CLI, "run", b.REAL_MODEL, "--help"],
            "models": [b.MODELS_CLI, "models"],
        }
        runs = b.Interleaved()
        runs.measure(
            commands, dict.fromkeys(commands, env), args.runs, warmup=1 if args.quick else 3
        )
    ms = {k: [x * 1000 for x in v] for k, v in runs.samples.items()}
    base = b.Row("cli", "baseline: import click, httpx, pydantic", "ms", ms["baseline"])
    rows = [base]
    for key, name in (("help", f"run {b.REAL_MODEL} --help"), ("models", "models")):
        row = b.Row(
            "cli",
            f"runcomfy-models {name}, {args.models} models",
            "ms",
            ms[key],
            baseline=base.median,
            target=f"<= {TARGET:.1f}x",
        )
        row.ok = b.judge(args, (row.ratio or 0.0) <= TARGET)
        rows.append(row)
    return b.finish(rows, args)


if __name__ == "__main__":
    sys.exit(main())
