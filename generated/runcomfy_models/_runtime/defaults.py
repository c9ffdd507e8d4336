"""Module-level default clients, created lazily from the environment.

They make ``reframe.run(...)`` work with no setup. The sync default is shared
by all threads (httpx clients are thread-safe) and closed at interpreter exit.
An async client is bound to the event loop it first ran on, so the async
default is one client per running loop, closed when that loop shuts down
(``asyncio.run`` does this), unless one was set explicitly with
``set_default_async_client``.

A default created here is owned here: replacing or closing it closes its
connections. A client passed to ``set_default_client`` /
``set_default_async_client`` stays owned by the caller and is never closed.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import threading
import weakref
from collections.abc import AsyncGenerator
from dataclasses import dataclass

from .async_client import AsyncRunComfy
from .client import RunComfy

__all__ = [
    "aclose_default_async_client",
    "close_default_client",
    "get_default_async_client",
    "get_default_client",
    "set_default_async_client",
    "set_default_client",
]

_lock = threading.Lock()
_sync_client: RunComfy | None = None
_sync_owned = False
_async_override: AsyncRunComfy | None = None


@dataclass(frozen=True)
class _LoopDefault:
    client: AsyncRunComfy
    closer: AsyncGenerator[None, None]


_async_by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopDefault] = (
    weakref.WeakKeyDictionary()
)


def get_default_client() -> RunComfy:
    """The client used when none is passed (created from the environment on first use)."""
    global _sync_client, _sync_owned
    with _lock:
        if _sync_client is None:
            _sync_client, _sync_owned = RunComfy(), True
        return _sync_client


def set_default_client(client: RunComfy | None) -> None:
    """Use ``client`` when none is passed; ``None`` goes back to one built from the environment.

    A default that was created from the environment is closed when replaced; a
    client that was set here is not (whoever created it owns it).
    """
    global _sync_client, _sync_owned
    with _lock:
        previous, owned = _sync_client, _sync_owned
        _sync_client, _sync_owned = client, False
    if owned and previous is not None and previous is not client:
        previous.close()


def close_default_client() -> None:
    """Close the default sync client and forget it (the next use creates a new one)."""
    global _sync_client, _sync_owned
    with _lock:
        client, _sync_client, _sync_owned = _sync_client, None, False
    if client is not None:
        client.close()


def _close_owned_default_client() -> None:
    global _sync_client, _sync_owned
    with _lock:
        client, owned = _sync_client, _sync_owned
        if owned:
            _sync_client, _sync_owned = None, False
    if owned and client is not None:
        client.close()


atexit.register(_close_owned_default_client)


def get_default_async_client() -> AsyncRunComfy:
    """The async client used when none is passed: the one set explicitly, else one per loop.

    Without one set explicitly, it must be called from a running event loop.
    """
    with _lock:
        if _async_override is not None:
            return _async_override
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        raise RuntimeError(
            "The default async client belongs to an event loop: call this from async code, "
            "or pass client=AsyncRunComfy(...)"
        ) from None
    with _lock:
        entry = _async_by_loop.get(loop)
        if entry is None:
            client = AsyncRunComfy()
            entry = _LoopDefault(client, _close_with_the_loop(client))
            _async_by_loop[loop] = entry
        return entry.client


async def _closer(client: AsyncRunComfy) -> AsyncGenerator[None, None]:
    try:
        yield
    finally:
        with contextlib.suppress(Exception):
            await client.aclose()


def _close_with_the_loop(client: AsyncRunComfy) -> AsyncGenerator[None, None]:
    """An async generator, paused once, whose cleanup closes ``client``.

    Starting it registers it with the running loop (through the async
    generator hooks every asyncio loop installs), and ``loop.shutdown_asyncgens()``,
    which ``asyncio.run`` calls before closing the loop, finishes it: so the
    client's connections are closed on the loop they belong to. The first step
    never suspends, so it is driven here without awaiting.
    """
    closer = _closer(client)
    with contextlib.suppress(StopIteration):
        closer.asend(None).send(None)
    return closer


def set_default_async_client(client: AsyncRunComfy | None) -> None:
    """Use ``client`` on every loop when none is passed; ``None`` goes back to one per loop.

    The client set here is not closed by this module.
    """
    global _async_override
    with _lock:
        _async_override = client


async def aclose_default_async_client() -> None:
    """Close and forget the default async client created for the running loop, if any."""
    loop = asyncio.get_running_loop()
    with _lock:
        entry = _async_by_loop.pop(loop, None)
    if entry is not None:
        await entry.closer.aclose()
