"""``runcomfy-models batch MODEL FILE --dry-run`` on a 1,000,000-line JSONL input.

Figures: lines validated per second (wall time of the command, start-up included) and the peak
resident memory of its processes. Baselines, measured in the same run: a plain Python loop that
only decodes each line (``json.loads``), and the command's start-up memory
(``runcomfy-models models``).

Targets: at least 50,000 lines/s and at most 150 MB (flat: it must not grow with the input).
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import benchlib as b

TARGET_RATE = 50_000.0
TARGET_MB = 150.0
RESOLUTIONS = ["1024:1024 (1:1)", "1152:864 (4:3)", "864:1152 (3:4)", "1536:640 (12:5)"]
DECODE_ONLY = (
    "import json, sys\nfor line in open(sys.argv[1], encoding='utf-8'):\n    json.loads(line)\n"
)


def write_inputs(path: Path, lines: int) -> None:
    rng = random.Random(7)
    with path.open("w", encoding="utf-8") as f:
        for i in range(lines):
            line: dict[str, object] = {
                "image": f"https://example.com/images/{i}.png",
                "resolution": rng.choice(RESOLUTIONS),
            }
            if i % 3 == 0:
                line["seed"] = rng.randrange(2**31)
            if i % 5 == 0:
                line["rendering_speed"] = rng.choice(["TURBO", "BALANCED", "QUALITY"])
            f.write(json.dumps(line) + "\n")


def main(argv: list[str] | None = None) -> int:
    p = b.parser(__doc__.splitlines()[0])
    p.add_argument("--lines", type=int, default=1_000_000)
    p.add_argument("--runs", type=int, default=5)
    args = p.parse_args(argv)
    if args.quick:
        args.lines, args.runs = 2000, 1
    env = b.child_env()
    rates: list[float] = []
    peaks: list[float] = []
    base_rates: list[float] = []
    problems: list[str] = []
    with b.workdir(args, "batch-validate") as work:
        inputs = work / f"inputs-{args.lines}.jsonl"
        if not inputs.is_file():
            write_inputs(inputs, args.lines)
        idle = b.run([b.MODELS_CLI, "models"], env=env)
        for i in range(args.runs):
            decode = b.run([b.PYTHON, "-c", DECODE_ONLY, str(inputs)], env=env, sample_memory=False)
            base_rates.append(args.lines / decode.wall)
            journal = work / "journal.db"
            journal.unlink(missing_ok=True)
            cmd = [b.MODELS_CLI, "batch", b.REAL_MODEL, str(inputs), "--dry-run"]
            m = b.run([*cmd, "--journal", str(journal)], env=env, check=False)
            if m.returncode != 0 or f"{args.lines} valid" not in m.stdout + m.stderr:
                problems.append(f"exit {m.returncode}: {(m.stdout + m.stderr)[-300:]}")
            b.log(f"dry run {i + 1}/{args.runs}: {m.wall:.2f} s, {b.mb(m.peak_rss):.0f} MB")
            rates.append(args.lines / m.wall)
            peaks.append(b.mb(m.peak_rss))
    base = b.Row("batch-validate", "baseline: json.loads of every line", "lines/s", base_rates)
    rate = b.Row(
        "batch-validate",
        f"batch --dry-run, {args.lines:,} lines",
        "lines/s",
        rates,
        baseline=base.median,
        target=f">= {TARGET_RATE:,.0f} lines/s",
        ok=b.judge(args, b.Row("", "", "", rates).median >= TARGET_RATE and not problems),
    )
    memory = b.Row(
        "batch-validate",
        "batch --dry-run, peak memory (all processes)",
        "MB",
        peaks,
        baseline=b.mb(idle.peak_rss),
        target=f"<= {TARGET_MB:.0f} MB",
        ok=b.judge(args, b.Row("", "", "", peaks).median <= TARGET_MB),
        note="baseline: runcomfy-models models",
    )
    for problem in problems:
        print(f"problem: {problem}")
    return b.finish([base, rate, memory], args)


if __name__ == "__main__":
    sys.exit(main())
