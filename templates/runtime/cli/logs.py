"""Route the runtime's log messages (retries, ...) to stderr through click."""

from __future__ import annotations

import logging

import click

__all__ = ["configure_logging"]

_LOGGER = "runcomfy_models"


class _ClickHandler(logging.Handler):
    """Writes each record on stderr with ``click.echo`` (resolved at each call)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            click.echo(self.format(record), err=True)
        except Exception:  # a log line must never break a command
            self.handleError(record)


def configure_logging(verbose: int, *, quiet_retries: bool = False) -> None:
    """0: warnings (retries) and errors; 1: progress of each request; 2: debug.

    ``quiet_retries`` hides the warnings at level 0 (a batch reports its own progress).
    """
    logger = logging.getLogger(_LOGGER)
    if not any(isinstance(handler, _ClickHandler) for handler in logger.handlers):
        handler = _ClickHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
    logger.propagate = False
    if verbose >= 2:
        logger.setLevel(logging.DEBUG)
    elif verbose == 1:
        logger.setLevel(logging.INFO)
    else:
        logger.setLevel(logging.ERROR if quiet_retries else logging.WARNING)
