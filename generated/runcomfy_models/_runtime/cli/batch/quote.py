"""The price a batch counts with, and the account's balance beside its estimate.

Prices live in RunComfy's catalog and change there: the package's own (the price
of the entry it was generated from) may be stale. A batch reads the live price
of its model; under ``--max-cost`` it counts the dearer of the live and the
generated price, so a stale price in either place can only make it stop early.
The generated price serves alone only when the catalog cannot be read, and the
batch says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...billing import Balance
from ...config import resolve_token
from ...errors import RunComfyError
from ...pricing import Price, format_usd
from ..registry import ModelInfo
from ..settings import Settings
from ..style import note, warning
from .budget import Estimate

__all__ = ["Quote", "account_balance", "batch_price", "show_estimate"]


@dataclass(frozen=True, slots=True)
class Quote:
    """The price of a batch's model and whether it came from the live catalog."""

    price: Price
    live: bool


def batch_price(settings: Settings, info: ModelInfo, *, budget: bool) -> Quote:
    """The model's price for estimates and the budget (see the module docstring)."""
    generated = info.price
    if resolve_token(None) is None:
        if generated.known:
            note(f"Price of {info.model_id} as generated: {generated} (no token to read it live).")
        return Quote(generated, live=False)
    try:
        with settings.client(max_retries=2) as client:
            live = client.price(info.model_id)
    except RunComfyError as exc:
        if generated.known:
            warning(
                f"The live price of {info.model_id} could not be read from RunComfy's catalog "
                f"({exc}); counting the price the package was generated with: {generated}."
            )
        else:
            warning(f"The price of {info.model_id} could not be read from the catalog: {exc}")
        return Quote(generated, live=False)
    current = generated.with_rate(live.usd, live.unit) if live.known else generated
    price = current.higher(generated) if budget else current
    if not live.known:
        if generated.known:
            warning(
                f"RunComfy's catalog entry of {info.model_id} has no price; counting the price "
                f"the package was generated with: {generated}."
            )
        return Quote(price, live=False)
    text = f"Price of {info.model_id} from RunComfy's catalog: {current}"
    if generated.known and str(generated) != str(current):
        text += f" (the package was generated with {generated}"
        text += f"; the budget counts the higher, {price})" if budget else ")"
    note(text + ".")
    return Quote(price, live=True)


def account_balance(settings: Settings) -> Balance | str | None:
    """The account's balance, or why it cannot be read (never fatal: it is information);
    None without a token."""
    if resolve_token(None) is None:
        return None
    try:
        with settings.client(max_retries=1) as client:
            return client.balance()
    except RunComfyError as exc:
        return f"unknown: {exc}"


def show_estimate(settings: Settings, estimate: Estimate, price: Price, what: str) -> None:
    """``Estimated cost of WHAT: ...; balance: ...``, and a warning when it is more."""
    balance = account_balance(settings)
    beside = "" if balance is None else f"; balance: {balance}"
    note(f"Estimated cost of {what}: {estimate.text(price)}{beside}.")
    _compare_with_balance(estimate, balance, what)


def _compare_with_balance(estimate: Estimate, balance: Balance | str | None, what: str) -> None:
    """Warn when the estimate of ``what`` is more than the balance (before anything is sent)."""
    if isinstance(balance, Balance) and estimate.total > balance.usd + 1e-9:
        warning(
            f"The estimated cost of {what} ({format_usd(estimate.total)}) is more than your "
            f"balance ({balance}): RunComfy refuses new jobs once the balance is spent, and the "
            "lines left are then not sent. Top up, or set --max-cost "
            f"{format_usd(balance.usd).lstrip('$')} to stop within it."
        )
