"""An emulator per test (its catalog is the test's own) and a schemas folder to pull into."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from runcomfy_models._runtime.emulator import RunningEmulator, running_emulator

from .support import TOKEN

Serve = Callable[[Sequence[Mapping[str, Any]]], RunningEmulator]


@pytest.fixture
def serve() -> Iterator[Serve]:
    """Start an emulator (loopback, token required) with a given catalog; stopped after the test."""
    with contextlib.ExitStack() as stack:

        def start(entries: Sequence[Mapping[str, Any]]) -> RunningEmulator:
            return stack.enter_context(running_emulator(catalog=entries, token=TOKEN))

        yield start


@pytest.fixture
def schemas(tmp_path: Path) -> Path:
    return tmp_path / "schemas"
