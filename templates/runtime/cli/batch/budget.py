"""The batch's money: the running total, the ``--max-cost`` guard and cost estimates of lines.

The guard admits a line only when what is committed (costs RunComfy reported,
plus the estimate of every job that may exist and whose cost is not known yet:
in flight, or whose submit outcome is unknown) plus the line's own estimate stays
within the budget. A line whose estimate is unknown is never admitted under a
budget (it is left, and the run goes on with the others; the first line over the
budget ends the sending). Committed money starts from the journal, so a rerun after a crash or
``kill -9`` counts every job of the earlier runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ...pricing import Price, format_usd

__all__ = ["Budget", "Estimate", "reported_cost"]

# Float sums of cents are not exact: a budget is kept to within this many USD.
_SLACK = 1e-9


def reported_cost(raw: Any) -> tuple[float | None, str | None]:
    """The cost RunComfy reported for a job (a number of USD, or such a number as text), or
    None and why it cannot be counted: negative, NaN, infinite or not a number. None without
    a reason when no cost was reported."""
    if raw is None:
        return None, None
    value = raw
    if isinstance(raw, str):
        try:
            value = float(raw.strip())
        except ValueError:
            value = None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None, f"RunComfy reported a cost that is not a number ({_preview(raw)})"
    if value < 0:
        return None, f"RunComfy reported a negative cost ({_preview(raw)})"
    return float(value), None


def _preview(raw: Any) -> str:
    text = repr(raw)
    return text if len(text) <= 40 else text[:40] + "..."


@dataclass
class Estimate:
    """The estimated cost of a set of lines: a total over the known ones, and a count."""

    total: float = 0.0
    known: int = 0
    unknown: int = 0

    def add(self, estimate: float | None) -> None:
        if estimate is None:
            self.unknown += 1
        else:
            self.total = round(self.total + estimate, 9)
            self.known += 1

    def text(self, price: Price) -> str:
        lines = self.known + self.unknown
        if not self.unknown:
            return f"{format_usd(self.total)} for {lines} line(s) at {price}"
        why = (
            "the model's price is unknown"
            if not price.known
            else "their seconds cannot be read from their inputs"
        )
        head = f"{format_usd(self.total)} for {self.known} line(s)" if self.known else "unknown"
        return f"{head} at {price}; {self.unknown} line(s) unknown ({why})"


@dataclass
class Budget:
    """Money committed by the batch's jobs, and the limit it must stay within (if any)."""

    limit: float | None
    spent: float = 0.0
    """Costs RunComfy reported."""
    pending: float = 0.0
    """Estimates of jobs that may exist and whose cost is not known yet."""
    unaccounted: int = 0
    """Jobs that may exist with neither a cost nor an estimate (from runs without a price)."""

    @property
    def committed(self) -> float:
        return self.spent + self.pending

    def admit(self, estimate: float | None) -> str | None:
        """Reserve ``estimate`` for a job about to be sent; or say why it must not be sent."""
        if self.limit is None:
            return None
        if estimate is None:
            return "its cost cannot be estimated, so it could exceed --max-cost"
        if self.unaccounted:
            return (
                f"{self.unaccounted} job(s) of this journal have neither a cost nor an estimate, "
                "so the money spent is not known"
            )
        if self.committed + estimate > self.limit + _SLACK:
            return (
                f"it would cost {format_usd(estimate)}, and {format_usd(self.committed)} of the "
                f"{format_usd(self.limit)} budget is spent or in flight"
            )
        self.pending += estimate
        return None

    def release(self, estimate: float | None) -> None:
        """The submit certainly made no job: its reservation is free again."""
        if self.limit is not None and estimate is not None:
            self.pending = max(0.0, self.pending - estimate)

    def settle(self, estimate: float | None, cost: float | None) -> None:
        """A job ended: its real cost replaces its estimate (kept when RunComfy gave none)."""
        if cost is None:
            return
        if self.limit is not None and estimate is not None:
            self.pending = max(0.0, self.pending - estimate)
        self.spent = round(self.spent + cost, 9)
