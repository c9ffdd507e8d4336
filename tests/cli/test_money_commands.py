"""``runcomfy-models balance`` and ``models --category/--live``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from runcomfy_models._runtime.cli import models_cmd
from runcomfy_models._runtime.cli.registry import ModelInfo, all_models
from runcomfy_models._runtime.emulator import RunningEmulator, load_catalog, running_emulator
from runcomfy_models._runtime.pricing import Price

from .support import REFRAME, REFRAME_ARGS, TOKEN, WAN, invoke, last_json

EDIT = "bytedance/seedream-5.0-pro/image-to-image"
GONE = "blackforestlabs/flux-3/text-to-video"  # generated, but no longer in the catalog


@pytest.fixture(scope="module")
def live() -> Iterator[RunningEmulator]:
    """The package's models in a catalog that prices and categorises them (as RunComfy's)."""
    entries: list[dict[str, Any]] = []
    for entry in load_catalog():
        if entry["model_id"] == GONE:
            continue
        entry = dict(entry)
        if entry["model_id"] in (REFRAME, EDIT):
            entry.update(categories=["image-to-image"], kind="image", base_price_usd=0.05)
            entry["price_unit"] = "output"
        elif entry["model_id"] == WAN:
            entry.update(categories=["image-to-video"], kind="video")
        entries.append(entry)
    with running_emulator(entries, token=TOKEN, balance=12.5) as emu:
        yield emu


def test_balance_prints_the_accounts_balance(emu: RunningEmulator) -> None:
    emu.set_balance(7.25)
    result = invoke(["balance", "--json"], base_url=emu.base_url)
    assert result.exit_code == 0, result.stderr
    assert last_json(result) == {"balance_usd": 7.25, "currency": "USD"}


def test_balance_accepts_runcomfys_base_url_form(emu: RunningEmulator) -> None:
    result = invoke(["balance", "--json"], base_url=emu.base_url + "/v1")
    assert result.exit_code == 0, result.stderr
    assert last_json(result)["currency"] == "USD"


def test_balance_without_a_token_exits_77() -> None:
    result = invoke(["balance"], token=None)
    assert result.exit_code == 77
    assert "token" in result.stderr


def test_run_on_an_empty_wallet_says_what_to_do(emu: RunningEmulator) -> None:
    emu.set_balance(0.0)
    result = invoke(["run", *REFRAME_ARGS], base_url=emu.base_url)
    assert result.exit_code == 77
    assert "No job was made: top up your RunComfy balance" in result.stderr
    assert "runcomfy-models balance" in result.stderr
    assert emu.stats()["routes"]["submit"] == 0


def test_models_live_reads_prices_and_categories_now(live: RunningEmulator) -> None:
    result = invoke(["models", "--live", "--json"], base_url=live.base_url)
    assert result.exit_code == 0, result.stderr
    rows = {row["model_id"]: row for row in last_json(result)}
    assert set(rows) == set(all_models()) - {GONE}
    assert f"1 generated model(s) are not in RunComfy's catalog: {GONE}" in result.stderr
    reframe = rows[REFRAME]
    assert (reframe["price_usd"], reframe["price_unit"]) == (0.05, "output")
    assert (reframe["categories"], reframe["kind"]) == (["image-to-image"], "image")
    assert reframe["generated_price_usd"] == all_models()[REFRAME].price.usd
    # A model the catalog prices nowhere gets the emulator's stand-in price.
    assert (rows[WAN]["price_usd"], rows[WAN]["price_unit"]) == (0.1, "second")


def test_models_live_by_category(live: RunningEmulator) -> None:
    result = invoke(
        ["models", "--live", "--category", "image-to-image", "--json"], base_url=live.base_url
    )
    assert result.exit_code == 0, result.stderr
    assert [row["model_id"] for row in last_json(result)] == [EDIT, REFRAME]


def test_models_by_category_reads_the_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    registry = {
        "a/one/text-to-image": ModelInfo(
            "a/one/text-to-image", "m1", "c1", "One", Price(0.02, "output"), ("text-to-image",)
        ),
        "a/two/image-to-video": ModelInfo(
            "a/two/image-to-video", "m2", "c2", "Two", Price(), ("image-to-video",), "video"
        ),
    }
    monkeypatch.setattr(models_cmd, "all_models", lambda: registry)
    result = invoke(["models", "--category", "Text-To-Image", "--json"])
    assert result.exit_code == 0, result.stderr
    rows = last_json(result)
    assert [row["model_id"] for row in rows] == ["a/one/text-to-image"]
    assert rows[0]["price_usd"] == 0.02 and rows[0]["categories"] == ["text-to-image"]
    result = invoke(["models", "--category", "audio", "--json"])
    assert json.loads(result.stdout) == []
    assert "No generated model is in the category 'audio'" not in result.stdout


def test_models_without_options_lists_every_generated_model() -> None:
    result = invoke(["models", "--json"])
    assert result.exit_code == 0
    assert [row["model_id"] for row in last_json(result)] == list(all_models())
    # Without --json, text: one line per model, in a pipe as on a terminal.
    text = invoke(["models"]).stdout.splitlines()
    assert [line.split()[0] for line in text] == list(all_models())
