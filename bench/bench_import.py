"""Importing one generated model in a fresh process, with 7 and with 1,000 models generated.

Baseline, measured in the same run: ``python -c "import httpx, pydantic"``. Each figure is the
wall time of a fresh ``python -c "import runcomfy_models.<model>"``, interpreter start included
(the same for the baseline), with the generated package first on ``PYTHONPATH``. The commands
run interleaved, after warm-up runs that leave bytecode caches behind as on a user's machine.

Targets: at most the baseline + 40 ms, and the same (within 10%) with 7 or 1,000 models.

Also shown, without a target: importing the model and then using its ``Input`` class, which loads
what a model's import leaves for later (its pydantic classes, pydantic and the runtime).
"""

from __future__ import annotations

import sys

import benchlib as b

TARGET_EXTRA = 0.040
TARGET_SCALE = 1.10


def main(argv: list[str] | None = None) -> int:
    p = b.parser(__doc__.splitlines()[0])
    p.add_argument("--models", type=int, default=1000)
    p.add_argument("--runs", type=int, default=20)
    args = p.parse_args(argv)
    if args.quick:
        args.models, args.runs = 12, 2
    with b.workdir(args, "import") as work:
        folder = b.trees(args, work)
        small, large = b.model_tree(folder, 7), b.model_tree(folder, args.models)
        envs = {
            "baseline": b.child_env(),
            "small": b.child_env([small]),
            "large": b.child_env([large]),
            "used": b.child_env([small]),
        }
        for name in ("small", "large"):
            where = b.run(
                [b.PYTHON, "-c", f"import {b.REAL_MODULE} as m; print(m.__file__)"],
                env=envs[name],
                sample_memory=False,
            ).stdout.strip()
            tree = small if name == "small" else large
            if not where.startswith(str(tree)):
                raise SystemExit(f"the {name} tree is not the one imported: {where}")
        commands = {
            "baseline": [b.PYTHON, "-c", "import httpx, pydantic"],
            "small": [b.PYTHON, "-c", f"import {b.REAL_MODULE}"],
            "large": [b.PYTHON, "-c", f"import {b.REAL_MODULE}"],
            "used": [b.PYTHON, "-c", f"import {b.REAL_MODULE} as m; m.Input"],
        }
        runs = b.Interleaved()
        runs.measure(commands, envs, args.runs, warmup=1 if args.quick else 3)
    ms = {k: [x * 1000 for x in v] for k, v in runs.samples.items()}
    base = b.Row("import", "baseline: import httpx, pydantic", "ms", ms["baseline"])
    rows = [base]
    for key, n in (("small", 7), ("large", args.models)):
        row = b.Row(
            "import",
            f"import one model, {n} models generated",
            "ms",
            ms[key],
            baseline=base.median,
            target="<= baseline + 40 ms",
        )
        extra = row.median - base.median
        row.note = f"{extra:+.0f} ms"
        row.ok = b.judge(args, extra <= TARGET_EXTRA * 1000)
        rows.append(row)
    scale = b.Row(
        "import",
        f"import one model, {args.models} vs 7 models generated",
        "ms",
        ms["large"],
        baseline=rows[1].median,
        target=f"<= {TARGET_SCALE:.2f}x",
    )
    ratio = scale.ratio or 0.0
    scale.ok = b.judge(args, ratio <= TARGET_SCALE and ratio >= 1 / TARGET_SCALE)
    rows.append(scale)
    used = b.Row(
        "import",
        "import one model and use its Input class (7 models)",
        "ms",
        ms["used"],
        baseline=base.median,
    )
    used.note = f"{used.median - base.median:+.0f} ms"
    rows.append(used)
    return b.finish(rows, args)


if __name__ == "__main__":
    sys.exit(main())
