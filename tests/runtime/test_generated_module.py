"""A generated model module on top of the runtime, against the emulator's default catalog."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from runcomfy_models._runtime import InvalidInputError, JobStatus, RemoteFile
from runcomfy_models._runtime.emulator import RunningEmulator, running_emulator
from runcomfy_models.ideogram.ideogram_v3 import reframe

from .helpers import TOKEN, make_async_client, make_client

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 8


@pytest.fixture(scope="module")
def catalog_emulator() -> Iterator[RunningEmulator]:
    with running_emulator(token=TOKEN) as emu:
        yield emu


def test_reframe_run_and_save(catalog_emulator: RunningEmulator, tmp_path: Path) -> None:
    picture = tmp_path / "cat.png"
    picture.write_bytes(PNG)
    seen: list[JobStatus] = []
    with make_client(catalog_emulator.base_url) as client:
        out = reframe.run(
            image=picture,
            resolution="1024:1024 (1:1)",
            client=client,
            timeout=10,
            on_update=seen.append,
        )
        assert isinstance(out, reframe.Output)
        assert isinstance(out.image, RemoteFile)
        saved = out.image.save(tmp_path / "out")
        assert saved.read_bytes().startswith(b"\x89PNG")
        job = reframe.submit(
            image="https://example.com/cat.png", resolution="1152:864 (4:3)", client=client
        )
        again = reframe.job(job.request_id, client=client)
        assert isinstance(again.wait(timeout=10), reframe.Output)
    assert seen and seen[-1].state == "completed"


async def test_reframe_run_async(catalog_emulator: RunningEmulator) -> None:
    async with make_async_client(catalog_emulator.base_url) as client:
        out = await reframe.run_async(
            image="https://example.com/cat.png",
            resolution="1152:864 (4:3)",
            client=client,
            timeout=10,
        )
    assert isinstance(out, reframe.Output)


def test_reframe_rejects_bad_input_locally() -> None:
    with pytest.raises(InvalidInputError, match="resolution"):
        reframe.run(image="https://example.com/cat.png", resolution="7:7")
