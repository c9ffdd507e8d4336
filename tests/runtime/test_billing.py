"""Money from the client: the account's balance, live prices (cached), RunComfy's base-URL form."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from runcomfy_models._runtime import (
    AsyncRunComfy,
    Balance,
    InsufficientBalanceError,
    Price,
    RunComfy,
    UnexpectedResponseError,
)
from runcomfy_models._runtime.billing import PriceCache, balance_origin, parse_balance
from runcomfy_models._runtime.config import normalize_base_url
from runcomfy_models._runtime.emulator import RunningEmulator, running_emulator

from .helpers import (
    CATALOG,
    IMAGE_ENTRY,
    IMAGE_MODEL,
    IMAGE_PAYLOAD,
    TOKEN,
    make_async_client,
    make_client,
)

PRICED = {**IMAGE_ENTRY, "base_price_usd": 0.05, "price_unit": "output"}


@pytest.fixture
def wallet() -> Iterator[RunningEmulator]:
    with running_emulator(catalog=[PRICED, *CATALOG[1:]], token=TOKEN, balance=0.12) as emu:
        yield emu


def test_balance_sync_follows_the_wallet(wallet: RunningEmulator) -> None:
    with make_client(wallet.base_url) as client:
        assert client.balance() == Balance(0.12, "USD")
        client.run(IMAGE_MODEL, IMAGE_PAYLOAD)
        assert client.balance() == Balance(0.07, "USD")
        client.run(IMAGE_MODEL, IMAGE_PAYLOAD)
        with pytest.raises(InsufficientBalanceError) as caught:
            client.submit(IMAGE_MODEL, IMAGE_PAYLOAD)
    assert caught.value.error_code == "400002"
    assert "No job was made: top up your RunComfy balance" in str(caught.value)
    assert "client.balance()" in str(caught.value)
    assert TOKEN not in str(caught.value)
    stats = wallet.stats()
    assert stats["routes"]["submit"] == 2 and stats["routes"]["submit_rejected"] == 1
    assert stats["charged_usd"] == pytest.approx(0.1)


async def test_balance_async_follows_the_wallet(wallet: RunningEmulator) -> None:
    async with make_async_client(wallet.base_url) as client:
        before = await client.balance()
        await client.run(IMAGE_MODEL, IMAGE_PAYLOAD)
        after = await client.balance()
    assert (before.usd, after.usd) == (0.12, 0.07)
    assert str(after) == "$0.07 USD"


def test_a_wallet_holds_what_queued_jobs_will_cost(wallet: RunningEmulator) -> None:
    """Two jobs in the queue hold $0.10 of $0.12: a third is refused before either ends."""
    wallet.set_timings(queue_seconds=30)
    with make_client(wallet.base_url) as client:
        client.submit(IMAGE_MODEL, IMAGE_PAYLOAD)
        client.submit(IMAGE_MODEL, IMAGE_PAYLOAD)
        assert client.balance().usd == 0.12  # nothing is charged before a job ends
        with pytest.raises(InsufficientBalanceError):
            client.submit(IMAGE_MODEL, IMAGE_PAYLOAD)
    assert wallet.stats()["charged_usd"] == 0


def test_price_is_read_live_and_kept_for_a_while(wallet: RunningEmulator) -> None:
    with make_client(wallet.base_url) as client:
        first = client.price(IMAGE_MODEL)
        again = client.price(IMAGE_MODEL)
        assert wallet.stats()["routes"]["catalog"] == 1
        fresh = client.price(IMAGE_MODEL, fresh=True)
    assert first == again == fresh
    assert (first.usd, first.unit) == (0.05, "output")
    assert first.estimate({"num_images": 3}) == 0.05  # reframe has no count input
    assert wallet.stats()["routes"]["catalog"] == 2


async def test_async_price_comes_from_the_catalog(wallet: RunningEmulator) -> None:
    async with make_async_client(wallet.base_url) as client:
        price = await client.price(IMAGE_MODEL)
    assert str(price) == "$0.05 per output"


def test_the_price_cache_forgets_after_its_time() -> None:
    now = [100.0]
    cache = PriceCache(ttl=60, clock=lambda: now[0])
    cache.put("a/b", Price(0.04, "output"))
    now[0] += 59.9
    assert cache.get("a/b") == Price(0.04, "output")
    now[0] += 0.1
    assert cache.get("a/b") is None
    assert cache.get("never/asked") is None


@pytest.mark.parametrize("suffix", ["", "/", "/v1", "/v1/"])
def test_a_base_url_with_or_without_v1_reaches_the_api(
    wallet: RunningEmulator, suffix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUNCOMFY_MODEL_API_BASE", wallet.base_url + suffix)
    monkeypatch.setenv("RUNCOMFY_API_TOKEN", TOKEN)
    with RunComfy() as client:
        assert client.base_url == wallet.base_url
        job = client.submit(IMAGE_MODEL, IMAGE_PAYLOAD)
        assert job.result().request_id == job.request_id
        assert client.balance().usd == 0.07  # the job ended at once: charged


def test_only_a_trailing_v1_is_dropped() -> None:
    assert (
        normalize_base_url("https://proxy.example/runcomfy/v1") == "https://proxy.example/runcomfy"
    )
    assert normalize_base_url("https://proxy.example/v10") == "https://proxy.example/v10"
    assert normalize_base_url("https://proxy.example/v1/x") == "https://proxy.example/v1/x"


def test_balance_goes_to_runcomfys_api_host_only_from_runcomfys_model_api() -> None:
    assert balance_origin("https://model-api.runcomfy.net") == "https://api.runcomfy.net"
    assert balance_origin("http://127.0.0.1:8765") == "http://127.0.0.1:8765"
    # Any other origin (a proxy, a look-alike host) is asked itself: the token stays there.
    assert balance_origin("https://model-api.runcomfy.net.example") == (
        "https://model-api.runcomfy.net.example"
    )
    assert balance_origin("https://proxy.example/runcomfy") == "https://proxy.example/runcomfy"


def _recording(seen: list[httpx.Request], body: Any) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=body)

    return httpx.MockTransport(handler)


def test_the_public_api_asks_runcomfys_balance_host_with_the_same_token() -> None:
    seen: list[httpx.Request] = []
    http = httpx.Client(transport=_recording(seen, {"balance_usd": 12.5, "currency": "USD"}))
    with RunComfy(TOKEN, http_client=http) as client:
        assert client.balance() == Balance(12.5, "USD")
    http.close()
    assert [str(request.url) for request in seen] == ["https://api.runcomfy.net/prod/v2/balance"]
    assert seen[0].headers["authorization"] == f"Bearer {TOKEN}"


async def test_the_async_client_asks_the_same_host() -> None:
    seen: list[httpx.Request] = []
    http = httpx.AsyncClient(transport=_recording(seen, {"balance_usd": "3.25"}))
    async with AsyncRunComfy(TOKEN, http_client=http) as client:
        assert await client.balance() == Balance(3.25, "USD")
    await http.aclose()
    assert [request.url.host for request in seen] == ["api.runcomfy.net"]


@pytest.mark.parametrize(
    "body",
    [{}, {"balance_usd": None}, {"balance_usd": "lots"}, {"balance_usd": True}, [], "12"],
)
def test_a_balance_answer_without_a_number_is_an_error(body: Any) -> None:
    with pytest.raises(UnexpectedResponseError, match="balance_usd"):
        parse_balance(body)


def test_a_balance_answer_of_nan_is_an_error() -> None:
    with pytest.raises(UnexpectedResponseError):
        parse_balance({"balance_usd": float("nan")})


def test_another_base_url_is_asked_for_the_balance_itself() -> None:
    seen: list[httpx.Request] = []
    http = httpx.Client(transport=_recording(seen, {"balance_usd": 1, "currency": "EUR"}))
    with RunComfy(TOKEN, base_url="https://proxy.example/runcomfy/v1", http_client=http) as client:
        assert client.balance() == Balance(1.0, "EUR")
    http.close()
    assert [str(request.url) for request in seen] == [
        "https://proxy.example/runcomfy/prod/v2/balance"
    ]


def test_catalog_pages_carry_the_filters(wallet: RunningEmulator) -> None:
    with make_client(wallet.base_url) as client:
        page = client.catalog(search="reframe", limit=1)
        assert page["total"] == 1
        assert [entry["model_id"] for entry in page["models"]] == [IMAGE_MODEL]
        assert "input_schema" not in page["models"][0]
        assert client.catalog(category="video")["total"] == 1
        assert client.catalog(category="no-such-category") == {"models": [], "total": 0}
