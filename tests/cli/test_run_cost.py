"""Prices in ``models`` and ``run MODEL --help``; the cost of a run in its output and JSON."""

from __future__ import annotations

import json

from runcomfy_models._runtime.emulator import RunningEmulator

from .support import REFRAME, REFRAME_ARGS, invoke, last_json


def test_models_show_the_price_or_unknown() -> None:
    result = invoke(["models"])
    assert result.exit_code == 0
    line = next(line for line in result.stdout.splitlines() if line.startswith(REFRAME + " "))
    assert line.split() == [REFRAME, "image", "unknown", "Ideogram", "V3", "Reframe"]
    listed = json.loads(invoke(["models", "--json"]).stdout)
    reframe = next(entry for entry in listed if entry["model_id"] == REFRAME)
    assert (reframe["price_usd"], reframe["price_unit"]) == (None, None)


def test_run_help_shows_the_price() -> None:
    result = invoke(["run", REFRAME, "--help"])
    assert result.exit_code == 0
    assert "Price: unknown (the catalog entry has no price)" in result.stdout


def test_run_reports_the_cost_in_json_and_text(emu: RunningEmulator) -> None:
    result = invoke(["run", *REFRAME_ARGS, "--json"], base_url=emu.base_url)
    assert result.exit_code == 0, result.stderr
    record = last_json(result)
    assert record["status"] == "succeeded" and record["cost"] == 0.04
    assert emu.stats()["routes"]["result"] == 1


def test_a_failed_run_reports_its_cost(emu: RunningEmulator) -> None:
    emu.set_outcome("failed")
    result = invoke(["run", *REFRAME_ARGS, "--json"], base_url=emu.base_url)
    assert result.exit_code == 1
    record = last_json(result)
    assert record["status"] == "failed" and record["cost"] == 0.0
