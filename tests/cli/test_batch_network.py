"""The batch's asyncio connections: httpcore's stream contract over real loopback sockets."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import ssl
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpcore
import httpx
import pytest
from runcomfy_models._runtime.cli.batch.network import AsyncioBackend, use_asyncio_streams

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@asynccontextmanager
async def _server(handler: Handler) -> AsyncIterator[int]:
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield port
    finally:
        server.close()


@asynccontextmanager
async def _connected(handler: Handler) -> AsyncIterator[tuple[httpcore.AsyncNetworkStream, int]]:
    """A stream of :class:`AsyncioBackend` to a loopback server running ``handler``."""
    async with _server(handler) as port:
        stream = await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5)
        try:
            yield stream, port
        finally:
            await stream.aclose()


async def _until(condition: Callable[[], bool]) -> None:
    """Wait (bounded) for the loop to deliver what the peer did."""
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)


def test_a_read_returns_what_arrived_and_a_large_answer_comes_whole() -> None:
    body = bytes(range(256)) * 4096  # 1 MiB: reading pauses and resumes on the way

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readexactly(5)
        writer.write(body)
        await writer.drain()
        writer.close()

    async def run() -> bytes:
        async with _server(handler) as port:
            stream = await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5)
            await stream.write(b"hello", timeout=5)
            got = bytearray()
            while chunk := await stream.read(65536, timeout=5):
                assert len(chunk) <= 65536
                got += chunk
            await stream.aclose()
            return bytes(got)

    assert asyncio.run(run()) == body


def test_a_silent_server_is_a_read_timeout() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1)

    async def run() -> None:
        async with _connected(handler) as (stream, _):
            with pytest.raises(httpcore.ReadTimeout):
                await stream.read(100, timeout=0.05)

    asyncio.run(run())


def test_an_idle_connection_the_server_closed_is_readable_then_ends() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    async def run() -> None:
        async with _connected(handler) as (stream, _):
            await _until(lambda: bool(stream.get_extra_info("is_readable")))
            assert stream.get_extra_info("is_readable") is True
            assert await stream.read(100, timeout=5) == b""
            with pytest.raises(httpcore.WriteError):
                await stream.write(b"more", timeout=5)

    asyncio.run(run())


def test_an_open_idle_connection_is_not_readable_and_names_its_ends() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1)

    async def run() -> None:
        async with _connected(handler) as (stream, port):
            assert stream.get_extra_info("is_readable") is False
            assert stream.get_extra_info("server_addr") == ("127.0.0.1", port)
            assert stream.get_extra_info("ssl_object") is None
            assert stream.get_extra_info("socket").getpeername() == ("127.0.0.1", port)
            assert stream.get_extra_info("something else") is None

    asyncio.run(run())


def test_nothing_listening_is_a_connect_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there

    async def run() -> None:
        with pytest.raises(httpcore.ConnectError):
            await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5)

    asyncio.run(run())


def test_httpx_sends_over_it_and_maps_its_timeouts() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        if b"GET /slow" in head:
            await reader.read(1)  # never answers
            return
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        await writer.drain()

    async def run() -> None:
        async with _server(handler) as port:
            transport = httpx.AsyncHTTPTransport()
            assert use_asyncio_streams(transport)
            async with httpx.AsyncClient(transport=transport, timeout=0.2) as http:
                answer = await http.get(f"http://127.0.0.1:{port}/fast")
                assert (answer.status_code, answer.content) == (200, b"ok")
                with pytest.raises(httpx.ReadTimeout):
                    await http.get(f"http://127.0.0.1:{port}/slow")

    asyncio.run(run())


def test_a_transport_laid_out_otherwise_is_left_as_it_is() -> None:
    transport = httpx.AsyncHTTPTransport(proxy="http://127.0.0.1:9")
    assert use_asyncio_streams(transport) is False


def test_the_batch_clients_keep_cookies_an_answer_sets_and_skip_answers_without() -> None:
    from runcomfy_models._runtime.cli.batch.clients import _ApiHttp

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            cookie = b"Set-Cookie: lb=node-7; Path=/\r\n" if b"GET /set" in head else b""
            writer.write(b"HTTP/1.1 200 OK\r\n" + cookie + b"Content-Length: 2\r\n\r\nok")
            await writer.drain()

    async def run() -> None:
        async with _server(handler) as port, _ApiHttp(cookies={"a": "1"}) as http:
            assert dict(http.cookies) == {"a": "1"}
            await http.get(f"http://127.0.0.1:{port}/plain")
            assert dict(http.cookies) == {"a": "1"}
            await http.get(f"http://127.0.0.1:{port}/set")
            assert dict(http.cookies) == {"a": "1", "lb": "node-7"}

    asyncio.run(run())


def _self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, made by the openssl command."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.mark.skipif(shutil.which("openssl") is None, reason="no openssl command")
def test_https_goes_over_it_with_the_servers_certificate_checked(tmp_path: Path) -> None:
    cert, key = _self_signed(tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
            while True:
                await reader.readuntil(b"\r\n\r\n")
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecure")
                await writer.drain()

    async def run() -> None:
        server = await asyncio.start_server(handler, "127.0.0.1", 0, ssl=server_tls)
        port = server.sockets[0].getsockname()[1]
        try:
            trusting = httpx.AsyncHTTPTransport(verify=ssl.create_default_context(cafile=cert))
            assert use_asyncio_streams(trusting)
            async with httpx.AsyncClient(transport=trusting, timeout=5) as http:
                for _ in range(2):  # the second request reuses the TLS connection
                    answer = await http.get(f"https://127.0.0.1:{port}/")
                    assert (answer.status_code, answer.content) == (200, b"secure")
            doubting = httpx.AsyncHTTPTransport()  # the system's CAs: the certificate fails
            assert use_asyncio_streams(doubting)
            async with httpx.AsyncClient(transport=doubting, timeout=5) as http:
                with pytest.raises(httpx.ConnectError):
                    await http.get(f"https://127.0.0.1:{port}/")
        finally:
            server.close()

    asyncio.run(run())


def test_closing_after_a_write_timeout_lets_the_socket_go() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(30)  # never reads

    async def run() -> None:
        async with _server(handler) as port:
            stream = await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5)
            with pytest.raises(httpcore.WriteTimeout):
                for _ in range(64):  # until the socket's buffers are full
                    await stream.write(b"x" * (1 << 20), timeout=0.05)
            await stream.aclose()
            protocol = stream._protocol  # type: ignore[attr-defined]
            await _until(lambda: protocol.ended)
            assert protocol.ended  # the connection is gone, unsent bytes and all

    asyncio.run(run())
