"""Run every benchmark, each in its own process, and print all their figures as one table.

Usage: ``bench/run_all [--quick] [--only NAME ...] [--work DIR]``. The benches share one work
folder, so the generated 1,000-model tree is made once (by the first bench that needs it).
"""

from __future__ import annotations

import argparse
import datetime
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import benchlib as b

BENCHES = (
    "generate",
    "generate_peers",
    "regenerate",
    "import",
    "cli",
    "overhead",
    "batch",
    "batch_validate",
    "time_to_result",
)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="tiny sizes: checks the benches run")
    p.add_argument("--only", nargs="+", choices=BENCHES, help="run only these")
    p.add_argument("--work", type=Path, help="work folder to use and keep")
    args = p.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-all-"))
    rows: list[b.Row] = []
    failed: list[str] = []
    try:
        for name in args.only or BENCHES:
            out = work / f"{name}.json"
            out.unlink(missing_ok=True)
            cmd = [
                b.PYTHON,
                str(b.BENCH / f"bench_{name}.py"),
                "--work",
                str(work),
                "--json",
                str(out),
            ]
            if args.quick:
                cmd.append("--quick")
            b.log(f"bench {name}")
            proc = subprocess.run(cmd, check=False, stdout=subprocess.PIPE, text=True)
            print(proc.stdout, end="", flush=True)
            if proc.returncode != 0 or not out.is_file():
                failed.append(name)
                continue
            rows.extend(b.Row.from_dict(r) for r in json.loads(out.read_text()))
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    print(f"\n## All figures ({datetime.date.today().isoformat()}; {b.machine()})\n")
    print(b.table(rows))
    missed = [f"{r.bench}: {r.figure}" for r in rows if r.ok is False]
    if missed:
        print("\nmissed: " + "; ".join(missed))
    if failed:
        print("\nfailed to run: " + ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
