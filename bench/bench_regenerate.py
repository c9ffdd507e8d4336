"""Regeneration of the 1,000-model tree: nothing changed, and one schema changed.

Each figure is one ``runcomfy-codegen generate`` (or ``generate --check``) command, process start
included. Baseline, measured in the same run: the first, full generation of the tree (no cache).
After each one-schema change the bench checks that only that model's files, the registry and the
catalog were rewritten (and the tree's record, which lists them).

Targets: nothing changed at most 1 s, one schema changed at most 2 s; ``--check`` as fast.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import benchlib as b

sys.path.insert(0, str(b.ROOT / "generator"))
from runcomfy_codegen.pipeline.write import compare, read_tree

TARGET_SAME = 1.0
TARGET_ONE = 2.0
SHARED = ("runcomfy_models/_registry.py", "runcomfy_models/_catalog.json", ".codegen-record")


def _touch_schema(path: Path, n: int) -> str:
    """Change one property's description; returns the model id."""
    data = json.loads(path.read_text(encoding="utf-8"))
    props = data["input_schema"]["properties"]
    first = sorted(props)[0]
    props[first]["description"] = f"Changed for the benchmark ({n})."
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    model_id: str = data["model_id"]
    return model_id


def main(argv: list[str] | None = None) -> int:
    p = b.parser(__doc__.splitlines()[0])
    p.add_argument("--models", type=int, default=1000)
    p.add_argument("--runs", type=int, default=5)
    args = p.parse_args(argv)
    if args.quick:
        args.models, args.runs = 12, 2
    samples: dict[str, list[float]] = {
        "same": [],
        "same-check": [],
        "one": [],
        "one-check": [],
        "files": [],
    }
    problems: list[str] = []
    with b.workdir(args, "regenerate") as work:
        corpus, out = work / "corpus", work / "out"
        b.make_corpus(args.models, corpus)
        full = b.generate(corpus, out)
        b.log(f"full generation: {full.wall:.2f} s")
        for _ in range(args.runs):
            m = b.generate(corpus, out)
            if "0 added, 0 changed, 0 removed" not in m.stdout:
                problems.append(f"a run with no change changed files: {m.stdout.strip()}")
            samples["same"].append(m.wall)
            samples["same-check"].append(b.generate(corpus, out, "--check").wall)
        b.log(f"nothing changed: {samples['same']}")
        files = sorted(corpus.rglob("*.json"))
        for i in range(args.runs):
            model_id = _touch_schema(files[(i * 7919) % len(files)], i)
            before = read_tree(out)
            check = b.generate(corpus, out, "--check", check=False)
            if check.returncode != 1:
                problems.append(f"--check missed the change of {model_id}")
            samples["one-check"].append(check.wall)
            samples["one"].append(b.generate(corpus, out).wall)
            changes = compare(before, read_tree(out))
            touched = sorted(changes.added + changes.changed + changes.removed)
            samples["files"].append(len(touched))
            expected_doc = f"docs/{model_id}.md"
            own = [t for t in touched if t not in SHARED]
            if (
                changes.added
                or changes.removed
                or not set(SHARED) <= set(touched)
                or len(own) != 4
                or expected_doc not in own
            ):
                problems.append(f"changing {model_id} rewrote {touched}")
        b.log(f"one changed: {samples['one']}")

    base = full.wall
    rows = [
        b.Row("regenerate", f"baseline: full generation, {args.models} models", "s", [base]),
    ]
    figures = (
        ("same", "nothing changed", TARGET_SAME),
        ("same-check", "nothing changed, --check", TARGET_SAME),
        ("one", "one schema changed", TARGET_ONE),
        ("one-check", "one schema changed, --check", TARGET_ONE),
    )
    for key, name, target in figures:
        row = b.Row("regenerate", name, "s", samples[key], baseline=base, target=f"<= {target:g} s")
        row.ok = b.judge(args, row.median <= target)
        rows.append(row)
    rows.append(
        b.Row(
            "regenerate",
            "files rewritten by a one-schema change",
            "files",
            samples["files"],
            target="its own 4 + registry + catalog + record",
            ok=not problems,
        )
    )
    for problem in problems:
        print(f"problem: {problem}")
    return b.finish(rows, args)


if __name__ == "__main__":
    sys.exit(main())
