"""Settings for the whole suite (each pytest-xdist worker is a process of its own)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator

import pytest
from hypothesis import settings

# No per-example deadline: on a loaded machine one example may take longer than hypothesis's
# default 200 ms, and a test must not fail for that (tests never assert wall-clock times).
settings.register_profile("suite", deadline=None)
settings.load_profile("suite")

# Job timings learned on this machine change when a job is polled; tests that are about
# polling must not depend on what earlier tests (or earlier runs) taught it. Tests of the
# history turn it on for themselves, with a folder of their own. Subprocesses inherit this.
os.environ["RUNCOMFY_TIMING_HISTORY"] = "off"


@pytest.fixture(scope="session", autouse=True)
def _private_cache_home() -> Iterator[None]:
    """A cache folder of this test process: nothing is read from or written to the user's
    ``~/.cache`` (such as ``runcomfy-models/timings.sqlite3``), and workers running at the
    same time never share one, also in subprocesses that drop the ``RUNCOMFY_*`` settings."""
    folder = tempfile.mkdtemp(prefix="runcomfy-tests-cache-")
    before = os.environ.get("XDG_CACHE_HOME")
    # pyright's wrapper keeps the node runtime it may fetch (where no node is installed) in the
    # cache folder: it stays where `.ci/setup` fetched it, rather than fetched again per process.
    os.environ.setdefault(
        "PYRIGHT_PYTHON_CACHE_DIR", before or os.path.join(os.path.expanduser("~"), ".cache")
    )
    os.environ["XDG_CACHE_HOME"] = folder
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("XDG_CACHE_HOME", None)
        else:
            os.environ["XDG_CACHE_HOME"] = before
        shutil.rmtree(folder, ignore_errors=True)
