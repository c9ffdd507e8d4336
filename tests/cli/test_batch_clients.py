"""The batch's API clients: small pools shared by the workers, and the short cuts around
httpcore (sniffio's import, the yield of a free lock)."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from pathlib import Path

import anyio
import httpcore
import httpx
import pytest
from httpcore import _synchronization as httpcore_sync
from runcomfy_models._runtime.cli.batch.clients import (
    WORKERS_PER_CLIENT,
    BatchClients,
    free_locks_never_yield,
    sniffio_import_short_cut,
)
from runcomfy_models._runtime.cli.batch.one_connection import OneConnection
from runcomfy_models._runtime.cli.batch.sending import FirstWrite, SendingTransport, on_sending
from runcomfy_models._runtime.cli.settings import Settings
from runcomfy_models._runtime.emulator import RunningEmulator

from .support import TOKEN, reframe_line


def _clients(concurrency: int, base_url: str = "http://127.0.0.1:9") -> BatchClients:
    return BatchClients(Settings(base_url=base_url), concurrency, default_retries=2)


@pytest.mark.parametrize("concurrency", [1, 4, WORKERS_PER_CLIENT, 25, 100])
def test_workers_are_spread_over_small_pools_with_a_connection_each(concurrency: int) -> None:
    clients = _clients(concurrency)
    try:
        count = -(-concurrency // WORKERS_PER_CLIENT)
        assert len(clients.clients) == len(clients.limits) == count
        served = [0] * count
        for worker in range(concurrency):
            served[clients.clients.index(clients.for_worker(worker))] += 1
        # Each pool keeps (and may open) one connection per worker it serves, no more.
        assert [limits.max_connections for limits in clients.limits] == served
        assert [limits.max_keepalive_connections for limits in clients.limits] == served
        assert max(served) <= WORKERS_PER_CLIENT
        assert sum(served) == concurrency
    finally:
        asyncio.run(clients.aclose())


def test_the_clients_share_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNCOMFY_API_TOKEN", TOKEN)
    clients = _clients(30, "http://127.0.0.1:8765/")
    try:
        assert {client.base_url for client in clients.clients} == {"http://127.0.0.1:8765"}
        assert {client.max_retries for client in clients.clients} == {2}
        # On this httpx and httpcore: asyncio connections, each kept by its transport.
        assert clients.asyncio_streams and clients.one_connection
        assert len({id(client) for client in clients.clients}) == -(-30 // WORKERS_PER_CLIENT)
    finally:
        asyncio.run(clients.aclose())


def test_the_clients_reach_the_api(emu: RunningEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNCOMFY_API_TOKEN", TOKEN)
    clients = _clients(12, emu.base_url)

    async def submit_all() -> list[str]:
        try:
            jobs = await asyncio.gather(
                *(
                    clients.for_worker(i).submit("ideogram/ideogram-v3/reframe", reframe_line(i))
                    for i in range(12)
                )
            )
            return [job.request_id for job in jobs]
        finally:
            await clients.aclose()

    assert len(set(asyncio.run(submit_all()))) == 12
    assert emu.stats()["routes"]["submit"] == 12
    assert clients.asyncio_streams  # on the httpx and httpcore this package supports


@pytest.mark.skipif(importlib.util.find_spec("sniffio") is not None, reason="sniffio installed")
def test_a_missing_sniffio_fails_to_import_at_once_while_the_batch_runs() -> None:
    assert "sniffio" not in sys.modules
    with sniffio_import_short_cut():
        assert "sniffio" in sys.modules
        with pytest.raises(ModuleNotFoundError):
            import sniffio  # noqa: F401
    assert "sniffio" not in sys.modules
    assert importlib.util.find_spec("sniffio") is None


def test_an_importable_sniffio_is_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    installed = importlib.util.find_spec("sniffio") is not None
    if not installed:
        (tmp_path / "sniffio.py").write_text(
            "def current_async_library() -> str:\n    return 'asyncio'\n"
        )
        monkeypatch.syspath_prepend(str(tmp_path))
    try:
        with sniffio_import_short_cut():
            import sniffio

            assert sniffio.current_async_library
        assert sys.modules.get("sniffio") is sniffio
    finally:
        if not installed:
            sys.modules.pop("sniffio", None)  # the stand-in must not outlive the test


def test_closing_closes_every_client_even_when_one_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    clients = _clients(30)
    http = list(clients._http)
    real = http[1].aclose

    async def failing() -> None:
        await real()
        raise RuntimeError("close failed")

    monkeypatch.setattr(http[1], "aclose", failing)
    with pytest.raises(RuntimeError, match="close failed"):
        asyncio.run(clients.aclose())
    assert all(client.is_closed for client in http)


def test_the_sniffio_short_cut_is_undone_when_the_batch_fails() -> None:
    if importlib.util.find_spec("sniffio") is not None:
        pytest.skip("sniffio is installed: the short cut does nothing")
    with pytest.raises(KeyboardInterrupt), sniffio_import_short_cut():
        assert sys.modules["sniffio"] is None
        raise KeyboardInterrupt
    assert "sniffio" not in sys.modules


def test_fewer_collections_while_the_batch_runs_and_as_before_after() -> None:
    import gc

    from runcomfy_models._runtime.cli.batch.collection import YOUNG_THRESHOLD, fewer_collections

    before, frozen = gc.get_threshold(), gc.get_freeze_count()
    with fewer_collections():
        assert gc.get_threshold()[0] == max(YOUNG_THRESHOLD, before[0])
        assert gc.get_threshold()[1:] == before[1:]
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == frozen


async def _yields_taking(lock: httpcore_sync.AsyncLock) -> bool:
    """Whether taking the free ``lock`` lets another task run first."""
    ran: list[bool] = []

    async def other() -> None:
        ran.append(True)

    task = asyncio.create_task(other())
    async with lock:
        yielded = bool(ran)
    await task
    return yielded


async def test_free_httpcore_locks_are_taken_without_a_yield_while_the_batch_runs() -> None:
    assert await _yields_taking(httpcore_sync.AsyncLock())  # anyio's fairness yield
    with free_locks_never_yield():
        lock = httpcore_sync.AsyncLock()
        assert not await _yields_taking(lock)
        # Held, it still makes the next task wait its turn.
        taken: list[bool] = []

        async def take() -> None:
            async with lock:
                taken.append(True)

        async with lock:
            waiter = asyncio.create_task(take())
            await asyncio.sleep(0.01)
            assert not taken
        await waiter
        assert taken
    assert httpcore_sync.anyio is anyio
    assert await _yields_taking(httpcore_sync.AsyncLock())


def test_the_free_lock_short_cut_is_undone_when_the_batch_fails() -> None:
    with pytest.raises(KeyboardInterrupt), free_locks_never_yield():
        assert httpcore_sync.anyio is not anyio
        raise KeyboardInterrupt
    assert httpcore_sync.anyio is anyio


def test_the_free_lock_short_cut_leaves_an_unknown_layout_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delattr(httpcore_sync, "anyio")
    with free_locks_never_yield():
        assert not hasattr(httpcore_sync, "anyio")


def _transport_for(clients: BatchClients, url: str) -> httpx.AsyncBaseTransport:
    return clients._http[0]._transport_for_url(httpx.URL(url))


def test_the_environments_proxies_are_used_and_every_transport_is_watched(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:3128")
    monkeypatch.setenv("NO_PROXY", "direct.example.com")
    clients = _clients(3, "https://api.example.com")
    try:
        for http in clients._http:  # nothing leaves without its submit's first write watched
            assert isinstance(http._transport, SendingTransport)
            assert all(isinstance(t, SendingTransport | None) for t in http._mounts.values())
        proxied = _transport_for(clients, "https://api.example.com/v1/models/x")
        assert isinstance(proxied, SendingTransport)
        assert isinstance(proxied._inner._pool, httpcore.AsyncHTTPProxy)  # type: ignore[attr-defined]
        direct = _transport_for(clients, "https://direct.example.com/v1/models/x")
        assert isinstance(direct._inner._pool, OneConnection)  # type: ignore[attr-defined]
    finally:
        asyncio.run(clients.aclose())


async def _forward_proxy(target_port: int, seen: list[bytes]) -> asyncio.Server:
    """A plain-HTTP forward proxy: each request line's absolute URL becomes a path, sent on to
    ``target_port``; ``seen`` gets each request line it took."""

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    async def serve(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        up_r, up_w = await asyncio.open_connection("127.0.0.1", target_port)
        answers = asyncio.create_task(pipe(up_r, client_w))
        try:
            while True:
                head = await client_r.readuntil(b"\r\n\r\n")
                line, _, rest = head.partition(b"\r\n")
                method, url, version = line.split(b" ")
                seen.append(line)
                path = b"/" + url.split(b"://", 1)[1].split(b"/", 1)[1]
                up_w.write(b" ".join((method, path, version)) + b"\r\n" + rest)
                length = next(
                    (
                        int(h.split(b":")[1])
                        for h in rest.split(b"\r\n")
                        if h.lower().startswith(b"content-length:")
                    ),
                    0,
                )
                if length:
                    up_w.write(await client_r.readexactly(length))
                await up_w.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            up_w.close()
            answers.cancel()

    return await asyncio.start_server(serve, "127.0.0.1", 0)


def test_a_batch_behind_a_proxy_reaches_the_api_through_it(
    emu: RunningEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUNCOMFY_API_TOKEN", TOKEN)
    seen: list[bytes] = []
    marks: list[int] = []

    async def mark() -> None:
        marks.append(len(seen))  # how many requests the proxy had seen by then

    async def go() -> str:
        port = int(emu.base_url.rsplit(":", 1)[1])
        proxy = await _forward_proxy(port, seen)
        proxy_port = proxy.sockets[0].getsockname()[1]
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy_port}")
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        clients = _clients(1, emu.base_url)
        try:
            with on_sending(FirstWrite(mark)):  # as the batch journals `submitting`
                job = await clients.for_worker(0).submit(
                    "ideogram/ideogram-v3/reframe", reframe_line(0)
                )
            return job.request_id
        finally:
            await clients.aclose()
            proxy.close()
            await proxy.wait_closed()

    assert asyncio.run(go())
    assert emu.stats()["routes"]["submit"] == 1
    assert [line.split(b" ")[0] for line in seen] == [b"POST"]
    assert marks == [0]  # the first write was watched, through the proxy too
    assert seen[0].split(b" ")[1].startswith(emu.base_url.encode())
