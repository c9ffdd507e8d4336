"""Downloads have a size cap and an overall deadline, and leave no partial file behind."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from runcomfy_models._runtime import DownloadError, DownloadLimits, InvalidInputError, RemoteFile

from .helpers import FAST_RETRY, FileServer


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_file_declared_larger_than_the_cap_is_refused(
    tmp_path: Path, file_server: FileServer
) -> None:
    url = file_server.serve("/big.png", b"x" * 5000)
    with pytest.raises(DownloadError) as info:
        RemoteFile(url).save(tmp_path, limits=DownloadLimits(max_bytes=4096))
    assert "larger than 4,096 bytes" in str(info.value)
    assert _leftovers(tmp_path) == []


async def test_the_async_cap_is_the_same(tmp_path: Path, file_server: FileServer) -> None:
    url = file_server.serve("/big.png", b"x" * 5000)
    with pytest.raises(DownloadError):
        await RemoteFile(url).asave(tmp_path, limits=DownloadLimits(max_bytes=4096))
    assert _leftovers(tmp_path) == []
    assert await RemoteFile(url).aread(limits=DownloadLimits(max_bytes=5000)) == b"x" * 5000


def _streamed(size: int) -> httpx.Client:
    """A file host that sends ``size`` bytes with no Content-Length (chunked)."""

    def body() -> Iterator[bytes]:
        for _ in range(size // 1000):
            yield b"y" * 1000

    return httpx.Client(
        transport=httpx.MockTransport(lambda r: httpx.Response(200, content=body()))
    )


def test_a_stream_past_the_cap_stops_and_leaves_nothing(tmp_path: Path) -> None:
    with _streamed(50_000) as http, pytest.raises(DownloadError) as info:
        RemoteFile("https://cdn.test/a.png").save(
            tmp_path, http_client=http, limits=DownloadLimits(max_bytes=10_000)
        )
    assert "larger than 10,000 bytes" in str(info.value)
    assert _leftovers(tmp_path) == []
    with _streamed(50_000) as http, pytest.raises(DownloadError):
        RemoteFile("https://cdn.test/a.png").read(
            http_client=http, limits=DownloadLimits(max_bytes=10_000)
        )
    with _streamed(9_000) as http:
        data = RemoteFile("https://cdn.test/a.png").read(
            http_client=http, limits=DownloadLimits(max_bytes=10_000)
        )
    assert len(data) == 9_000


def test_the_deadline_covers_retries(tmp_path: Path, file_server: FileServer) -> None:
    url = file_server.serve("/busy.png", b"", status=503, headers={"Retry-After": "30"})
    retry = FAST_RETRY.__class__(max_retries=5, base=0.01, cap=0.02, retry_after_cap=60.0)
    with pytest.raises(DownloadError) as info:
        RemoteFile(url).save(tmp_path, retry=retry, limits=DownloadLimits(deadline=1.0))
    assert "did not finish within 1s" in str(info.value)
    assert len(file_server.requests) == 1  # it did not sleep 30 s past its deadline
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("bad", [0, -1, True, "big"])
def test_bad_limits_are_input_errors(bad: object) -> None:
    with pytest.raises(InvalidInputError):
        DownloadLimits(max_bytes=bad)  # type: ignore[arg-type]


def test_partial_files_of_killed_processes_are_removed_by_the_next_download(
    tmp_path: Path, file_server: FileServer
) -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    dead_pid = int(dead.stdout)
    stale = tmp_path / f".cat.png.{dead_pid}.abc123.part"
    stale.write_bytes(b"half a file")
    alive = tmp_path / f".cat.png.{os.getppid()}.def456.part"  # a live process: left alone
    alive.write_bytes(b"in progress elsewhere")
    other = tmp_path / f".dog.png.{dead_pid}.abc123.part"  # another target: left alone
    other.write_bytes(b"not ours")
    url = file_server.serve("/cat.png", b"\x89PNG whole")
    saved = RemoteFile(url).save(tmp_path)
    assert saved.read_bytes() == b"\x89PNG whole"
    assert _leftovers(tmp_path) == sorted(["cat.png", alive.name, other.name])
