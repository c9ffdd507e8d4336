"""Starting and stopping the server: in a thread for tests, and `serve` for the command line."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from runcomfy_models._runtime.emulator import Emulator, FaultRule, running_emulator
from runcomfy_models._runtime.emulator.app import build_app
from starlette.types import Message, Scope

from .support import CATALOG, REFRAME, REFRAME_INPUT

TOKEN = "rc-serve-token-51d2"


def emulator_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "runcomfy-emulator"]


def test_running_emulator_reports_its_port_and_cleans_up() -> None:
    emulator_threads_before = len(emulator_threads())
    with running_emulator(CATALOG) as emu:
        host, _, port = emu.base_url.removeprefix("http://").partition(":")
        assert host == "127.0.0.1"
        assert int(port) > 0
        assert len(emulator_threads()) == emulator_threads_before + 1
        with httpx.Client() as http:
            assert http.get(emu.url("/v1/models")).status_code == 200
            created = http.post(emu.url(f"/v1/models/{REFRAME}"), json=REFRAME_INPUT).json()
            result = http.get(created["result_url"]).json()
            assert http.get(result["output"]["image"]).status_code == 200

    assert len(emulator_threads()) == emulator_threads_before
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", int(port))):
        pass


@pytest.mark.slow
def test_an_idle_connection_outlives_the_clients_keep_alive_expiry() -> None:
    """httpx reuses an idle connection for 5 s: the server must not close it first, or a
    submit written as it closes is reset (a ReadError: an unknown outcome, never resent)."""
    client_expiry = httpx.Limits().keepalive_expiry
    assert client_expiry is not None
    with running_emulator(CATALOG) as emu:
        # One connection, kept by the client for longer than the server would keep it idle
        # before (uvicorn's default: as long as httpx's), then used for a submit.
        limits = httpx.Limits(max_connections=1, keepalive_expiry=client_expiry + 30)
        with httpx.Client(base_url=emu.base_url, limits=limits) as http:
            first = http.get("/v1/models")
            before = first.extensions["network_stream"].get_extra_info("client_addr")
            time.sleep(client_expiry + 0.5)
            submitted = http.post(f"/v1/models/{REFRAME}", json=REFRAME_INPUT)
            after = submitted.extensions["network_stream"].get_extra_info("client_addr")
        assert submitted.status_code == 200
        assert after == before  # the same connection: the server kept it open


def test_a_busy_port_is_reported_to_the_caller() -> None:
    with running_emulator(CATALOG) as emu:
        port = int(emu.base_url.rpartition(":")[2])
        with pytest.raises(OSError), running_emulator(CATALOG, port=port):
            pass


def test_two_emulators_are_independent() -> None:
    with running_emulator(CATALOG) as one, running_emulator(CATALOG) as two:
        with httpx.Client() as http:
            http.post(one.url(f"/v1/models/{REFRAME}"), json=REFRAME_INPUT)
        assert one.stats()["routes"]["submit"] == 1
        assert two.stats()["routes"]["submit"] == 0


SERVE_SCRIPT = """
import sys
from runcomfy_models._runtime.emulator import load_catalog, serve

catalog = load_catalog(sys.argv[1])
if sys.argv[3] == "ready":
    serve("127.0.0.1", 0, catalog=catalog, token=sys.argv[2], access_log=True,
          ready=lambda url: print("READY", url, flush=True))
else:
    serve("127.0.0.1", 0, catalog=catalog, token=sys.argv[2], access_log=True)
print("STOPPED", flush=True)
"""


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    ("mode", "stop", "prefix"),
    [
        ("print", signal.SIGINT, "RunComfy emulator listening on "),
        ("ready", signal.SIGTERM, "READY "),
    ],
)
def test_serve_runs_until_signalled(
    tmp_path: Path, mode: str, stop: signal.Signals, prefix: str
) -> None:
    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps({"models": CATALOG}), encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-c", SERVE_SCRIPT, str(catalog), TOKEN, mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith(prefix), first
        base_url = first.removeprefix(prefix).strip()
        assert base_url.startswith("http://127.0.0.1:")
        with httpx.Client(base_url=base_url) as http:
            headers = {"Authorization": f"Bearer {TOKEN}"}
            assert http.get("/v1/models", headers=headers).status_code == 200
            assert http.get("/v1/models").status_code == 401
        process.send_signal(stop)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()

    assert process.returncode == 0, err
    assert out.strip().endswith("STOPPED")
    assert "/v1/models" in err  # the access log went to stderr
    assert TOKEN not in first + out + err


async def test_a_drop_without_a_reachable_socket_still_cuts_the_answer_short() -> None:
    """Under a server whose send is not uvicorn's, a drop starts an answer it never finishes."""
    emulator = Emulator(CATALOG, faults=[FaultRule("catalog", "drop_before")])
    app = build_app(emulator)
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope: Scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/v1/models",
        "raw_path": b"/v1/models",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"emulator.test")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
    }
    await app(scope, receive, send)

    assert [message["type"] for message in sent] == ["http.response.start"]
    assert dict(sent[0]["headers"])[b"content-length"] == b"2"
