"""The ``runcomfy-models`` command line: run, batch, status, result, cancel, models, emulator.

Model options come from each model's generated command module, imported only
when that model is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .interrupts import caused_by_interrupt, exit_interrupted

if TYPE_CHECKING:
    from .app import cli

__all__ = ["cli", "main"]


def main() -> None:
    """Entry point of the ``runcomfy-models`` console script.

    Ctrl-C at any moment, also while the command is still starting, ends with
    "Interrupted." and exit code 130, never a traceback.
    """
    try:
        from .app import main as run

        run()
    except KeyboardInterrupt:
        exit_interrupted()
    except Exception as exc:
        if caused_by_interrupt(exc):
            exit_interrupted()
        raise


def __getattr__(name: str) -> Any:
    if name == "cli":
        from .app import cli

        return cli
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
