"""Whether a batch sends its next line: the budget, the account's balance, the price in force.

Under ``--max-cost`` each line reserves its estimate before its submit (see
:class:`.budget.Budget`); the price counted is re-read from the catalog as each
client's cache of it runs out, and only ever raised: also when a job is billed
more than its estimate. The first line the budget
refuses, or the first submit RunComfy refuses for lack of balance, ends the
sending: jobs in flight are followed, the lines left stay pending.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from ...async_client import AsyncRunComfy
from ...errors import InsufficientBalanceError, RunComfyError
from ...pricing import Price, format_usd
from .budget import Budget, reported_cost
from .journal import Journal
from .progress import Progress

__all__ = ["Gate"]


class Gate:
    def __init__(
        self,
        *,
        model_id: str,
        journal: Journal,
        progress: Progress,
        report: Callable[[str], None],
        budget: Budget,
        price: Price,
        refresh_price: bool,
    ) -> None:
        self.model_id = model_id
        self.journal = journal
        self.progress = progress
        self.report = report
        self.budget = budget
        self.price = price
        self.refresh_price = refresh_price
        self.stop: str | None = None
        """Why no more lines are sent (the budget or the balance), once one was refused."""
        self.balance_out: InsufficientBalanceError | None = None
        """RunComfy's refusal for lack of balance, when that ended the sending."""

    async def admit(
        self, line: int, digest: str, payload: dict[str, Any], client: AsyncRunComfy
    ) -> tuple[bool, float | None]:
        """Whether the line may be sent now, and its estimate (reserved when admitted). A line
        not admitted once the sending has ended is left as the journal has it."""
        if self.refresh_price and self.budget.limit is not None:
            with contextlib.suppress(RunComfyError):
                self.price = self.price.higher(await client.price(self.model_id, max_retries=0))
            if self.stop is not None:  # decided by another worker meanwhile
                return False, None
        estimate = self.price.estimate(payload)
        refusal = self.budget.admit(estimate)
        if refusal is None:
            return True, estimate
        await self._not_admitted(line, digest, estimate, refusal)
        return False, estimate

    async def _not_admitted(self, line: int, digest: str, estimate: float | None, why: str) -> None:
        """Left pending with its estimate, unless a job of the line may exist already: then it
        stays unknown or failed, that job counted by every later run."""
        why_left = f"not sent under --max-cost: {why}"
        if await self.journal.apply(self.journal.mark_left, line, digest, estimate, why_left):
            self.progress.finished("not sent")
        else:
            row = self.journal.get(line)
            failed = row is not None and row.state == "failed"
            self.progress.finished("failed" if failed else "unknown")
            self.report(f"line {line}: not sent again ({why}); its earlier job stays counted")
        if estimate is None:
            self.report(f"line {line}: not sent: {why}")
        elif self.stop is None:
            self.stop = f"line {line} was not sent: {why}"
            self.report(f"Budget: {self.stop}; sending no more lines.")

    def settle(self, line: int, estimate: float | None, reported: Any) -> float | None:
        """A job ended: its cost as reported replaces its estimate. A cost that is negative,
        NaN or not a number is ignored (said on the report): the estimate counts instead."""
        cost, problem = reported_cost(reported)
        if problem is not None:
            instead = f"its estimate, {format_usd(estimate)}," if estimate is not None else "none"
            self.report(f"line {line}: {problem}: ignored, {instead} counts instead")
        self.budget.settle(estimate, cost)
        self.progress.cost = self.budget.spent
        if cost is not None and estimate and cost > estimate * (1 + 1e-6) and self.price.usd:
            # Billed above the price counted: count at the billed rate from now on.
            self.price = self.price.with_rate(self.price.usd * cost / estimate, self.price.unit)
            self.report(
                f"line {line} cost {format_usd(cost)}, more than its estimate "
                f"{format_usd(estimate)}: counting {self.price} from now on"
            )
        return cost

    def balance_refused(self, line: int, exc: InsufficientBalanceError) -> None:
        """RunComfy refused the submit for lack of balance: no job was made."""
        self.journal.queue(self.journal.mark_pending, line, f"not sent: {exc}")
        self.progress.finished("not sent")
        if self.balance_out is None:
            self.balance_out = exc
            self.stop = f"line {line} was not sent: RunComfy's balance is spent"
            self.report(f"Balance: {self.stop}; sending no more lines.")
