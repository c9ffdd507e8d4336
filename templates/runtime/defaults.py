"""Module-level default clients, created lazily from the environment.

They make ``reframe.run(...)`` work with no setup. The sync default is shared
by all threads (httpx clients are thread-safe). An async client is bound to
the event loop it first ran on, so the async default is one client per
running loop, unless one was set explicitly with ``set_default_async_client``.
"""

from __future__ import annotations

import asyncio
import threading
import weakref

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
_async_override: AsyncRunComfy | None = None
_async_by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, AsyncRunComfy] = (
    weakref.WeakKeyDictionary()
)


def get_default_client() -> RunComfy:
    """The client used when none is passed (created from the environment on first use)."""
    global _sync_client
    with _lock:
        if _sync_client is None:
            _sync_client = RunComfy()
        return _sync_client


def set_default_client(client: RunComfy | None) -> None:
    """Use ``client`` when none is passed; ``None`` goes back to one built from the environment.

    The replaced client is not closed: whoever created it owns it.
    """
    global _sync_client
    with _lock:
        _sync_client = client


def close_default_client() -> None:
    """Close the default sync client and forget it (the next use creates a new one)."""
    global _sync_client
    with _lock:
        client, _sync_client = _sync_client, None
    if client is not None:
        client.close()


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
        client = _async_by_loop.get(loop)
        if client is None:
            client = AsyncRunComfy()
            _async_by_loop[loop] = client
        return client


def set_default_async_client(client: AsyncRunComfy | None) -> None:
    """Use ``client`` on every loop when none is passed; ``None`` goes back to one per loop."""
    global _async_override
    with _lock:
        _async_override = client


async def aclose_default_async_client() -> None:
    """Close and forget the default async client created for the running loop, if any."""
    loop = asyncio.get_running_loop()
    with _lock:
        client = _async_by_loop.pop(loop, None)
    if client is not None:
        await client.aclose()
