"""Reading an answer within a deadline: a body that drips in is given up on at the deadline.

Without a deadline an answer is read as httpx reads it. With one, the body is
read piece by piece: the sync reader gives up when a piece arrives after the
deadline (a body that stalls completely is bounded by the read timeout, which is
capped at the time left when the request was sent); the async one bounds the
whole answer by the deadline.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx

__all__ = ["read_async", "read_sync"]

# A request sent close to a deadline still gets this long to complete.
MIN_READ_SECONDS = 0.05


def _already_read(response: httpx.Response) -> bool:
    """Whether the body is in memory already (an answer made in memory, not read off a wire)."""
    try:
        response.content  # noqa: B018 - raises until the body was read
    except httpx.ResponseNotRead:
        return False
    return True


def _whole(response: httpx.Response, raw: bytes) -> httpx.Response:
    """``response`` with its (still encoded) body read."""
    return httpx.Response(
        response.status_code,
        headers=response.headers,
        content=raw,
        request=response.request,
        extensions=response.extensions,
    )


def read_sync(
    http: httpx.Client,
    request: httpx.Request,
    *,
    deadline: float | None,
    clock: Callable[[], float],
    late: Callable[[], Exception],
) -> httpx.Response:
    """Send ``request`` and read its answer; ``late()`` is raised past the deadline."""
    if deadline is None:
        return http.send(request, follow_redirects=False)
    response = http.send(request, follow_redirects=False, stream=True)
    if _already_read(response):
        return response
    try:
        pieces: list[bytes] = []
        for piece in response.iter_raw():
            if pieces and clock() >= deadline:  # still arriving after the deadline
                raise late()
            pieces.append(piece)
    finally:
        response.close()
    return _whole(response, b"".join(pieces))


async def read_async(
    http: httpx.AsyncClient,
    request: httpx.Request,
    *,
    deadline: float | None,
    clock: Callable[[], float],
    late: Callable[[], Exception],
) -> httpx.Response:
    """Async twin of :func:`read_sync`; the deadline bounds the whole answer."""
    if deadline is None:
        return await http.send(request, follow_redirects=False)
    try:
        async with asyncio.timeout(max(deadline - clock(), MIN_READ_SECONDS)):
            response = await http.send(request, follow_redirects=False, stream=True)
            if _already_read(response):
                return response
            try:
                pieces = [piece async for piece in response.aiter_raw()]
            finally:
                await response.aclose()
    except TimeoutError:
        raise late() from None
    return _whole(response, b"".join(pieces))
