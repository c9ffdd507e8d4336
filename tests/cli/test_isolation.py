"""Tests running side by side share nothing: not the user's ``~/.cache``, not each other's."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from runcomfy_models._runtime.timings import history_folder

from .support import cli_env

HOME_CACHE = Path(os.path.expanduser("~")) / ".cache"


def test_this_test_process_has_a_cache_folder_of_its_own() -> None:
    folder = history_folder()
    assert not folder.is_relative_to(HOME_CACHE)
    assert folder.parent.name.startswith("runcomfy-tests-cache-")


def test_a_command_subprocess_learns_no_timings_and_uses_no_shared_folder() -> None:
    probe = (
        "from runcomfy_models._runtime.timings import default_history, history_folder\n"
        "print(history_folder()); print(default_history())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], env=cli_env("http://127.0.0.1:9"), capture_output=True,
        text=True, timeout=60, check=True,
    )  # fmt: skip
    folder, history = done.stdout.splitlines()
    assert not Path(folder).is_relative_to(HOME_CACHE)
    assert Path(folder).parent == history_folder().parent
    assert history == "None"
