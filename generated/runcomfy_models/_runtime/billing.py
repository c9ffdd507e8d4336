"""The account's balance and the live prices of models, as RunComfy's services tell them.

The balance lives on RunComfy's core API (``GET https://api.runcomfy.net/prod/v2/balance``,
the same token; one wallet pays every Model API job), not on the Model API host. The token
goes there only when the client's base URL is RunComfy's Model API; any other base URL (a
local emulator, a proxy) is asked for ``/prod/v2/balance`` itself, so the token never
leaves the configured origin.

Prices live in the catalog entry of each model (``base_price_usd`` per ``price_unit``),
and RunComfy may change them at any time: a client reads an entry's price at most once
per :data:`PRICE_TTL_SECONDS` per model and keeps it that long.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit

from .errors import UnexpectedResponseError
from .pricing import Price, format_usd

__all__ = [
    "BALANCE_PATH",
    "PRICE_TTL_SECONDS",
    "RUNCOMFY_BALANCE_ORIGIN",
    "Balance",
    "PriceCache",
    "balance_origin",
    "parse_balance",
]

RUNCOMFY_MODEL_API_HOST: Final = "model-api.runcomfy.net"
RUNCOMFY_BALANCE_ORIGIN: Final = "https://api.runcomfy.net"
BALANCE_PATH: Final = "/prod/v2/balance"
PRICE_TTL_SECONDS: Final = 60.0
"""How long a client keeps a model's live price before reading its catalog entry again."""


@dataclass(frozen=True, slots=True)
class Balance:
    """What the account can still spend: ``usd`` in ``currency`` (RunComfy bills in USD)."""

    usd: float
    currency: str = "USD"

    def __str__(self) -> str:
        return f"{format_usd(self.usd)} {self.currency}"


def balance_origin(base_url: str) -> str:
    """Where the balance of an account is asked for, given the client's (normalised) base URL."""
    parts = urlsplit(base_url)
    if parts.scheme == "https" and parts.hostname == RUNCOMFY_MODEL_API_HOST:
        return RUNCOMFY_BALANCE_ORIGIN
    return base_url


def parse_balance(body: Any) -> Balance:
    """A ``{balance_usd, currency}`` answer; anything else is an UnexpectedResponseError."""
    amount = body.get("balance_usd") if isinstance(body, dict) else None
    if isinstance(amount, str):
        try:
            amount = float(amount)
        except ValueError:
            amount = None
    if isinstance(amount, bool) or not isinstance(amount, int | float) or not math.isfinite(amount):
        raise UnexpectedResponseError("The balance answer has no balance_usd number", body=body)
    currency = body.get("currency") if isinstance(body, dict) else None
    return Balance(float(amount), currency if isinstance(currency, str) and currency else "USD")


class PriceCache:
    """Live prices by model id, each kept for ``ttl`` seconds (a client's own cache)."""

    def __init__(
        self, ttl: float = PRICE_TTL_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self._clock = clock
        self._prices: dict[str, tuple[float, Price]] = {}

    def get(self, model_id: str) -> Price | None:
        found = self._prices.get(model_id)
        if found is None or self._clock() - found[0] >= self.ttl:
            return None
        return found[1]

    def put(self, model_id: str, price: Price) -> Price:
        self._prices[model_id] = (self._clock(), price)
        return price
