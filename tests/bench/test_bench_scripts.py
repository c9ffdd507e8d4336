"""Every bench script runs (at tiny sizes) and reports its figures; no timing is asserted."""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from runcomfy_codegen.pipeline.build import analyse
from runcomfy_codegen.pipeline.diagnostics import has_errors

from .support import BENCH, REPO, bench_module, run_script

SCRIPTS = (
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


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One work folder for all scripts, as run_all uses, so small trees are made once."""
    return tmp_path_factory.mktemp("bench")


@pytest.mark.slow
@pytest.mark.parametrize("name", SCRIPTS)
def test_bench_script_runs_and_reports(name: str, work: Path) -> None:
    out = work / f"{name}.json"
    proc = run_script(f"bench_{name}.py", "--quick", "--work", work, "--json", out)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows: list[dict[str, Any]] = json.loads(out.read_text())
    assert rows and {r["bench"] for r in rows} == {name.replace("_", "-")}
    for row in rows:
        assert row["runs"] == len(row["samples"]) >= 1
        assert row["min"] <= row["median"] <= row["max"]
        assert row["ok"] in (None, True, False)
    assert "| bench" in proc.stdout  # the table
    # Correctness figures are judged even at tiny sizes; timing ones are not.
    assert [r["figure"] for r in rows if r["ok"] is False] == []
    assert not any(line.startswith("problem:") for line in proc.stdout.splitlines())


@pytest.mark.slow
def test_run_all_prints_one_table(work: Path) -> None:
    proc = subprocess.run(
        [str(BENCH / "run_all"), "--quick", "--only", "regenerate", "--work", str(work)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        timeout=110,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "## All figures" in proc.stdout
    assert "files rewritten by a one-schema change" in proc.stdout


def test_make_corpus_is_deterministic(tmp_path: Path) -> None:
    for folder in ("a", "b"):
        proc = run_script("make_corpus.py", "12", tmp_path / folder)
        assert proc.returncode == 0, proc.stderr
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.json"))
    assert len(files) == 12
    for rel in files:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes()


def test_make_corpus_is_varied_and_valid(tmp_path: Path) -> None:
    ids = bench_module("make_corpus").write_corpus(300, tmp_path)
    assert len(ids) == len(set(ids)) == 300
    assert {len(i.split("/")) for i in ids} == {2, 3, 4, 5}
    assert any(other.startswith(i + "/") for i in ids for other in ids)  # prefixes of others
    owners = Counter(i.split("/")[0] for i in ids)
    assert owners.most_common(1)[0][1] > 5  # shared prefixes
    formats: set[str] = set()
    enum_sizes: list[int] = []
    kinds: set[str] = set()
    validations = non_ascii = 0
    for path in tmp_path.rglob("*.json"):
        entry = json.loads(path.read_text(encoding="utf-8"))
        for prop in entry["input_schema"]["properties"].values():
            formats.add(prop.get("format", ""))
            kinds.add(str(prop.get("type")))
            if "enum" in prop:
                enum_sizes.append(len(prop["enum"]))
            validations += "validations" in prop
            non_ascii += not prop.get("title", "").isascii()
    assert {
        "image_uri",
        "video_uri",
        "audio_uri",
        "image_uris",
        "video_uris",
        "audio_uris",
    } <= formats
    assert {"array", "object", "string", "integer", "boolean"} <= kinds
    assert min(enum_sizes) <= 3 and max(enum_sizes) >= 40
    assert validations and non_ascii
    build = analyse(tmp_path)
    assert len(build.specs) == 300 and not has_errors(build.diagnostics)


def test_make_corpus_can_include_the_real_schemas(tmp_path: Path) -> None:
    n = len(list((REPO / "schemas").rglob("*.json"))) + 3
    ids = bench_module("make_corpus").write_corpus(n, tmp_path, with_real=True)
    assert len(ids) == n
    assert "ideogram/ideogram-v3/reframe" in ids
    real = REPO / "schemas" / "ideogram" / "ideogram-v3" / "reframe.json"
    copied = tmp_path / "ideogram" / "ideogram-v3" / "reframe.json"
    assert json.loads(copied.read_text(encoding="utf-8")) == json.loads(real.read_text("utf-8"))


@pytest.mark.slow
def test_generate_bench_times_cold_and_warm_check(tmp_path: Path) -> None:
    out = tmp_path / "generate.json"
    proc = run_script("bench_generate.py", "--quick", "--work", tmp_path, "--json", out)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = {r["figure"]: r for r in json.loads(out.read_text())}
    warm = rows["--check, 12 models, warm (with the cache)"]
    cold = rows["--check, 12 models, cold (fresh clone: no cache)"]
    assert warm["runs"] == cold["runs"] == 1
    assert cold["baseline"] == warm["median"] and cold["target"] == "<= 2x warm"
    assert rows["--check --no-cache, 12 models (a full generation, as before the record)"]["runs"]
    correct = rows["cold --check: up to date passes, a hand edit fails"]
    assert correct["ok"] is True and correct["samples"] == [0.0]


@pytest.mark.slow
def test_generate_bench_compares_with_a_base_commit(tmp_path: Path) -> None:
    out = tmp_path / "generate.json"
    args = ("--quick", "--base", "HEAD", "--base-only", "--work", tmp_path, "--json", out)
    proc = run_script("bench_generate.py", *args)
    assert proc.returncode == 0, proc.stderr[-3000:]
    short = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout[:12]
    rows = {r["figure"]: r for r in json.loads(out.read_text())}
    label = f"vs base {short}"
    assert set(rows) == {
        f"{label}: full generation, 12 models, wall",
        f"{label}: CPU per model",
        f"{label}: paired ratio ours / base, wall",
        f"{label}: paired ratio ours / base, CPU",
        f"{label}: files differing from the base's tree",
    }
    wall = rows[f"{label}: full generation, 12 models, wall"]
    assert wall["runs"] == 1 and wall["baseline"] > 0
    ratio = rows[f"{label}: paired ratio ours / base, wall"]["samples"][0]
    assert ratio == pytest.approx(wall["samples"][0] / wall["baseline"])
    assert (tmp_path / "generate" / f"base-{short}" / "generator" / "runcomfy_codegen").is_dir()
