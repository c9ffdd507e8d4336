"""Running the emulator: in a background thread for tests, or blocking for the CLI."""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from types import FrameType
from typing import Any, Final, TypedDict, Unpack

import uvicorn

from .app import build_app
from .catalog import load_catalog
from .faults import FaultRule
from .jobs import Outcome
from .shapes import Shapes
from .state import Clock, Emulator

DEFAULT_HOST: Final = "127.0.0.1"
DEFAULT_PORT: Final = 8765
_BACKLOG: Final = 2048
_START_TIMEOUT_SECONDS: Final = 30.0
_GRACEFUL_SHUTDOWN_SECONDS: Final = 2
KEEP_ALIVE_SECONDS: Final = 75
"""How long an idle connection stays open (nginx's default). It must outlast the clients' own
keep-alive expiry (httpx: 5 s): were both 5 s (uvicorn's default), a request written just as the
server closes the idle connection is reset (a ReadError), and a submit's outcome is then unknown.
"""


class _Server(uvicorn.Server):
    """uvicorn's server, telling us once it accepts connections."""

    def __init__(self, config: uvicorn.Config, on_started: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_started = on_started

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            self._on_started()

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        """Shut down on SIGINT/SIGTERM and return from `serve`, rather than re-raising
        the signal afterwards; a second Ctrl-C skips the graceful wait."""
        if self.should_exit and sig == signal.SIGINT:
            self.force_exit = True
        else:
            self.should_exit = True


def _bind(host: str, port: int) -> socket.socket:
    """A listening socket; binding here (not in uvicorn) reports a busy port to the caller.

    The protocol is given explicitly: asyncio turns Nagle's algorithm off only on
    sockets that say IPPROTO_TCP, and with it on every answer waits for a delayed ACK.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(_BACKLOG)
    except BaseException:
        sock.close()
        raise
    return sock


def _base_url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _server(emulator: Emulator, on_started: Callable[[], None], access_log: bool) -> _Server:
    config = uvicorn.Config(
        build_app(emulator),
        lifespan="off",
        interface="asgi3",
        http="h11",
        ws="none",
        loop="asyncio",
        log_config=None,
        log_level=None,
        access_log=access_log,
        proxy_headers=False,
        server_header=False,
        backlog=_BACKLOG,
        timeout_graceful_shutdown=_GRACEFUL_SHUTDOWN_SECONDS,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
    )
    return _Server(config, on_started)


class RunningEmulator:
    """Handle on an emulator served in a background thread (see `running_emulator`)."""

    def __init__(self, emulator: Emulator, base_url: str) -> None:
        self.emulator = emulator
        self.base_url = base_url

    def url(self, path: str) -> str:
        return self.base_url + "/" + path.lstrip("/")

    def stats(self) -> dict[str, Any]:
        return self.emulator.stats()

    def add_fault(self, rule: FaultRule) -> None:
        self.emulator.add_fault(rule)

    def clear_faults(self) -> None:
        self.emulator.clear_faults()

    def reset(self) -> None:
        self.emulator.reset()

    def set_outcome(self, outcome: Outcome) -> None:
        self.emulator.set_outcome(outcome)

    def set_balance(self, usd: float | None) -> None:
        """A wallet of ``usd`` from now on (None: unlimited); ``reset`` restores the first."""
        self.emulator.set_balance(usd)

    def set_timings(
        self,
        *,
        queue_seconds: float | None = None,
        run_seconds: float | None = None,
        run_seconds_input: str | None = None,
        run_seconds_per_unit: float | None = None,
    ) -> None:
        """See :meth:`Emulator.configure`: a run time may follow an input's value."""
        self.emulator.configure(
            queue_seconds=queue_seconds,
            run_seconds=run_seconds,
            run_seconds_input=run_seconds_input,
            run_seconds_per_unit=run_seconds_per_unit,
        )


Catalog = Sequence[Mapping[str, Any]]
"""Catalog entries (``GET /v1/models/{id}`` answers) the emulator serves."""


class EmulatorOptions(TypedDict, total=False):
    """What the emulator does, the same for :func:`running_emulator` and :func:`serve` (see the
    emulator's README for each option)."""

    token: str | None
    queue_seconds: float
    run_seconds: float
    outcome: Outcome
    faults: Sequence[FaultRule]
    clock: Clock | None
    shapes: Shapes | None
    balance: float | None
    run_seconds_input: str | None
    run_seconds_per_unit: float


def _emulator(catalog: Catalog | None, options: EmulatorOptions) -> Emulator:
    """The emulator ``options`` describe; the catalog defaults to the generated package's own."""
    return Emulator(load_catalog() if catalog is None else catalog, **options)


@contextlib.contextmanager
def running_emulator(
    catalog: Catalog | None = None,
    *,
    host: str = DEFAULT_HOST,
    port: int = 0,
    access_log: bool = False,
    **options: Unpack[EmulatorOptions],
) -> Iterator[RunningEmulator]:
    """Serve an emulator on `host:port` (0 picks a free port) while the block runs.

    The server runs in a thread with its own event loop; on exit it shuts down and joins the
    thread.
    """
    emulator = _emulator(catalog, options)
    sock = _bind(host, port)
    started = threading.Event()
    server = _server(emulator, started.set, access_log)
    failure: list[BaseException] = []

    def run() -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:  # reported to the starting thread
            failure.append(exc)

    thread = threading.Thread(target=run, name="runcomfy-emulator", daemon=True)
    try:
        thread.start()
        _wait_started(started, thread, failure)
        yield RunningEmulator(emulator, _base_url(sock))
    finally:
        server.should_exit = True
        thread.join()
        sock.close()


def _wait_started(
    started: threading.Event, thread: threading.Thread, failure: list[BaseException]
) -> None:
    waited = 0.0
    while not started.wait(0.01):
        waited += 0.01
        if not thread.is_alive() or waited > _START_TIMEOUT_SECONDS:
            cause = failure[0] if failure else None
            raise RuntimeError("the emulator server did not start") from cause


def serve(
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    *,
    catalog: Catalog | None = None,
    access_log: bool = False,
    ready: Callable[[str], None] | None = None,
    **options: Unpack[EmulatorOptions],
) -> None:
    """Serve an emulator until interrupted (Ctrl-C or SIGTERM); blocking.

    Once it accepts connections, `ready(base_url)` is called; without `ready`
    the line "RunComfy emulator listening on <base_url>" is printed to stdout.
    The token is never printed or logged.
    """
    emulator = _emulator(catalog, options)
    sock = _bind(host, port)
    base_url = _base_url(sock)

    def announce() -> None:
        if ready is not None:
            ready(base_url)
        else:
            print(f"RunComfy emulator listening on {base_url}", flush=True)

    if access_log:
        _log_access_to_stderr()
    server = _server(emulator, announce, access_log)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()


def _log_access_to_stderr() -> None:
    access = logging.getLogger("uvicorn.access")
    if not access.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        access.addHandler(handler)
    access.setLevel(logging.INFO)
