"""Ending on Ctrl-C: one message, exit code 130, and no traceback from a second Ctrl-C."""

from __future__ import annotations

import os
import signal
import sys
from typing import NoReturn

from .exits import INTERRUPTED

__all__ = ["caused_by_interrupt", "exit_interrupted", "ignore_further_interrupts"]


def caused_by_interrupt(exc: BaseException) -> bool:
    """Whether ``exc`` is a Ctrl-C or was raised because of one.

    Python 3.11 wraps an exception raised while a class is created (``__set_name__``) in a
    RuntimeError: a Ctrl-C that lands while pydantic's modules load comes out as one.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, KeyboardInterrupt):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def ignore_further_interrupts() -> None:
    """From now on Ctrl-C is ignored: the command is already ending."""
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread: nothing to change
        pass


def exit_interrupted(message: str = "\nInterrupted.") -> NoReturn:
    """Say ``message`` and end the process with exit code 130.

    ``os._exit`` rather than ``sys.exit``: CPython remembers a KeyboardInterrupt that
    escaped code run by ``exec`` (dataclasses and typing do that while modules load)
    and, at exit, kills the process with SIGINT even though the interrupt was handled.
    Everything this command writes is flushed or committed before it gets here.
    """
    ignore_further_interrupts()
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is sys.stderr:
                print(message, file=stream)
            stream.flush()
        except (OSError, ValueError, AttributeError):
            pass
    os._exit(INTERRUPTED)
