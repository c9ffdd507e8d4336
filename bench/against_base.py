"""A regression guard: full generations by this checkout and by a base commit, side by side.

The base's ``generator/`` and ``templates/`` are exported with ``git archive`` and run from the
same virtual environment (first on ``PYTHONPATH``), so only the generator's own code differs.
The two run in turn (which goes first alternates), each ``--no-cache`` into an empty folder; the figures are the medians of
the per-round ratios (this checkout / base), wall and CPU, and the files that differ between
the two trees (none, for a change that only makes generation faster).
"""

from __future__ import annotations

import argparse
import filecmp
import io
import shutil
import subprocess
import tarfile
from pathlib import Path

import benchlib as b

REGRESSION_MARGIN = 1.05
"""This checkout may take at most this many times the base's time (noise allowed for)."""
TARGET_CPU_PER_MODEL = 0.015
"""CPU seconds per model of a full generation of the 1,000-model corpus."""
IGNORED = {".codegen-cache", ".codegen-record"}
"""Parts of a generated tree that name the generator that made them."""


def export(rev: str, into: Path) -> tuple[Path, str]:
    """The base's ``generator/`` folder exported under ``into``, and the commit's short id."""
    sha = subprocess.run(
        ["git", "-C", str(b.ROOT), "rev-parse", "--verify", f"{rev}^{{commit}}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    folder = into / f"base-{sha[:12]}"
    if not (folder / "generator").is_dir():
        archive = subprocess.run(
            ["git", "-C", str(b.ROOT), "archive", "--format=tar", sha, "generator", "templates"],
            capture_output=True,
            check=True,
        ).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(folder, filter="data")
    return folder / "generator", sha[:12]


def _imported_from(env: dict[str, str]) -> Path:
    code = "import runcomfy_codegen; print(runcomfy_codegen.__file__)"
    return Path(b.run([b.PYTHON, "-c", code], env=env, sample_memory=False).stdout.strip())


def _differing(left: Path, right: Path) -> list[str]:
    """Relative paths of files present in only one tree or with other bytes."""
    found: list[str] = []

    def walk(cmp: filecmp.dircmp[str], prefix: str) -> None:
        names = [*cmp.left_only, *cmp.right_only, *cmp.diff_files, *cmp.funny_files]
        found.extend(prefix + n for n in names if n not in IGNORED)
        for name, sub in cmp.subdirs.items():
            if name not in IGNORED:
                walk(sub, f"{prefix}{name}/")

    walk(filecmp.dircmp(left, right, ignore=[]), "")
    return sorted(found)


def compare(
    args: argparse.Namespace, corpus: Path, work: Path, n: int, jobs: tuple[str, ...]
) -> list[b.Row]:
    """Rows comparing full generations of ``corpus`` by this checkout and by ``args.base``."""
    generator, short = export(args.base, work)
    outs = {"base": work / "base-out", "ours": work / "ours-out"}
    envs = {"base": b.child_env([generator]), "ours": b.child_env()}
    for name, expected in (("base", generator), ("ours", b.ROOT / "generator")):
        found = _imported_from(envs[name])
        if not found.is_relative_to(expected):
            raise RuntimeError(f"the {name} run would import {found}, not from {expected}")
    generate = [b.PYTHON, "-m", "runcomfy_codegen", "generate", "--schemas", str(corpus)]
    commands = {
        name: [*generate, "--out", str(out), "--no-cache", *jobs] for name, out in outs.items()
    }

    def clear(name: str) -> None:
        shutil.rmtree(outs[name], ignore_errors=True)
        b.settle()

    runs = b.Interleaved()
    runs.measure(commands, envs, args.pairs, warmup=1, before=clear, alternate=True)
    b.log(f"against {short}: base {runs.samples['base']}, ours {runs.samples['ours']}")
    differing = _differing(outs["base"], outs["ours"])
    for path in differing[:10]:
        print(f"differs from the base: {path}")
    per_model = [c / n for c in runs.cpu["ours"]]
    base_per_model = b.Row("", "", "s", [c / n for c in runs.cpu["base"]]).median
    cpu_ok = b.Row("", "", "s", per_model).median <= TARGET_CPU_PER_MODEL
    label = f"vs base {short}"
    rows = [
        b.Row(
            "generate",
            f"{label}: full generation, {n} models, wall",
            "s",
            runs.samples["ours"],
            baseline=b.Row("", "", "s", runs.samples["base"]).median,
        ),
        b.Row(
            "generate",
            f"{label}: CPU per model",
            "s",
            per_model,
            baseline=base_per_model,
            target=f"<= {TARGET_CPU_PER_MODEL * 1000:g} ms" if n == 1000 else "",
            ok=b.judge(args, cpu_ok) if n == 1000 else None,
        ),
    ]
    for what, cpu in (("wall", False), ("CPU", True)):
        ratios = runs.ratios("ours", "base", cpu=cpu)
        guard = b.Row("generate", f"{label}: paired ratio ours / base, {what}", "x", ratios)
        guard.target = f"<= {REGRESSION_MARGIN:g}x"
        guard.ok = b.judge(args, guard.median <= REGRESSION_MARGIN)
        rows.append(guard)
    rows.append(
        b.Row(
            "generate",
            f"{label}: files differing from the base's tree",
            "files",
            [float(len(differing))],
            note="0 for a change that only makes generation faster",
        )
    )
    return rows
