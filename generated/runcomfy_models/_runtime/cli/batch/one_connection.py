"""A batch worker's connection, kept by itself rather than by httpcore's pool.

Each worker has an API client of its own and sends one request at a time (see
:mod:`.clients`), so its pool only ever holds one connection; yet httpcore's
pool does all its bookkeeping on every request: it queues the request, walks its
connections to assign, expire and close them, wraps the answer to learn when
the connection is free again, and shields two steps from cancellation. That was
about a tenth of a batch's CPU. :class:`OneConnection` stands in for the pool
under such a transport: it makes its connection with the pool's own
``create_connection`` (the same TLS context, keep-alive expiry and network
backend), replaces it once it is closed or expired (by httpcore's own tests: the
keep-alive ran out, or the server closed it while idle), and sends each request
on it. A request that finds it busy, which a worker never makes, goes to the
pool, as every request did before; so does one that loses a race for it
(httpcore refuses a busy connection before writing a byte). Closing a connection
is not shielded from cancellation as the pool shields it: the batch puts this in
place only over :mod:`.network`'s connections, whose closing never waits.
:func:`use_one_connection` puts it in place on an httpx transport, and leaves a
transport laid out otherwise as it is (slower, never wrong).
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

import httpcore
import httpx

__all__ = ["OneConnection", "use_one_connection"]


class OneConnection:
    """The connection of one worker's transport; the pool it stands in for serves the rest."""

    def __init__(self, pool: httpcore.AsyncConnectionPool) -> None:
        self._pool = pool
        self._connection: httpcore.AsyncConnectionInterface | None = None

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        connection = self._connection
        if connection is None or connection.is_closed() or connection.has_expired():
            self._connection = None
            if connection is not None:
                await connection.aclose()
            connection = self._connection = self._pool.create_connection(request.url.origin)
        elif not connection.is_available() or not connection.can_handle_request(request.url.origin):
            return await self._pool.handle_async_request(request)
        try:
            return await connection.handle_async_request(request)
        except httpcore.ConnectionNotAvailable:  # taken meanwhile; nothing was written
            return await self._pool.handle_async_request(request)

    async def aclose(self) -> None:
        connection, self._connection = self._connection, None
        try:
            if connection is not None:
                await connection.aclose()
        finally:
            await self._pool.aclose()

    async def __aenter__(self) -> OneConnection:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        await self.aclose()


def use_one_connection(transport: httpx.AsyncHTTPTransport) -> bool:
    """Have ``transport`` keep its one connection in a :class:`OneConnection`; returns whether
    it could (False: an httpx or httpcore laid out otherwise, left as is)."""
    laid_out: Any = transport  # (its pool is not part of httpx's interface)
    pool = getattr(laid_out, "_pool", None)
    if type(pool) is not httpcore.AsyncConnectionPool or not hasattr(pool, "create_connection"):
        return False
    laid_out._pool = OneConnection(pool)
    return True
