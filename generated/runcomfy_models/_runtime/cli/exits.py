"""Exit codes of ``runcomfy-models``, aligned with RunComfy's official command line.

The runtime's errors carry their own ``exit_code``; these name the same values
for the cases the command line decides itself.
"""

from __future__ import annotations

from typing import Final

OK: Final = 0
FAILED: Final = 1
"""A job failed or was cancelled, a batch has unfinished lines, or anything else."""
BAD_INPUT: Final = 65
"""Bad input or schema mismatch (including bad option values)."""
SERVER_ERROR: Final = 69
TEMPORARY: Final = 75
"""Timeout or rate limit: try again later."""
AUTH: Final = 77
INTERRUPTED: Final = 130
"""Interrupted with Ctrl-C (128 + SIGINT)."""
