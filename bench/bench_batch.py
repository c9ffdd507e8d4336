"""``runcomfy-models batch``: 2,000 jobs of 0.5 s each at concurrency 100 against the emulator.

Figures: the wall time of the command (start-up included) against the ideal, jobs /
concurrency x run time (the baseline); the CPU time of the command's process (user + system,
start-up included) per job; the requests per job and the emulator's CPU per job (the emulator
runs in its own process, on the same CPUs); the peak resident memory of the command's
processes (baseline: the same command's start-up, ``runcomfy-models models``); and the
submits the emulator counted, which must be exactly one per line.

Targets: at most 1.15x the ideal, at most 2 ms of CPU per job, at most 200 MB, exactly 2,000
submits. The machine's timing history is the user's (as a user's second batch would find it).
"""

from __future__ import annotations

import json
import os
import sys

import benchlib as b

TARGET_WALL = 1.15
TARGET_CPU_MS = 2.0
TARGET_MB = 200.0
API_ROUTES = ("submit", "status", "result", "cancel")


def emulator_cpu(url: str) -> float:
    """User + system CPU seconds the emulator at ``url`` has used so far (Linux; else 0)."""
    pid = b.EMULATOR_PIDS.get(url)
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(b")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main(argv: list[str] | None = None) -> int:
    p = b.parser(__doc__.splitlines()[0])
    p.add_argument("--jobs", type=int, default=2000)
    p.add_argument("--concurrency", type=int, default=100)
    p.add_argument("--run-seconds", type=float, default=0.5)
    p.add_argument("--runs", type=int, default=5)
    args = p.parse_args(argv)
    if args.quick:
        args.jobs, args.concurrency, args.run_seconds, args.runs = 20, 5, 0.05, 1
    walls: list[float] = []
    cpus: list[float] = []
    requests: list[float] = []
    emulator_cpus: list[float] = []
    peaks: list[float] = []
    submits: list[float] = []
    problems: list[str] = []
    env = b.child_env()
    with b.workdir(args, "batch") as work, b.emulator_process(run_seconds=args.run_seconds) as url:
        inputs = work / "inputs.jsonl"
        with inputs.open("w", encoding="utf-8") as f:
            for i in range(args.jobs):
                line = {
                    "image": f"https://example.com/cat-{i}.png",
                    "resolution": "1024:1024 (1:1)",
                }
                f.write(json.dumps(line) + "\n")
        idle = b.run([b.MODELS_CLI, "models"], env=env)
        for i in range(args.runs):
            journal, results = work / f"journal-{i}.db", work / f"results-{i}.jsonl"
            for path in (journal, results):
                path.unlink(missing_ok=True)
            b.emulator_reset(url)
            emulator_before = emulator_cpu(url)
            cmd = [
                b.MODELS_CLI,
                "--base-url",
                url,
                "batch",
                b.REAL_MODEL,
                str(inputs),
                "--journal",
                str(journal),
                "--results",
                str(results),
                "--concurrency",
                str(args.concurrency),
            ]
            m = b.run(cmd, env=env, check=False)
            emulator_ms = (emulator_cpu(url) - emulator_before) * 1000 / args.jobs
            if m.returncode != 0:
                problems.append(f"run {i + 1} exited with {m.returncode}: {m.stderr[-500:]}")
            routes = b.emulator_stats(url)["routes"]
            count = routes["submit"]
            per_job = sum(routes[name] for name in API_ROUTES) / args.jobs
            b.log(
                f"batch {i + 1}/{args.runs}: {m.wall:.2f} s, {m.cpu * 1000 / args.jobs:.2f} ms "
                f"CPU/job, {per_job:.2f} requests/job, {b.mb(m.peak_rss):.0f} MB, {count} submits"
            )
            walls.append(m.wall)
            cpus.append(m.cpu * 1000 / args.jobs)
            requests.append(per_job)
            emulator_cpus.append(emulator_ms)
            peaks.append(b.mb(m.peak_rss))
            submits.append(count)
    ideal = args.jobs / args.concurrency * args.run_seconds
    rows = [
        b.Row("batch", "baseline: ideal wall (jobs / concurrency x run time)", "s", [ideal]),
        b.Row(
            "batch",
            f"{args.jobs} jobs, concurrency {args.concurrency}, wall",
            "s",
            walls,
            baseline=ideal,
            target=f"<= {TARGET_WALL}x ideal",
        ),
        b.Row(
            "batch",
            "CPU per job (the command's process, start-up included)",
            "ms",
            cpus,
            target=f"<= {TARGET_CPU_MS:g} ms",
        ),
        b.Row("batch", "API requests per job (counted by the emulator)", "requests", requests),
        b.Row("batch", "emulator CPU per job (its own process)", "ms", emulator_cpus),
        b.Row(
            "batch",
            "peak memory (all processes)",
            "MB",
            peaks,
            baseline=b.mb(idle.peak_rss),
            target=f"<= {TARGET_MB:.0f} MB",
            note="baseline: runcomfy-models models",
        ),
        b.Row(
            "batch",
            "submits counted by the emulator",
            "submits",
            submits,
            target=f"== {args.jobs}",
            ok=all(s == args.jobs for s in submits) and not problems,
        ),
    ]
    rows[1].ok = b.judge(args, (rows[1].ratio or 0.0) <= TARGET_WALL)
    rows[2].ok = b.judge(args, rows[2].median <= TARGET_CPU_MS)
    rows[5].ok = b.judge(args, rows[5].median <= TARGET_MB)
    for problem in problems:
        print(f"problem: {problem}")
    return b.finish(rows, args)


if __name__ == "__main__":
    sys.exit(main())
