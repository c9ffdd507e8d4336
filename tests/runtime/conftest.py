"""Fixtures for the runtime tests: a loopback emulator, fast clients, a tiny file server."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from runcomfy_models._runtime import AsyncRunComfy, RunComfy
from runcomfy_models._runtime.emulator import RunningEmulator, running_emulator

from .drivers import Driver, make_driver
from .helpers import CATALOG, TOKEN, FileServer, make_async_client, make_client


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[RunningEmulator]:
    with running_emulator(catalog=CATALOG, token=TOKEN) as emu:
        yield emu


@pytest.fixture
def private_emu() -> Iterator[RunningEmulator]:
    """An emulator of the test's own, for faults that leave requests running after the test."""
    with running_emulator(catalog=CATALOG, token=TOKEN) as emu:
        yield emu


@pytest.fixture
def emu(emulator_server: RunningEmulator) -> Iterator[RunningEmulator]:
    emulator_server.reset()
    yield emulator_server
    emulator_server.reset()


@pytest.fixture(autouse=True)
def _no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "RUNCOMFY_API_TOKEN",
        "RUNCOMFY_TOKEN",
        "RUNCOMFY_BASE_URL",
        "RUNCOMFY_MODEL_API_BASE",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def client(emu: RunningEmulator) -> Iterator[RunComfy]:
    with make_client(emu.base_url) as c:
        yield c


@pytest.fixture
async def aclient(emu: RunningEmulator) -> AsyncIterator[AsyncRunComfy]:
    async with make_async_client(emu.base_url) as c:
        yield c


@pytest.fixture
def file_server() -> Iterator[FileServer]:
    state: FileServer | None = None

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            assert state is not None
            state.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
            status, body, headers = state.routes.get(self.path, (404, b"not found", {}))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    host, port = server.server_address[:2]
    state = FileServer(base_url=f"http://{host!s}:{port}")
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(params=["sync", "async"])
def flavor(request: pytest.FixtureRequest) -> str:
    value: str = request.param
    return value


@pytest.fixture
def new_driver(flavor: str, emu: RunningEmulator) -> Iterator[Callable[..., Driver]]:
    """Build drivers of the test's flavor with custom client options; closed afterwards."""
    made: list[Driver] = []

    def build(**options: Any) -> Driver:
        driver = make_driver(flavor, options.pop("base_url", emu.base_url), **options)
        made.append(driver)
        return driver

    yield build
    for driver in made:
        driver.close()


@pytest.fixture
def driver(new_driver: Callable[..., Driver]) -> Driver:
    return new_driver()
