"""Knowing when a submit may have left the process: the moment httpcore starts writing it.

A batch line is journaled ``prepared`` before its submit and ``submitting`` only
once the request's first bytes are about to be written. A run killed before
that sent nothing, so the line is simply sent on the next run; a run killed
after it may have created a (billed) job, so the line is ``unknown``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar
from typing import Any

import httpx

__all__ = ["FirstWrite", "SendingTransport", "on_sending", "watch_sending"]

_callback: ContextVar[Callable[[], Awaitable[None]] | None] = ContextVar("on_sending", default=None)

# httpcore trace events that come right before the first byte of a request is written.
_FIRST_WRITE = ("http11.send_request_headers.started", "http2.send_request_headers.started")


@contextlib.contextmanager
def on_sending(callback: Callable[[], Awaitable[None]]) -> Iterator[None]:
    """Await ``callback`` (in this task) each time a request is about to be written: the
    request waits for it."""
    token = _callback.set(callback)
    try:
        yield
    finally:
        _callback.reset(token)


class SendingTransport(httpx.AsyncBaseTransport):
    """Wraps a transport so that requests sent inside :func:`on_sending` report their writing."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        callback = _callback.get()
        if callback is not None:

            async def trace(name: str, info: dict[str, Any]) -> None:
                if name in _FIRST_WRITE:
                    await callback()

            request.extensions["trace"] = trace
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


def watch_sending(http: httpx.AsyncClient) -> httpx.AsyncHTTPTransport | None:
    """Wrap every transport of ``http`` in a :class:`SendingTransport`: its own and those httpx
    mounted for the environment's proxies (``HTTP_PROXY``, ``HTTPS_PROXY``, ``ALL_PROXY``,
    ``NO_PROXY``), so that no request leaves unwatched; returns its own, unwrapped. None, and
    ``http`` left as it is, on an httpx laid out otherwise."""
    laid_out: Any = http  # (its transports are not part of httpx's interface)
    direct = getattr(laid_out, "_transport", None)
    mounts = getattr(laid_out, "_mounts", None)
    if not isinstance(direct, httpx.AsyncHTTPTransport) or not isinstance(mounts, dict):
        return None
    if not all(t is None or isinstance(t, httpx.AsyncBaseTransport) for t in mounts.values()):
        return None
    laid_out._mounts = {
        pattern: None if mounted is None else SendingTransport(mounted)
        for pattern, mounted in mounts.items()
    }
    laid_out._transport = SendingTransport(direct)
    return direct


class FirstWrite:
    """Awaits ``action`` the first time it is called (a submit's 429 retries write again)."""

    def __init__(self, action: Callable[[], Awaitable[None]]) -> None:
        self._action: Callable[[], Awaitable[None]] | None = action

    async def __call__(self) -> None:
        if self._action is not None:
            action, self._action = self._action, None
            await action()
