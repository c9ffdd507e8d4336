"""Full generation of the synthetic corpus: wall time and peak memory.

Baseline, measured in the same run: the usual script, which calls the ``datamodel-codegen``
command once per schema (on a sample of the corpus, one schema after the other); the figure is
our time per model against its time per schema.

Targets: the full generation of 1,000 models in at most 15 s, and at least 30x faster per model
than the ``datamodel-codegen`` command.
"""

from __future__ import annotations

import json
import shutil
import sys

import benchlib as b

TARGET_WALL = 15.0
TARGET_SPEEDUP = 30.0

DMCG_OPTIONS = (
    "--input-file-type",
    "jsonschema",
    "--output-model-type",
    "pydantic_v2.BaseModel",
    "--target-python-version",
    "3.11",
    "--enum-field-as-literal",
    "all",
    "--use-annotated",
    "--field-constraints",
    "--disable-timestamp",
)


def main(argv: list[str] | None = None) -> int:
    p = b.parser(__doc__.splitlines()[0])
    p.add_argument("--models", type=int, default=1000)
    p.add_argument("--sample", type=int, default=40, help="schemas for the baseline")
    p.add_argument("--runs", type=int, default=5)
    args = p.parse_args(argv)
    if args.quick:
        args.models, args.sample, args.runs = 12, 2, 1
    rows: list[b.Row] = []
    with b.workdir(args, "generate") as work:
        corpus = work / "corpus"
        b.log(f"corpus of {args.models} schemas")
        b.make_corpus(args.models, corpus)

        walls: list[float] = []
        peaks: list[float] = []
        outs = [work / f"out-{i}" for i in range(args.runs)]
        for out in outs:
            shutil.rmtree(out, ignore_errors=True)
        for i, out in enumerate(outs):
            b.settle()  # each run writes a new tree; deleting them waits until the end
            m = b.generate(corpus, out)
            b.log(f"full generation {i + 1}/{args.runs}: {m.wall:.2f} s, {b.mb(m.peak_rss):.0f} MB")
            walls.append(m.wall)
            peaks.append(b.mb(m.peak_rss))
        for out in outs:
            shutil.rmtree(out, ignore_errors=True)

        # The usual script: one datamodel-codegen call per schema, on an evenly spread sample.
        files = sorted(corpus.rglob("*.json"))
        step = max(1, len(files) // args.sample)
        sample = files[::step][: args.sample]
        inputs = work / "dmcg-in"
        outputs = work / "dmcg-out"
        inputs.mkdir(exist_ok=True)
        outputs.mkdir(exist_ok=True)
        dmcg = str(b.BIN / "datamodel-codegen")
        per_schema: list[float] = []
        dmcg_rss: list[float] = []
        for i, path in enumerate(sample):
            schema = json.loads(path.read_text(encoding="utf-8"))["input_schema"]
            source = inputs / f"{i}.json"
            source.write_text(json.dumps(schema), encoding="utf-8")
            cmd = [dmcg, "--input", str(source), "--output", str(outputs / f"m{i}.py")]
            m = b.run([*cmd, *DMCG_OPTIONS])
            per_schema.append(m.wall)
            dmcg_rss.append(b.mb(m.peak_rss))
        b.log(f"datamodel-codegen: {len(sample)} schemas, {sum(per_schema):.1f} s")

    n = args.models
    rows.append(
        b.Row(
            "generate",
            "baseline: datamodel-codegen command, per schema",
            "s",
            per_schema,
            note=f"{len(sample)}-schema sample",
        )
    )
    per_model = [w / n for w in walls]
    baseline = b.Row("", "", "s", per_schema).median
    speedup = baseline / b.Row("", "", "s", per_model).median
    rows.append(
        b.Row(
            "generate",
            "full generation, per model",
            "s",
            per_model,
            baseline=baseline,
            target=f"<= {1 / TARGET_SPEEDUP:.3f}x (>= {TARGET_SPEEDUP:.0f}x faster)",
            ok=b.judge(args, speedup >= TARGET_SPEEDUP),
            note=f"{speedup:.0f}x faster",
        )
    )
    rows.append(
        b.Row(
            "generate",
            f"full generation, {n} models, wall",
            "s",
            walls,
            baseline=baseline * n,
            target=f"<= {TARGET_WALL:.0f} s" if n == 1000 else "",
            ok=b.judge(args, b.Row("", "", "s", walls).median <= TARGET_WALL)
            if n == 1000
            else None,
            note="baseline: the command for every model, extrapolated",
        )
    )
    rows.append(
        b.Row(
            "generate",
            f"full generation, {n} models, peak memory (all processes)",
            "MB",
            peaks,
            baseline=b.Row("", "", "MB", dmcg_rss).median,
            note="baseline: one datamodel-codegen command",
        )
    )
    return b.finish(rows, args)


if __name__ == "__main__":
    sys.exit(main())
