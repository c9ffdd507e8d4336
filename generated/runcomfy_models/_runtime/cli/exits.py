"""Exit codes of ``runcomfy-models``, aligned with RunComfy's official command line.

The runtime's errors carry their own ``exit_code``; these name the same values
for the cases the command line decides itself.
"""

from __future__ import annotations

from typing import Final

OK: Final = 0
FAILED: Final = 1
"""A job failed or was cancelled, a batch has unfinished lines, or anything else."""
NO_FILES: Final = 5
"""``--download``: the job succeeded (and is billed) but its output holds no file to save; the
request id and the raw output are printed."""
NOT_CANCELLED: Final = 3
"""``cancel``: too late, the job is running or finished (a running one will be billed)."""
CANCEL_UNCONFIRMED: Final = 4
"""``cancel``: asked, but RunComfy did not confirm the job was cancelled; check its status."""
BAD_INPUT: Final = 65
"""Bad input or schema mismatch (including bad option values)."""
SERVER_ERROR: Final = 69
TEMPORARY: Final = 75
"""Timeout or rate limit: try again later."""
AUTH: Final = 77
INTERRUPTED: Final = 130
"""Interrupted with Ctrl-C (128 + SIGINT)."""
