"""A batch worker's transport keeps its one connection itself; httpcore's pool stands by."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from runcomfy_models._runtime.cli.batch.network import use_asyncio_streams
from runcomfy_models._runtime.cli.batch.one_connection import OneConnection, use_one_connection
from runcomfy_models._runtime.emulator import RunningEmulator


def _transport() -> tuple[httpx.AsyncHTTPTransport, OneConnection]:
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    inner = httpx.AsyncHTTPTransport(limits=limits)
    assert use_asyncio_streams(inner)
    assert use_one_connection(inner)
    one = inner._pool
    assert isinstance(one, OneConnection)
    return inner, one


@asynccontextmanager
async def _closing_server(answers_per_connection: int) -> AsyncIterator[tuple[str, list[int]]]:
    """A server that answers ``ok`` and closes each connection after that many answers; yields
    its URL and the count of connections it took."""
    taken = [0]

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        taken[0] += 1
        try:
            for _ in range(answers_per_connection):
                await reader.readuntil(b"\r\n\r\n")
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/", taken
    finally:
        server.close()
        await server.wait_closed()


def test_a_workers_requests_share_one_connection_and_leave_the_pool_alone(
    emu: RunningEmulator,
) -> None:
    async def go() -> None:
        inner, one = _transport()
        async with httpx.AsyncClient(transport=inner) as http:
            url = f"{emu.base_url}/_emulator/stats"
            assert (await http.get(url)).status_code == 200
            connection = one._connection
            assert connection is not None
            for _ in range(3):
                assert (await http.get(url)).status_code == 200
            assert one._connection is connection
            assert one._pool.connections == []
        assert one._connection is None

    asyncio.run(go())


def test_a_connection_the_server_closed_is_replaced_before_the_next_request() -> None:
    async def go() -> None:
        inner, one = _transport()
        async with _closing_server(1) as (url, taken), httpx.AsyncClient(transport=inner) as http:
            assert (await http.get(url)).text == "ok"
            first = one._connection
            await asyncio.sleep(0.05)  # the server has closed it, idle
            assert (await http.get(url)).text == "ok"
            assert one._connection is not first
            assert taken == [2]

    asyncio.run(go())


def test_a_request_that_finds_the_connection_busy_goes_to_the_pool(emu: RunningEmulator) -> None:
    async def go() -> None:
        inner, one = _transport()
        async with httpx.AsyncClient(transport=inner) as http:
            url = f"{emu.base_url}/_emulator/stats"
            async with http.stream("GET", url) as streaming:
                assert (await http.get(url)).status_code == 200  # meanwhile
                assert len(one._pool.connections) == 1
                await streaming.aread()
            assert streaming.status_code == 200
        assert one._pool.connections == []

    asyncio.run(go())


def test_a_transport_laid_out_otherwise_is_left_as_it_is() -> None:
    inner = httpx.AsyncHTTPTransport()
    assert use_one_connection(inner)
    assert not use_one_connection(inner)  # its pool is a stand-in already
    asyncio.run(inner.aclose())


def test_two_requests_racing_for_the_idle_connection_both_get_answers(
    emu: RunningEmulator,
) -> None:
    """(httpcore's own locks yield when taken: the second request finds the connection taken
    after it checked it was free, and goes to the pool.)"""

    async def go() -> None:
        inner, one = _transport()
        async with httpx.AsyncClient(transport=inner) as http:
            url = f"{emu.base_url}/_emulator/stats"
            await http.get(url)  # the connection is made, and idle
            answers = await asyncio.gather(http.get(url), http.get(url))
            assert [answer.status_code for answer in answers] == [200, 200]
            assert len(one._pool.connections) == 1

    asyncio.run(go())


def test_closing_closes_the_socket() -> None:
    async def go() -> None:
        inner, one = _transport()
        async with _closing_server(2) as (url, _), httpx.AsyncClient(transport=inner) as http:
            await http.get(url)
            connection = one._connection
            assert connection is not None
            stream = connection._connection._network_stream  # type: ignore[attr-defined]
            await http.aclose()
            assert stream._transport.is_closing()

    asyncio.run(go())
