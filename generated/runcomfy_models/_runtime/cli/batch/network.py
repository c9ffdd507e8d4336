"""The batch's sockets: httpcore's network interface on plain asyncio protocols.

httpcore reaches asyncio through anyio, whose streams cost CPU on every read and
write (a cancel scope per call) and whose readability check, made on each pooled
connection each time a request starts or ends, builds a table of every socket
attribute. A batch makes thousands of small requests, and that was about a fifth
of its CPU. This backend does the same job on an :class:`asyncio.Protocol`: the
loop hands it the bytes as they arrive, a read takes what is buffered (or waits
for more, up to its timeout), and a connection is readable while idle when bytes
or the end of the stream are buffered: the server closed it, as httpcore expects.

Errors and timeouts are httpcore's (``ConnectError`` only while connecting, so a
request that failed then was certainly never sent). :func:`use_asyncio_streams`
puts the backend under an httpx transport; on an httpx or httpcore laid out
otherwise it leaves the transport as it is (slower, never wrong).
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterable
from typing import Any, Final

import httpcore
import httpx

__all__ = ["AsyncioBackend", "AsyncioStream", "use_asyncio_streams"]

# Reading from the socket pauses while this many bytes wait to be read.
_HIGH_WATER: Final = 256 * 1024
# A host with several addresses: the next one is tried after this many seconds, as anyio does
# (so a dead IPv6 route does not hold the connection until its timeout).
_EYEBALLS: Final = 0.25


class _Protocol(asyncio.Protocol):
    """Buffers what arrives; wakes the one task waiting (HTTP/1.1 reads or writes a
    connection from one task at a time)."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.ended = False
        self.error: BaseException | None = None
        self.transport: asyncio.Transport | None = None
        self.waiter: asyncio.Future[None] | None = None
        self.write_paused = False
        self.read_paused = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) > _HIGH_WATER and self.transport is not None:
            self.transport.pause_reading()
            self.read_paused = True
        _wake(self.waiter)

    def eof_received(self) -> bool | None:
        self.ended = True
        _wake(self.waiter)
        return None  # close the transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.ended = True
        self.error = exc
        _wake(self.waiter)

    def pause_writing(self) -> None:
        self.write_paused = True

    def resume_writing(self) -> None:
        self.write_paused = False
        _wake(self.waiter)

    async def wait(self, timeout: float | None, timed_out: type[Exception], what: str) -> None:
        """Wait for the next event (bytes, the end, room to write): ``timed_out`` after
        ``timeout`` seconds."""
        self.waiter = asyncio.get_running_loop().create_future()
        try:
            await _wait(self.waiter, timeout)
        except TimeoutError as exc:
            raise timed_out(f"timed out {what}") from exc
        finally:
            self.waiter = None


def _wake(waiter: asyncio.Future[None] | None) -> None:
    if waiter is not None and not waiter.done():
        waiter.set_result(None)


def _expire(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError())


async def _wait(waiter: asyncio.Future[None], timeout: float | None) -> None:
    """Wait for ``waiter``; TimeoutError after ``timeout`` seconds (one timer, no task)."""
    if timeout is None:
        await waiter
        return
    timer = waiter.get_loop().call_later(max(timeout, 0.0), _expire, waiter)
    try:
        await waiter
    finally:
        timer.cancel()


class AsyncioStream(httpcore.AsyncNetworkStream):
    """One connection: httpcore reads and writes it, the loop fills its buffer."""

    def __init__(self, transport: asyncio.Transport, protocol: _Protocol) -> None:
        self._transport = transport
        self._protocol = protocol

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        protocol = self._protocol
        while not protocol.buffer and not protocol.ended:
            await protocol.wait(timeout, httpcore.ReadTimeout, "reading the answer")
        buffer = protocol.buffer
        if buffer:
            if len(buffer) <= max_bytes:
                data = bytes(buffer)
                buffer.clear()
            else:
                data = bytes(buffer[:max_bytes])
                del buffer[:max_bytes]
            if protocol.read_paused and len(buffer) <= _HIGH_WATER // 4:
                protocol.read_paused = False
                self._transport.resume_reading()
            return data
        if protocol.error is not None:
            raise httpcore.ReadError(str(protocol.error) or type(protocol.error).__name__)
        return b""  # the server closed the connection

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        protocol = self._protocol
        if protocol.ended or self._transport.is_closing():
            raise httpcore.WriteError(str(protocol.error or "the connection is closed"))
        try:
            self._transport.write(buffer)
        except (OSError, RuntimeError) as exc:
            raise httpcore.WriteError(str(exc)) from exc
        while protocol.write_paused and not protocol.ended:
            await protocol.wait(timeout, httpcore.WriteTimeout, "writing the request")
        if protocol.error is not None:
            raise httpcore.WriteError(str(protocol.error))

    async def aclose(self) -> None:
        if self._transport.get_write_buffer_size():
            # Bytes still unsent (a write timed out): close() would keep the socket until the
            # peer read them, which a stalled peer never does.
            self._transport.abort()
        else:
            self._transport.close()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                transport = await loop.start_tls(
                    self._transport, self._protocol, ssl_context, server_hostname=server_hostname
                )
        except TimeoutError as exc:
            self._transport.close()
            raise httpcore.ConnectTimeout("timed out setting up TLS") from exc
        except (OSError, ssl.SSLError, ConnectionError) as exc:
            self._transport.close()
            raise httpcore.ConnectError(str(exc)) from exc
        if transport is None:  # the connection closed during the handshake
            raise httpcore.ConnectError("the connection closed while setting up TLS")
        self._protocol.transport = transport
        return AsyncioStream(transport, self._protocol)

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":  # idle and readable: the server closed it (or misbehaves)
            return bool(self._protocol.buffer) or self._protocol.ended
        names = {
            "ssl_object": "ssl_object",
            "client_addr": "sockname",
            "server_addr": "peername",
            "socket": "socket",
        }
        return self._transport.get_extra_info(names[info]) if info in names else None


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    """Opens :class:`AsyncioStream` connections on the running loop."""

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        local = None if local_address is None else (local_address, 0)
        try:
            async with asyncio.timeout(timeout):
                transport, protocol = await loop.create_connection(
                    _Protocol, host, port, local_addr=local, happy_eyeballs_delay=_EYEBALLS
                )
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"timed out connecting to {host}:{port}") from exc
        except OSError as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        return _opened(transport, protocol, socket_options)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                transport, protocol = await loop.create_unix_connection(_Protocol, path)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"timed out connecting to {path}") from exc
        except OSError as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        return _opened(transport, protocol, socket_options)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


def _opened(
    transport: asyncio.Transport, protocol: _Protocol, socket_options: Iterable[Any] | None
) -> AsyncioStream:
    sock = transport.get_extra_info("socket")
    try:
        for option in socket_options or ():
            sock.setsockopt(*option)
    except OSError as exc:
        transport.close()
        raise httpcore.ConnectError(str(exc)) from exc
    return AsyncioStream(transport, protocol)


def use_asyncio_streams(transport: httpx.AsyncHTTPTransport) -> bool:
    """Have ``transport``'s connection pool open :class:`AsyncioBackend` connections;
    returns whether it could (False: an httpx or httpcore laid out otherwise, left as is)."""
    pool = getattr(transport, "_pool", None)
    if type(pool) is not httpcore.AsyncConnectionPool or not hasattr(pool, "_network_backend"):
        return False
    pool._network_backend = AsyncioBackend()
    return True
