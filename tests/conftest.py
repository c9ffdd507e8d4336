"""Settings for the whole suite."""

from __future__ import annotations

import os

# Job timings learned on this machine change when a job is polled; tests that are about
# polling must not depend on what earlier tests (or earlier runs) taught it. Tests of the
# history turn it on for themselves, with a folder of their own. Subprocesses inherit this.
os.environ["RUNCOMFY_TIMING_HISTORY"] = "off"
