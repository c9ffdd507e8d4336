"""Full generation of the synthetic corpus: wall time and peak memory.

Baseline, measured in the same run: the usual script, which calls the ``datamodel-codegen``
command once per schema (on a sample of the corpus, one schema after the other); the figure is
our time per model against its time per schema.

Also ``generate --check`` of an up-to-date tree, warm (with the generator's cache) and cold (a
fresh clone: no cache), taken in turn; one ``--check --no-cache`` (a full generation: what a cold
check cost before the tree kept a record); and a cold check must catch a hand-edited file.

With ``--base REV``, also full generations by this checkout and by commit REV, in turn, on the
same corpus (see ``against_base.py``): the paired ratios of wall and CPU time, CPU per model,
and the files the two trees differ in.

Targets: the full generation of 1,000 models in at most 15 s, and at least 30x faster per model
than the ``datamodel-codegen`` command; a cold ``--check`` at most 2x a warm one.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import against_base
import benchlib as b
from runcomfy_codegen.pipeline.write import CACHE_DIR

TARGET_WALL = 15.0
TARGET_SPEEDUP = 30.0
TARGET_COLD_CHECK = 2.0

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
    p.add_argument("--base", help="also compare with this commit (a regression guard)")
    p.add_argument("--pairs", type=int, default=5, help="rounds of the comparison with --base")
    p.add_argument("--base-only", action="store_true", help="with --base: only the comparison")
    p.add_argument("-j", "--jobs", type=int, help="worker processes of each generation")
    p.add_argument("--schemas", type=Path, help="these schemas instead of the synthetic corpus")
    args = p.parse_args(argv)
    if args.quick:
        args.models, args.sample, args.runs, args.pairs = 12, 2, 1, 1
    jobs = ("-j", str(args.jobs)) if args.jobs else ()
    rows: list[b.Row] = []
    with b.workdir(args, "generate") as work:
        corpus = work / "corpus"
        if args.schemas is not None:
            corpus = args.schemas.resolve()
            args.models = len(list(corpus.rglob("*.json")))
        else:
            b.make_corpus(args.models, corpus)
        b.log(f"corpus of {args.models} schemas")
        if args.base:
            rows.extend(against_base.compare(args, corpus, work, args.models, jobs))
            if args.base_only:
                return b.finish(rows, args)

        walls: list[float] = []
        peaks: list[float] = []
        outs = [work / f"out-{i}" for i in range(args.runs)]
        for out in outs:
            shutil.rmtree(out, ignore_errors=True)
        for i, out in enumerate(outs):
            b.settle()  # each run writes a new tree; deleting them waits until the end
            m = b.generate(corpus, out, *jobs)
            b.log(f"full generation {i + 1}/{args.runs}: {m.wall:.2f} s, {b.mb(m.peak_rss):.0f} MB")
            walls.append(m.wall)
            peaks.append(b.mb(m.peak_rss))
        checks = _checks(corpus, outs[0], work / "cache-aside", args.runs)
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
    rows.extend(checks.rows(n, args))
    return b.finish(rows, args)


@dataclass
class _Checks:
    warm: list[float] = field(default_factory=list)
    cold: list[float] = field(default_factory=list)
    full: list[float] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def rows(self, n: int, args: argparse.Namespace) -> list[b.Row]:
        warm = b.Row("", "", "s", self.warm).median
        cold = b.Row("", "", "s", self.cold).median
        for problem in self.problems:
            print(f"problem: {problem}")
        return [
            b.Row("generate", f"--check, {n} models, warm (with the cache)", "s", self.warm),
            b.Row(
                "generate",
                f"--check, {n} models, cold (fresh clone: no cache)",
                "s",
                self.cold,
                baseline=warm,
                target=f"<= {TARGET_COLD_CHECK:g}x warm",
                ok=b.judge(args, cold <= TARGET_COLD_CHECK * warm),
            ),
            b.Row(
                "generate",
                f"--check --no-cache, {n} models (a full generation, as before the record)",
                "s",
                self.full,
                baseline=warm,
            ),
            b.Row(
                "generate",
                "cold --check: up to date passes, a hand edit fails",
                "problems",
                [float(len(self.problems))],
                target="0",
                ok=not self.problems,
            ),
        ]


def _check(corpus: Path, out: Path, *args: str) -> b.Measured:
    return b.generate(corpus, out, "--check", *args, check=False)


def _checks(corpus: Path, out: Path, aside: Path, runs: int) -> _Checks:
    """``generate --check`` of an up-to-date tree, warm and cold in turn (the cache is moved
    out of the tree and back), then one full check, then a cold check of a hand-edited file."""
    found = _Checks()
    cache = out / CACHE_DIR
    shutil.rmtree(aside, ignore_errors=True)
    for timed, warm in [(False, True), (False, False)] + [(True, True), (True, False)] * runs:
        if warm != cache.is_dir():
            (aside if warm else cache).rename(cache if warm else aside)
        m = _check(corpus, out)
        if m.returncode != 0 or "is up to date" not in m.stdout:
            found.problems.append(f"--check of an up-to-date tree failed: {m.stderr[-300:]}")
        if timed:
            (found.warm if warm else found.cold).append(m.wall)
    b.log(f"--check warm: {found.warm}, cold: {found.cold}")
    m = _check(corpus, out, "--no-cache")
    found.full.append(m.wall)
    b.log(f"--check --no-cache: {m.wall:.2f} s")
    if cache.is_dir():
        cache.rename(aside)
    page = sorted((out / "docs").rglob("*.md"))[-1]
    page.write_text(page.read_text(encoding="utf-8") + "Edited by hand.\n", encoding="utf-8")
    m = _check(corpus, out)
    if m.returncode != 1 or page.relative_to(out).as_posix() not in m.stderr:
        found.problems.append(f"a cold --check missed a hand edit of {page}")
    shutil.rmtree(aside, ignore_errors=True)
    return found


if __name__ == "__main__":
    sys.exit(main())
