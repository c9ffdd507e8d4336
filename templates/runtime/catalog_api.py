"""``CatalogApi``: the synchronous client's catalog, price and balance calls.

Derived by the generator from ``async_catalog_api.py``: edit that file, not this one.
"""

from __future__ import annotations

from typing import Any

import httpx

from .billing import Balance, parse_balance
from .client_core import ClientCore
from .config import TimeoutLike
from .pricing import Price, price_from_entry
from .transport import send_sync

__all__ = ["CatalogApi"]


class CatalogApi(ClientCore[httpx.Client]):
    """What RunComfy's catalog and account say: entries, pages, prices and the balance."""

    def get_model(
        self,
        model_id: str,
        *,
        timeout: TimeoutLike | None = None,
        max_retries: int | None = None,
    ) -> dict[str, Any]:
        """The catalog entry of a model (``GET /v1/models/{model_id}``)."""
        attempts = self._model_call(model_id, timeout=timeout, max_retries=max_retries)
        return self._catalog_entry(send_sync(self._http, attempts))

    def catalog(
        self,
        *,
        search: str | None = None,
        category: str | None = None,
        kind: str | None = None,
        limit: int = 500,
        offset: int = 0,
        timeout: TimeoutLike | None = None,
    ) -> dict[str, Any]:
        """One page of RunComfy's catalog (``GET /v1/models``): ``{models: [...], total}``,
        entries without their schemas; ``limit`` is 1 to 500."""
        query = {"search": search, "category": category, "kind": kind}
        attempts = self._catalog_call(query, limit, offset, timeout=timeout)
        return self._catalog_entry(send_sync(self._http, attempts))

    def price(
        self,
        model_id: str,
        *,
        fresh: bool = False,
        timeout: TimeoutLike | None = None,
        max_retries: int | None = None,
    ) -> Price:
        """The model's price as RunComfy's catalog says it now (``base_price_usd`` per
        ``price_unit``); kept by this client for ``billing.PRICE_TTL_SECONDS`` (60 s) unless
        ``fresh``. ``Price.estimate(inputs)`` turns it into the cost of one job."""
        cached = None if fresh else self._prices.get(model_id)
        if cached is not None:
            return cached
        entry = self.get_model(model_id, timeout=timeout, max_retries=max_retries)
        return self._prices.put(model_id, price_from_entry(entry))

    def balance(
        self, *, timeout: TimeoutLike | None = None, max_retries: int | None = None
    ) -> Balance:
        """What the account can still spend (``GET /prod/v2/balance`` on RunComfy's API host;
        against another base URL, such as a local emulator, on that one)."""
        attempts = self._balance_call(timeout=timeout, max_retries=max_retries)
        return parse_balance(send_sync(self._http, attempts))
