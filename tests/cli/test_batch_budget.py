"""``batch`` never spends more than it was told: live prices, jobs that may exist, bad costs, the
wallet running dry.

The emulator stands in $0.04 per output for the image model used here, and charges each
succeeded job that (``charged_usd`` in its stats).
"""

from __future__ import annotations

import dataclasses
import math
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from runcomfy_models._runtime.cli.batch import execute
from runcomfy_models._runtime.cli.batch.budget import reported_cost
from runcomfy_models._runtime.cli.batch.journal import Journal
from runcomfy_models._runtime.cli.batch.reader import input_hash
from runcomfy_models._runtime.cli.registry import ModelInfo, find_model
from runcomfy_models._runtime.emulator import FaultRule, RunningEmulator
from runcomfy_models._runtime.pricing import Price

from .support import REFRAME, invoke, read_results, reframe_line, write_jsonl

PER_IMAGE = 0.04


def _batch(emu: RunningEmulator, *args: str) -> tuple[int, str]:
    result = invoke(["batch", REFRAME, *args], base_url=emu.base_url)
    assert "Traceback" not in result.stderr, result.stderr
    return result.exit_code, result.stderr


def _submits(emu: RunningEmulator) -> int:
    return int(emu.stats()["routes"]["submit"])


def _charged(emu: RunningEmulator) -> float:
    return float(emu.stats()["charged_usd"])


@pytest.fixture
def stale(monkeypatch: pytest.MonkeyPatch) -> ModelInfo:
    """The package as if generated when the model cost $0.01 (the catalog now says $0.04)."""
    info = dataclasses.replace(find_model(REFRAME), price=Price(0.01, "output"))
    monkeypatch.setattr(execute, "find_model", lambda model_id: info)
    return info


def test_a_stale_generated_price_never_beats_the_live_one(
    emu: RunningEmulator, tmp_path: Path, stale: ModelInfo
) -> None:
    inputs = write_jsonl(tmp_path / "in.jsonl", [reframe_line(i) for i in range(8)])
    code, stderr = _batch(emu, str(inputs), "--max-cost", "0.08", "--concurrency", "8")
    assert code == 1
    assert _submits(emu) == 2 and _charged(emu) == pytest.approx(0.08)
    assert (
        "from RunComfy's catalog: $0.04 per output (the package was generated with $0.01 per "
        "output; the budget counts the higher, $0.04 per output)" in stderr
    )
    assert "8 lines: 2 done, 6 not sent; cost $0.08" in stderr

    code, stderr = _batch(emu, str(inputs), "--dry-run", "--max-cost", "0.08")
    assert code == 0
    assert "$0.32 for 8 line(s) at $0.04 per output" in stderr


def test_the_generated_price_serves_only_when_the_catalog_cannot_be_read(
    emu: RunningEmulator, tmp_path: Path, stale: ModelInfo
) -> None:
    emu.add_fault(FaultRule("catalog", "status", status=503))
    inputs = write_jsonl(tmp_path / "in.jsonl", [reframe_line(i) for i in range(8)])
    # One at a time: with no live price, the first bill is what corrects a stale one.
    code, stderr = _batch(emu, str(inputs), "--max-cost", "0.08", "--concurrency", "1")
    assert (
        "could not be read from RunComfy's catalog" in stderr
        and "counting the price the package was generated with: $0.01 per output" in stderr
    )
    # The first job is billed $0.04: from then on the billed rate counts.
    assert "line 1 cost $0.04, more than its estimate $0.01" in stderr
    assert code == 1
    assert _submits(emu) == 2 and _charged(emu) <= 0.08 + 1e-9


def test_an_unknown_line_refused_by_the_budget_stays_unknown(
    emu: RunningEmulator, tmp_path: Path
) -> None:
    inputs = write_jsonl(tmp_path / "in.jsonl", [reframe_line(1), reframe_line(2)])
    emu.add_fault(FaultRule("submit", "drop_after", times=1))  # line 1's job is made, unseen
    code, _ = _batch(emu, str(inputs), "--concurrency", "1")
    assert code == 1 and _submits(emu) == 2
    first = read_results(tmp_path / "in.jsonl.results.jsonl")[0]
    assert (first["state"], first["estimate"]) == ("unknown", PER_IMAGE)

    # $0.04 done + $0.04 that may exist: resending line 1 would pass $0.08.
    code, stderr = _batch(emu, str(inputs), "--resubmit-unknown", "--max-cost", "0.08")
    assert code == 1
    assert "line 1: not sent again" in stderr and "its earlier job stays counted" in stderr
    assert read_results(tmp_path / "in.jsonl.results.jsonl")[0]["state"] == "unknown"

    # A plain rerun, whatever its budget, does not send the line again.
    code, _ = _batch(emu, str(inputs), "--max-cost", "10")
    assert code == 1
    assert read_results(tmp_path / "in.jsonl.results.jsonl")[0]["state"] == "unknown"
    assert _submits(emu) == 2 and _charged(emu) == pytest.approx(0.08)


