"""The batch's API clients: each worker has its own client, with a pool of one connection.

One client with a pool as large as the concurrency costs CPU on every request:
httpcore's pool walks all its connections each time a request starts or ends
(expiry, readability and idle checks, some of them quadratic in the pool's
size), and httpx keeps only 20 idle connections by default, so with more
workers than that connections are closed and opened again all the time. Here
each client serves at most ``WORKERS_PER_CLIENT`` workers and keeps a
connection for each of them: a worker sends one request at a time, so it never
waits for a connection. With one worker per client each walk is over one
connection: measured on a batch of 2,000 jobs at concurrency 100, about 18%
less CPU than ten workers per client. The clients share the process's TLS context
(:mod:`~...tls`: building one per client would cost tens of milliseconds each), their
connections are asyncio protocols rather than anyio streams (see :mod:`.network`), and each
transport keeps its connection itself rather than in httpcore's pool (see
:mod:`.one_connection`).

The environment's proxies (``HTTP_PROXY``, ``HTTPS_PROXY``, ``ALL_PROXY``, ``NO_PROXY``) are
used as by any httpx client, and every transport, a proxy's too, is watched for the submit's
first write (:func:`.sending.watch_sending`).

:func:`sniffio_import_short_cut` and :func:`free_locks_never_yield` remove two more costs
per request; see there.
"""

from __future__ import annotations

import contextlib
import importlib.util
import inspect
import math
import sys
from collections.abc import Iterator
from types import ModuleType
from typing import Any, Final

import httpx

from ...async_client import AsyncRunComfy
from ...config import DEFAULT_TIMEOUT
from ...tls import shared_tls_context
from ..settings import Settings
from .network import use_asyncio_streams
from .one_connection import use_one_connection
from .sending import SendingTransport, watch_sending

__all__ = [
    "WORKERS_PER_CLIENT",
    "BatchClients",
    "free_locks_never_yield",
    "sniffio_import_short_cut",
]

WORKERS_PER_CLIENT: Final = 1


class BatchClients:
    """``ceil(concurrency / WORKERS_PER_CLIENT)`` clients; worker ``i`` uses :meth:`for_worker`."""

    def __init__(self, settings: Settings, concurrency: int, *, default_retries: int) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        count = math.ceil(concurrency / WORKERS_PER_CLIENT)
        tls = shared_tls_context()
        self._http: list[httpx.AsyncClient] = []
        self.clients: list[AsyncRunComfy] = []
        self.limits: list[httpx.Limits] = []
        self.asyncio_streams = False
        """Whether the connections are :mod:`.network`'s asyncio protocols."""
        self.one_connection = False
        """Whether each transport keeps its connection in a :mod:`.one_connection`."""
        for index in range(count):
            # The workers i with i % count == index share this client.
            workers = len(range(index, concurrency, count))
            limits = httpx.Limits(max_connections=workers, max_keepalive_connections=workers)
            http = _ApiHttp(
                timeout=DEFAULT_TIMEOUT, follow_redirects=False, verify=tls, limits=limits
            )
            inner = watch_sending(http)
            if inner is None:  # an httpx laid out otherwise: the environment's proxies go unused
                inner = httpx.AsyncHTTPTransport(verify=tls, limits=limits)
                http = _ApiHttp(
                    transport=SendingTransport(inner),
                    timeout=DEFAULT_TIMEOUT,
                    follow_redirects=False,
                )
            self.asyncio_streams = use_asyncio_streams(inner)
            self.one_connection = self.asyncio_streams and use_one_connection(inner)
            self._http.append(http)
            self.limits.append(limits)
            self.clients.append(
                settings.async_client(default_retries=default_retries, http_client=http)
            )

    @property
    def first(self) -> AsyncRunComfy:
        """Any of the clients, for the settings they share (policies, base URL)."""
        return self.clients[0]

    def for_worker(self, index: int) -> AsyncRunComfy:
        return self.clients[index % len(self.clients)]

    async def aclose(self) -> None:
        """Close every client, even when closing one fails (the error is raised after)."""
        async with contextlib.AsyncExitStack() as stack:
            for http in self._http:
                stack.push_async_callback(http.aclose)


