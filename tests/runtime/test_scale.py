"""A thousand jobs in flight through one AsyncRunComfy (one keep-alive pool) against the emulator."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest
from runcomfy_models._runtime import AsyncJob, GenericOutput
from runcomfy_models._runtime.emulator import RunningEmulator, running_emulator

from .helpers import CATALOG, IMAGE_MODEL, IMAGE_PAYLOAD, TOKEN, make_async_client

JOBS = 1000
MAX_CONNECTIONS = 4
SAMPLE = 50


class SteppedClock:
    def __init__(self) -> None:
        self.now = 1_900_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> SteppedClock:
    return SteppedClock()


@pytest.fixture
def stepped_emu(clock: SteppedClock) -> Iterator[RunningEmulator]:
    with running_emulator(
        catalog=CATALOG, token=TOKEN, queue_seconds=60, run_seconds=60, clock=clock
    ) as emu:
        yield emu


@pytest.mark.slow
async def test_a_thousand_jobs_in_flight_over_one_pool(
    stepped_emu: RunningEmulator, clock: SteppedClock
) -> None:
    """Concurrent submits share one bounded pool; every job is submitted exactly once.

    Client and emulator share one process here, so the test keeps the number
    of requests low: all the submits, then a sample of the jobs is waited for.
    """
    limits = httpx.Limits(max_connections=MAX_CONNECTIONS)
    http = httpx.AsyncClient(limits=limits)
    async with make_async_client(stepped_emu.base_url, http_client=http, timeout=60.0) as client:
        gate = asyncio.Semaphore(MAX_CONNECTIONS)  # more would only queue inside the pool

        async def submit() -> AsyncJob[GenericOutput]:
            async with gate:
                return await client.submit(IMAGE_MODEL, IMAGE_PAYLOAD)

        jobs = await asyncio.gather(*(submit() for _ in range(JOBS)))
        assert len({job.request_id for job in jobs}) == JOBS
        stats = stepped_emu.stats()
        assert stats["jobs"]["in_queue"] == JOBS
        assert stats["routes"]["submit"] == JOBS and stats["routes"]["submit_rejected"] == 0

        clock.now += 120
        sample = jobs[:: JOBS // SAMPLE]
        outputs = await asyncio.gather(*(job.wait(timeout=60) for job in sample))
        assert all(isinstance(o, GenericOutput) and o.image is not None for o in outputs)
    await http.aclose()
    assert stepped_emu.stats()["jobs"]["succeeded"] == JOBS
