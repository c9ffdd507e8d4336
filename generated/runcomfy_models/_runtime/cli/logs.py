"""Route the runtime's log messages (retries, ...) to stderr through click.

The logger is put back as it was when the command ends, so running the
command line in-process (tests, notebooks) leaves logging untouched.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

import click

from .style import is_terminal

__all__ = ["configure_logging", "preserve_logging"]

_LOGGER = "runcomfy_models"


class _ClickHandler(logging.Handler):
    """Writes each record on stderr with ``click.echo`` (resolved at each call).

    On a terminal the line is cleared first, so a live status line is not mixed in.
    """

    def emit(self, record: logging.LogRecord) -> None:
        try:
            clear = "\r\x1b[K" if is_terminal(sys.stderr) else ""
            click.echo(clear + self.format(record), err=True)
        except Exception:  # a log line must never break a command
            self.handleError(record)


def preserve_logging() -> Callable[[], None]:
    """Remember the logger's level and handlers; the returned function restores them."""
    logger = logging.getLogger(_LOGGER)
    level, handlers = logger.level, list(logger.handlers)

    def restore() -> None:
        logger.setLevel(level)
        for handler in list(logger.handlers):
            if handler not in handlers:
                logger.removeHandler(handler)

    return restore


def configure_logging(verbose: int, *, quiet_retries: bool = False) -> None:
    """0: warnings (retries) and errors; 1: progress of each request; 2: debug.

    ``quiet_retries`` hides the warnings at level 0 (a batch reports its own progress).
    """
    logger = logging.getLogger(_LOGGER)
    if not any(isinstance(handler, _ClickHandler) for handler in logger.handlers):
        handler = _ClickHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
    if verbose >= 2:
        logger.setLevel(logging.DEBUG)
    elif verbose == 1:
        logger.setLevel(logging.INFO)
    else:
        logger.setLevel(logging.ERROR if quiet_retries else logging.WARNING)
