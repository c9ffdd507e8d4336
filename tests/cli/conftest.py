"""Fixtures of the command-line tests: one loopback emulator (reset per test), a clean env."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from runcomfy_models._runtime.emulator import RunningEmulator, running_emulator

from .support import TOKEN, RecordingApi, recording_api


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[RunningEmulator]:
    with running_emulator(token=TOKEN) as emu:
        yield emu


@pytest.fixture
def emu(emulator_server: RunningEmulator) -> Iterator[RunningEmulator]:
    emulator_server.reset()
    yield emulator_server
    emulator_server.reset()


@pytest.fixture
def recorder() -> Iterator[RecordingApi]:
    with recording_api() as api:
        yield api


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "RUNCOMFY_API_TOKEN",
        "RUNCOMFY_TOKEN",
        "RUNCOMFY_BASE_URL",
        "RUNCOMFY_MODEL_API_BASE",
        "RUNCOMFY_MAX_RETRIES",
        "RUNCOMFY_RETRY_MAX_DELAY",
        "RUNCOMFY_POLL_INTERVAL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