def test_a_resent_unknown_line_keeps_counting_its_first_job(
    emu: RunningEmulator, tmp_path: Path
) -> None:
    inputs = write_jsonl(tmp_path / "in.jsonl", [reframe_line(1), reframe_line(2)])
    emu.add_fault(FaultRule("submit", "drop_after", times=1))
    _batch(emu, str(inputs), "--concurrency", "1")
    code, stderr = _batch(emu, str(inputs), "--resubmit-unknown", "--max-cost", "0.12")
    assert code == 0, stderr
    assert _submits(emu) == 3 and _charged(emu) == pytest.approx(0.12)
    first = read_results(tmp_path / "in.jsonl.results.jsonl")[0]
    assert first["state"] == "done"
    assert first["earlier"] == [
        {"request_id": None, "state": "unknown", "cost": None, "estimate": PER_IMAGE}
    ]
    # Three jobs are counted ($0.08 reported, $0.04 estimated): a new line does not fit.
    write_jsonl(inputs, [reframe_line(1), reframe_line(2), reframe_line(3)])
    code, stderr = _batch(emu, str(inputs), "--max-cost", "0.12")
    assert code == 1 and _submits(emu) == 3
    assert "$0.08 spent, $0.04 more in jobs whose cost is not known yet" in stderr


def test_retry_failed_keeps_the_cost_of_a_billed_failure(
    emu: RunningEmulator, tmp_path: Path
) -> None:
    line = reframe_line(1)
    inputs = write_jsonl(tmp_path / "in.jsonl", [line])
    journal = Journal(tmp_path / "in.jsonl.journal.db", REFRAME)
    journal.mark_prepared(1, input_hash(line), PER_IMAGE)
    journal.mark_submitting(1, input_hash(line), PER_IMAGE)
    journal.mark_submitted(1, "billed-failure")
    journal.mark_failed(1, "the job failed", 0.04)  # RunComfy billed this failure
    journal.close()

    code, stderr = _batch(emu, str(inputs), "--retry-failed", "--max-cost", "0.04")
    assert code == 1 and _submits(emu) == 0
    record = read_results(tmp_path / "in.jsonl.results.jsonl")[0]
    assert (record["state"], record["cost"], record["request_id"]) == (
        "failed",
        0.04,
        "billed-failure",
    )

    code, stderr = _batch(emu, str(inputs), "--retry-failed", "--max-cost", "0.08")
    assert code == 0 and _submits(emu) == 1
    assert "1 lines: 1 done; cost $0.08" in stderr  # the failure's cost and the new job's
    record = read_results(tmp_path / "in.jsonl.results.jsonl")[0]
    assert record["state"] == "done" and record["request_id"] != "billed-failure"
    assert record["earlier"] == [
        {"request_id": "billed-failure", "state": "failed", "cost": 0.04, "estimate": PER_IMAGE}
    ]
    code, stderr = _batch(emu, str(inputs), "--retry-failed", "--max-cost", "0.08")
    assert _submits(emu) == 1


def test_a_negative_reported_cost_never_grows_the_budget(
    emu: RunningEmulator, tmp_path: Path
) -> None:
    emu.add_fault(FaultRule("result", "negative_cost"))
    inputs = write_jsonl(tmp_path / "in.jsonl", [reframe_line(i) for i in range(8)])
    code, stderr = _batch(emu, str(inputs), "--max-cost", "0.12", "--concurrency", "1")
    assert code == 1
    assert _submits(emu) == 3  # a 3-job cap
    assert "RunComfy reported a negative cost (-0.04): ignored, its estimate, $0.04," in stderr
    records = read_results(tmp_path / "in.jsonl.results.jsonl")
    assert [record["cost"] for record in records if record["state"] == "done"] == [None] * 3
    code, _ = _batch(emu, str(inputs), "--max-cost", "0.12")
    assert _submits(emu) == 3


