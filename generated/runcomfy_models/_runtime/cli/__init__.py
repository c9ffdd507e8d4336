"""The ``runcomfy-models`` command line: run, batch, status, result, cancel, models, emulator.

Model options come from each model's generated command module, imported only
when that model is used.
"""

from .app import cli, main

__all__ = ["cli", "main"]
