"""The batch's one progress line on stderr: a bar, counts by state, time left, spend (terminal only).

Every line a worker takes ends in exactly one count: when it ends without an
outcome (stopped, timed out, lost touch) it is counted as ``unfinished``, so
at the end the counts add up and nothing is left ``running``.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, TextIO

import click

from ...pricing import format_usd
from ..live import format_elapsed
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
    ("no file", "yellow"),
    ("changed", "yellow"),
    ("unfinished", "yellow"),
)

# Whether the line the current worker task is on has been counted (one list per task).
_COUNTED: ContextVar[list[bool] | None] = ContextVar("_COUNTED", default=None)


class Progress:
    """Counts lines as they finish; draws ``click.progressbar`` when stderr is a terminal."""

    def __init__(
        self,
        total: int | None,
        *,
        stream: TextIO | None = None,
        enabled: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream: TextIO = sys.stderr if stream is None else stream
        self.enabled = (is_terminal(self.stream) if enabled is None else enabled) and bool(total)
        self.total = total or 0
        self.counts: Counter[str] = Counter()
        self.cost: float | None = None
        """The running total of reported costs (USD), shown once there is one."""
        self._clock = clock
        self._started = clock()
        self._ended_here = 0
        self._bar: Any = None
        if self.enabled:
            self._bar = click.progressbar(
                length=total,
                label="batch",
                file=self.stream,
                show_eta=False,
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
        left = self.time_left()
        if left is not None:
            parts.append(f"about {format_elapsed(left)} left")
        return ", ".join(parts)

    def time_left(self) -> float | None:
        """Time left at the pace of the lines that ended in this run (None before any did)."""
        ended = sum(self.counts.values()) - self.counts["running"]
        remaining = self.total - ended
        if self._ended_here == 0 or remaining <= 0:
            return None
        return (self._clock() - self._started) / self._ended_here * remaining

    def started(self) -> None:
        """A worker took a line (pair with :meth:`stopped`, in the same task)."""
        _COUNTED.set([False])
        self.counts["running"] += 1
        self._redraw()

    def stopped(self) -> None:
        counted = _COUNTED.get()
        _COUNTED.set(None)
        if counted is not None and not counted[0]:
            # Ended without an outcome: not part of the pace of the lines that did end.
            self.counts["running"] -= 1
            self.finished("unfinished")
        else:
            self._redraw()

    def finished(self, state: str) -> None:
        counted = _COUNTED.get()
        if counted is not None and not counted[0]:
            # The line leaves "running" as it gets its count: never shown as both at once.
            counted[0] = True
            self.counts["running"] -= 1
            self._ended_here += 1
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
            self._redraw()  # the final counts, not the last ones drawn in passing
            bar, self._bar = self._bar, None
            bar.__exit__(None, None, None)