def test_the_wallet_running_dry_mid_batch_leaves_lines_unsent(
    emu: RunningEmulator, tmp_path: Path
) -> None:
    emu.set_balance(0.1)
    inputs = write_jsonl(tmp_path / "in.jsonl", [reframe_line(i) for i in range(5)])
    code, stderr = _batch(emu, str(inputs), "--dry-run")
    assert "$0.2 for 5 line(s) at $0.04 per output; balance: $0.1 USD." in stderr
    assert "is more than your balance ($0.1 USD)" in stderr
    assert _submits(emu) == 0

    code, stderr = _batch(emu, str(inputs), "--concurrency", "3")
    assert code == 77
    assert "is more than your balance ($0.1 USD)" in stderr  # said before anything was sent
    assert stderr.index("more than your balance") < stderr.index("Balance: line")
    assert "5 lines: 2 done, 3 not sent; cost $0.08" in stderr
    assert "for lack of balance: 3 line(s) left unsent" in stderr
    assert "runcomfy-models balance" in stderr
    records = read_results(tmp_path / "in.jsonl.results.jsonl")
    assert [record["line"] for record in records] == [1, 2, 3, 4, 5]
    assert sorted(record["state"] for record in records) == ["done"] * 2 + ["not_sent"] * 3
    assert _submits(emu) == 2 and _charged(emu) == pytest.approx(0.08)

    emu.set_balance(1.0)
    code, stderr = _batch(emu, str(inputs), "--concurrency", "3")
    assert code == 0, stderr
    assert "5 lines: 5 done; cost $0.2" in stderr
    assert _submits(emu) == 5
    request_ids = {
        record["request_id"] for record in read_results(tmp_path / "in.jsonl.results.jsonl")
    }
    assert len(request_ids) == 5


def test_a_journal_of_an_earlier_version_gains_the_earlier_table(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    db.executescript(
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        "INSERT INTO meta VALUES ('model_id', 'm'), ('format', '1');"
        "CREATE TABLE lines (line INTEGER PRIMARY KEY, hash TEXT NOT NULL, state TEXT NOT NULL,"
        " request_id TEXT, output TEXT, files TEXT, paths TEXT, error TEXT, cost REAL,"
        " changed INTEGER NOT NULL DEFAULT 0, updated_at REAL NOT NULL, estimate REAL);"
        "INSERT INTO lines VALUES (1, 'h', 'unknown', NULL, NULL, NULL, NULL, 'lost', NULL, 0, 0,"
        " 0.04);"
    )
    db.commit()
    db.close()
    journal = Journal(path, "m")
    try:
        assert journal.money() == (0.0, 0.04, 0)
        journal.mark_prepared(1, "h", 0.05)  # sent again: the unknown job moves, still counted
        assert journal.money() == (0.0, 0.04, 0)
        journal.mark_submitting(1, "h", 0.05)
        assert journal.money() == (0.0, pytest.approx(0.09), 0)
        assert journal.earlier_jobs(1) == {
            1: [{"request_id": None, "state": "unknown", "cost": None, "estimate": 0.04}]
        }
        assert journal.mark_left(1, "h", 0.05, "budget") is False  # may exist: kept
        assert journal.get(1) is not None and journal.get(1).state == "submitting"  # type: ignore[union-attr]
    finally:
        journal.close()


@given(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=12)))
@settings(max_examples=200, deadline=None, database=None)
def test_a_reported_cost_counts_only_as_a_finite_amount_of_zero_or_more(raw: Any) -> None:
    cost, problem = reported_cost(raw)
    if raw is None:
        assert (cost, problem) == (None, None)
        return
    assert (cost is None) == (problem is not None)
    if cost is not None:
        assert math.isfinite(cost) and cost >= 0
        assert cost == float(raw.strip() if isinstance(raw, str) else raw)
    else:
        assert "negative" in problem or "not a number" in problem  # type: ignore[operator]


def test_the_higher_price_keeps_the_unit_and_the_scaling() -> None:
    generated = Price(0.01, "output", "num_images", 1)
    live = Price(0.04, "output")
    assert generated.higher(live) == Price(0.04, "output", "num_images", 1)
    assert Price(0.05, "output").higher(live) == Price(0.05, "output")
    assert Price().higher(live) == live
    per_second = Price(0.5, "second")
    assert per_second.higher(live) == per_second  # other units: the first one's
