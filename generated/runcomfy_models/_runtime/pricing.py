"""What a model costs and what a job will cost: the one price rule of the CLI, batch and Python.

RunComfy's catalog prices a model with ``base_price_usd`` per ``price_unit``:
``output`` (each file made) or ``second`` (of video or audio made). The estimate
of one job follows the job's own inputs:

- per output: the price times the number of outputs asked for, read from the
  first of :data:`COUNT_INPUTS` the model has (the line's value, else the
  schema's default, else 1);
- per second: the price times the seconds asked for, read from the first of
  :data:`DURATION_INPUTS` the model has (a number or a numeric string such as
  ``"10"``; the line's value, else the schema's default). No such input, or a
  value such as ``"auto"``, leaves the estimate unknown.

A model without a price in its catalog entry has an unknown price, never 0.
Stdlib only: every model module imports this.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

__all__ = [
    "COUNT_INPUTS",
    "DURATION_INPUTS",
    "PRICE_UNITS",
    "Price",
    "PriceUnit",
    "format_usd",
    "price_from_entry",
]

PriceUnit = Literal["output", "second"]
PRICE_UNITS: Final[tuple[PriceUnit, ...]] = ("output", "second")
COUNT_INPUTS: Final = ("num_images", "num_outputs", "num_videos")
"""Inputs that say how many outputs a job makes (the first one a model has counts)."""
DURATION_INPUTS: Final = ("duration",)
"""Inputs that say how many seconds a job makes (the first one a model has counts)."""


def format_usd(amount: float | None) -> str:
    """``$0.04``, ``$1.5``, or ``unknown``."""
    if amount is None:
        return "unknown"
    return f"${round(amount, 6):,.6f}".rstrip("0").rstrip(".").replace("$-0", "$0")


@dataclass(frozen=True, slots=True)
class Price:
    """A model's price as its catalog entry says; ``usd is None`` when the entry has none.

    ``count_input``/``duration_input`` name the input (wire name) that scales the
    cost of a job, with the schema's default for it (see the module docstring).
    """

    usd: float | None = None
    unit: PriceUnit | None = None
    count_input: str | None = None
    count_default: Any = None
    duration_input: str | None = None
    duration_default: Any = None

    @property
    def known(self) -> bool:
        return self.usd is not None and self.unit is not None

    def __str__(self) -> str:
        if not self.known:
            return "unknown"
        return f"{format_usd(self.usd)} per {self.unit}"

    def describe(self) -> str:
        """The price in a sentence: what it is charged per and which input scales it."""
        if not self.known:
            return "unknown (the catalog entry has no price)"
        scale = self.count_input if self.unit == "output" else self.duration_input
        if scale is not None:
            return f"{self} (a job costs that times its {scale})"
        if self.unit == "output":
            return f"{self} (one output per job)"
        return f"{self} (a job's seconds are not an input: its cost is known afterwards)"

    def with_rate(self, usd: float | None, unit: str | None) -> Price:
        """This price's inputs with another rate (one the live catalog gave, say)."""
        if not _is_amount(usd) or unit not in PRICE_UNITS:
            return Price(None, None, *self._scaling())
        return Price(float(usd), unit, *self._scaling())  # type: ignore[arg-type]

    def higher(self, other: Price) -> Price:
        """The dearer of this rate and ``other`` for one model (for a budget): ``other``'s when
        this one is unknown, this one's when the two are charged per different units."""
        if not self.known:
            return self.with_rate(other.usd, other.unit)
        if other.known and other.unit == self.unit and (other.usd or 0) > (self.usd or 0):
            return self.with_rate(other.usd, other.unit)
        return self

    def _scaling(self) -> tuple[str | None, Any, str | None, Any]:
        return self.count_input, self.count_default, self.duration_input, self.duration_default

    def units(self, inputs: Mapping[str, Any]) -> float | None:
        """How many outputs or seconds a job with these inputs (wire names) is billed for."""
        if self.unit == "output":
            count = _count(
                inputs.get(self.count_input, self.count_default) if self.count_input else 1
            )
            return 1.0 if count is None else count
        if self.unit == "second" and self.duration_input is not None:
            return _seconds(inputs.get(self.duration_input, self.duration_default))
        return None

    def estimate(self, inputs: Mapping[str, Any]) -> float | None:
        """The cost in USD of one job with these inputs (wire names), or None when unknown."""
        units = self.units(inputs)
        if self.usd is None or units is None:
            return None
        return round(self.usd * units, 6)


def price_from_entry(entry: Mapping[str, Any]) -> Price:
    """The price of a raw catalog entry (``base_price_usd``, ``price_unit``, ``input_schema``)."""
    schema = entry.get("input_schema")
    properties = schema.get("properties") if isinstance(schema, Mapping) else None
    props: Mapping[str, Any] = properties if isinstance(properties, Mapping) else {}
    count = next((name for name in COUNT_INPUTS if name in props), None)
    duration = next((name for name in DURATION_INPUTS if name in props), None)
    return Price(
        None,
        None,
        count,
        _default(props, count),
        duration,
        _default(props, duration),
    ).with_rate(entry.get("base_price_usd"), entry.get("price_unit"))


def _default(props: Mapping[str, Any], name: str | None) -> Any:
    prop = props.get(name) if name is not None else None
    return prop.get("default") if isinstance(prop, Mapping) else None


def _is_amount(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value >= 0
    )


def _seconds(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if not _is_amount(value):
        return None
    return float(value)


def _count(value: Any) -> float | None:
    seconds = _seconds(value)
    if seconds is None or seconds != int(seconds) or seconds < 1:
        return None
    return seconds
