"""Shared fixtures: a controllable clock and a running emulator, reset for each test."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from runcomfy_models._runtime.emulator import RunningEmulator, running_emulator

from .support import CATALOG, FakeClock


@pytest.fixture(scope="session")
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
def shared_emulator(clock: FakeClock) -> Iterator[RunningEmulator]:
    with running_emulator(CATALOG, clock=clock) as emu:
        yield emu


@pytest.fixture
def emu(shared_emulator: RunningEmulator) -> RunningEmulator:
    """The shared emulator, fresh: no jobs, counters or faults; starting outcome and timings."""
    shared_emulator.reset()
    return shared_emulator


@pytest.fixture
def client(emu: RunningEmulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=emu.base_url, timeout=10.0) as http:
        yield http
