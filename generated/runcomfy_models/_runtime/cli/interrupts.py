"""Ending on Ctrl-C: one message, exit code 130, and no traceback from a second Ctrl-C."""

from __future__ import annotations

import signal
import sys
from typing import NoReturn

from .exits import INTERRUPTED

__all__ = ["exit_interrupted", "ignore_further_interrupts"]


def ignore_further_interrupts() -> None:
    """From now on Ctrl-C is ignored: the command is already ending."""
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread: nothing to change
        pass


def exit_interrupted(message: str = "\nInterrupted.") -> NoReturn:
    ignore_further_interrupts()
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        pass
    try:
        print(message, file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass
    sys.exit(INTERRUPTED)
