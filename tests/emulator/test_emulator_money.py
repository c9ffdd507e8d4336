"""The emulator's wallet and catalog browsing: balance, 400002, categories, kind and search."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from runcomfy_models._runtime.emulator import RunningEmulator, running_emulator

from .support import CATALOG, EDIT, GALLERY, REFRAME, REFRAME_INPUT, VIDEO

# The same entries as a catalog that says what each model makes, as RunComfy's does.
KINDS = {REFRAME: "image", VIDEO: "video", EDIT: "image", GALLERY: "image"}
DESCRIBED: list[dict[str, Any]] = [
    {**entry, "kind": KINDS[entry["model_id"]], "base_price_usd": 0.04, "price_unit": "output"}
    for entry in CATALOG
]
DESCRIBED[3]["description"] = "Makes a mosaic of tiles from one prompt."
DESCRIBED[1]["categories"] = ["image-to-video", "video"]


@pytest.fixture
def described() -> Iterator[httpx.Client]:
    with (
        running_emulator(DESCRIBED) as emu,
        httpx.Client(base_url=emu.base_url, timeout=10) as http,
    ):
        yield http


@pytest.fixture
def wallet() -> Iterator[RunningEmulator]:
    with running_emulator(DESCRIBED, balance=0.1) as emu:
        yield emu


def _ids(answer: httpx.Response) -> list[str]:
    assert answer.status_code == 200, answer.text
    return [entry["model_id"] for entry in answer.json()["models"]]


def test_categories_lists_what_the_entries_carry(described: httpx.Client) -> None:
    answer = described.get("/v1/models/categories")
    assert answer.status_code == 200
    assert answer.json() == {
        "categories": ["image-to-image", "image-to-video", "text-to-image", "video"]
    }


def test_list_filters_by_kind_category_and_description(described: httpx.Client) -> None:
    assert _ids(described.get("/v1/models", params={"kind": "video"})) == [VIDEO]
    assert _ids(described.get("/v1/models", params={"kind": "IMAGE"})) == [GALLERY, EDIT, REFRAME]
    assert _ids(described.get("/v1/models", params={"kind": "audio"})) == []
    assert _ids(described.get("/v1/models", params={"category": "video"})) == [VIDEO]
    assert _ids(described.get("/v1/models", params={"search": "MOSAIC"})) == [GALLERY]
    both = described.get("/v1/models", params={"kind": "image", "category": "image-to-image"})
    assert _ids(both) == [EDIT, REFRAME]
    assert both.json()["total"] == 2
    entry = described.get(f"/v1/models/{VIDEO}").json()
    assert entry["kind"] == "video" and entry["categories"] == ["image-to-video", "video"]


def test_an_entry_without_a_kind_matches_no_kind_filter() -> None:
    with (
        running_emulator(CATALOG) as emu,
        httpx.Client(base_url=emu.base_url, timeout=10) as http,
    ):
        assert _ids(http.get("/v1/models", params={"kind": "image"})) == []
        assert len(_ids(http.get("/v1/models"))) == len(CATALOG)
        assert http.get("/v1/models/categories").json()["categories"] == [
            "image-to-image",
            "image-to-video",
            "text-to-image",
        ]


def test_an_empty_wallet_refuses_submits_with_400002(wallet: RunningEmulator) -> None:
    with httpx.Client(base_url=wallet.base_url, timeout=10) as http:
        assert http.get("/prod/v2/balance").json() == {"balance_usd": 0.1, "currency": "USD"}
        for _ in range(2):
            assert http.post(f"/v1/models/{REFRAME}", json=REFRAME_INPUT).status_code == 200
        refused = http.post(f"/v1/models/{REFRAME}", json=REFRAME_INPUT)
        assert refused.status_code == 400
        assert refused.json()["error_code"] == 400002
        assert http.get("/prod/v2/balance").json()["balance_usd"] == 0.02
    stats = wallet.stats()
    assert stats["routes"]["submit"] == 2 and stats["routes"]["submit_rejected"] == 1
    assert stats["routes"]["balance"] == 2
    assert stats["charged_usd"] == 0.08

    wallet.set_balance(1.0)
    assert wallet.emulator.balance() == 1.0
    wallet.reset()
    assert wallet.emulator.balance() == 0.1 and wallet.emulator.charged() == 0


def test_failed_jobs_are_not_charged(wallet: RunningEmulator) -> None:
    wallet.set_outcome("failed")
    with httpx.Client(base_url=wallet.base_url, timeout=10) as http:
        for _ in range(3):
            assert http.post(f"/v1/models/{REFRAME}", json=REFRAME_INPUT).status_code == 200
    assert wallet.emulator.charged() == 0 and wallet.emulator.balance() == 0.1


def test_without_a_wallet_the_balance_is_unlimited(described: httpx.Client) -> None:
    described.post(f"/v1/models/{REFRAME}", json=REFRAME_INPUT)
    assert described.get("/prod/v2/balance").json()["balance_usd"] == 999_999.96


@pytest.mark.parametrize("usd", [-1.0, float("inf"), float("nan")])
def test_a_wallet_must_hold_a_finite_amount(usd: float) -> None:
    with pytest.raises(ValueError, match="balance"), running_emulator(CATALOG, balance=usd):
        pass


def test_the_command_serves_a_catalog_file_with_a_wallet(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps({"models": DESCRIBED}), encoding="utf-8")
    command = [sys.executable, "-m", "runcomfy_models._runtime.cli", "emulator"]
    process = subprocess.Popen(
        [*command, "--port", "0", "--catalog", str(catalog), "--balance", "0.05"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("RunComfy emulator listening on "), process.stderr
        base_url = line.split()[-1]
        with httpx.Client(base_url=base_url, timeout=10) as http:
            assert http.get("/prod/v2/balance").json()["balance_usd"] == 0.05
            assert _ids(http.get("/v1/models", params={"kind": "video"})) == [VIDEO]
            assert http.post(f"/v1/models/{REFRAME}", json=REFRAME_INPUT).status_code == 200
            refused = http.post(f"/v1/models/{REFRAME}", json=REFRAME_INPUT)
            assert refused.json()["error_code"] == 400002
    finally:
        process.terminate()
        process.communicate(timeout=30)
