"""The batch's one progress line on stderr: a bar, counts by state, the cost so far and an ETA
(terminal only)."""

from __future__ import annotations

import sys
from collections import Counter
from typing import Any, TextIO

import click

from ...pricing import format_usd
from ..style import is_terminal, styled

__all__ = ["Progress"]

# The order and colour of the counts shown.
_SHOWN = (
    ("done", "green"),
    ("running", "cyan"),
    ("failed", "red"),
    ("unknown", "yellow"),
    ("invalid", "red"),
    ("not sent", "yellow"),
    ("not saved", "yellow"),
    ("changed", "yellow"),
)


class Progress:
    """Counts lines as they finish; draws ``click.progressbar`` when stderr is a terminal."""

    def __init__(
        self, total: int | None, *, stream: TextIO | None = None, enabled: bool | None = None
    ) -> None:
        self.stream: TextIO = sys.stderr if stream is None else stream
        self.enabled = (is_terminal(self.stream) if enabled is None else enabled) and bool(total)
        self.counts: Counter[str] = Counter()
        self.cost: float | None = None
        """The running total of reported costs (USD), shown once there is one."""
        self._bar: Any = None
        if self.enabled:
            self._bar = click.progressbar(
                length=total,
                label="batch",
                file=self.stream,
                show_eta=True,
                show_percent=True,
                width=20,
                item_show_func=lambda _: self.describe(),
            )
            self._bar.__enter__()

    def describe(self) -> str:
        parts = [
            styled(f"{self.counts[state]} {state}", self.stream, fg=color)
            for state, color in _SHOWN
            if self.counts[state] or state == "done"
        ]
        if self.cost is not None:
            parts.append(f"cost {format_usd(self.cost)}")
        return ", ".join(parts)

    def started(self) -> None:
        self.counts["running"] += 1
        self._redraw()

    def stopped(self) -> None:
        self.counts["running"] -= 1

    def finished(self, state: str) -> None:
        self.counts[state] += 1
        if self._bar is not None:
            self._bar.update(1)

    def message(self, text: str) -> None:
        """Print a line above the bar (or just print it, off a terminal)."""
        if self._bar is not None:
            self.stream.write("\r\x1b[K")
        click.echo(text, err=True)
        self._redraw()

    def _redraw(self) -> None:
        if self._bar is not None:
            self._bar.render_progress()

    def close(self) -> None:
        if self._bar is not None:
            bar, self._bar = self._bar, None
            bar.__exit__(None, None, None)
