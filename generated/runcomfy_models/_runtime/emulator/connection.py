"""Dropping a connection without an answer, for the "drop_before"/"drop_after" faults.

ASGI has no message for "hang up". The outermost layer keeps the server's
own `send` callable reachable from the request scope; uvicorn's send is a
method of the request cycle, which holds the socket transport. Closing that
transport and waiting for the server's `http.disconnect` leaves the client
with a connection closed before any response byte. Should the transport not
be reachable (another server), the fallback starts a response that promises
a body and never sends it, so the server still closes the connection mid-answer.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import Final

from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

_SCOPE_KEY: Final = "runcomfy_emulator.server_channel"
_DISCONNECT_WAIT_SECONDS: Final = 2.0


@dataclass(frozen=True, slots=True)
class _ServerChannel:
    receive: Receive
    send: Send


class ServerChannelAccess:
    """Outermost ASGI layer: remembers the server's receive/send for `DroppedConnection`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope[_SCOPE_KEY] = _ServerChannel(receive, send)
        await self.app(scope, receive, send)


class DroppedConnection(Response):
    """A "response" that closes the connection instead of answering."""

    def __init__(self) -> None:
        super().__init__(status_code=500)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        channel = scope.get(_SCOPE_KEY)
        transport = getattr(
            getattr(getattr(channel, "send", None), "__self__", None), "transport", None
        )
        if isinstance(channel, _ServerChannel) and isinstance(transport, asyncio.BaseTransport):
            transport.close()
            await _wait_for_disconnect(channel.receive)
            return
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"2")],
            }
        )


async def _wait_for_disconnect(receive: Receive) -> None:
    """Let the server notice the closed connection, so it does not try to answer itself."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(_DISCONNECT_WAIT_SECONDS):
            while (await receive())["type"] != "http.disconnect":
                pass