class _AnswerCookies(httpx.Cookies):
    """Cookies taken only from answers that set some.

    httpx reads every answer for cookies by building urllib stand-ins of the request and the
    answer, about a twentieth of a batch's CPU; RunComfy's API sets none. An answer with a
    ``Set-Cookie`` header is read as httpx always does.
    """

    def extract_cookies(self, response: httpx.Response) -> None:
        if "set-cookie" in response.headers:
            super().extract_cookies(response)


class _ApiHttp(httpx.AsyncClient):
    """An httpx client whose cookie jar is :class:`_AnswerCookies`."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._answer_cookies = _AnswerCookies(super().cookies)

    @property
    def cookies(self) -> httpx.Cookies:
        return self._answer_cookies

    @cookies.setter
    def cookies(self, cookies: Any) -> None:
        self._answer_cookies = _AnswerCookies(cookies)


@contextlib.contextmanager
def sniffio_import_short_cut() -> Iterator[None]:
    """While the batch runs, make ``import sniffio`` fail at once when sniffio is not installed.

    httpcore (1.0.9) runs ``import sniffio`` inside ``current_async_library()``, that
    is each time it sets up a lock, an event or a cancellation shield: several times per
    request. sniffio is optional there (without it httpcore assumes asyncio), and since
    anyio 4.11 stopped depending on it, it is usually absent. Python does not remember a
    failed import, so each of those statements searches every ``sys.path`` entry and
    import hook again: measured, about 7 per request and a sixth of the batch's CPU.
    (Reported upstream as encode/httpcore discussion #1102; not fixed in a release.)

    A ``None`` entry in ``sys.modules`` is Python's documented way to make an import
    raise ModuleNotFoundError without a search. It is set only when sniffio cannot be
    imported at all, so every importer gets exactly the answer the search would have
    given, and it is removed afterwards: the rest of the process is left as it was.
    Installing sniffio would also do, but it is not a dependency of the package.
    """
    if "sniffio" in sys.modules or importlib.util.find_spec("sniffio") is not None:
        yield
        return
    sys.modules["sniffio"] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        if "sniffio" in sys.modules and sys.modules["sniffio"] is None:
            del sys.modules["sniffio"]


class _AnyioWithFreeLocks:
    """anyio as httpcore uses it, except that its locks are ``fast_acquire`` ones."""

    def __init__(self, anyio: ModuleType) -> None:
        self._anyio = anyio

    def __getattr__(self, name: str) -> Any:
        return getattr(self._anyio, name)

    def Lock(self, **options: Any) -> Any:  # noqa: N802 - the name httpcore calls
        options.setdefault("fast_acquire", True)
        return self._anyio.Lock(**options)


@contextlib.contextmanager
def free_locks_never_yield() -> Iterator[None]:
    """While the batch runs, a free lock of httpcore's is taken without yielding to the loop.

    httpcore (1.0.9) guards each connection with anyio locks, taken three times per request.
    An anyio lock yields to the event loop on every acquire, even when it is free (so that a
    task taking it in a loop cannot starve the others): each request goes to the back of the
    loop's queue three times, behind a hundred workers. Here each connection serves one worker,
    one request at a time, so its locks are always free. anyio's ``fast_acquire`` locks (anyio
    4.5) skip that yield when the lock is free and behave the same otherwise; httpcore makes its
    locks through its module's ``anyio`` name when a connection is first used, so that name
    stands for anyio with such locks while the batch runs, and is put back afterwards.
    Measured on a batch of 2,000 jobs at concurrency 100: about 1.5% of the wall time and 4%
    of the CPU. Nothing changes where httpcore's layout or anyio's version differ.
    """
    try:
        import anyio
        from httpcore import _synchronization
    except ImportError:
        yield
        return
    layout: Any = _synchronization  # (its ``anyio`` name is not part of its interface)
    fast = "fast_acquire" in inspect.signature(anyio.Lock).parameters
    if getattr(layout, "anyio", None) is not anyio or not fast:
        yield
        return
    layout.anyio = _AnyioWithFreeLocks(anyio)
    try:
        yield
    finally:
        if isinstance(layout.anyio, _AnyioWithFreeLocks):
            layout.anyio = anyio
