"""The sync and async runtime against every answer shape RunComfy's own clients handle.

The emulator answers in one variant shape per test (``VARIANTS``): ``completed``
for a success, ``failed``/``succeeded``/``canceled`` from ``/status``, the
running words ``pending``, ``processing``, ``waiting``, ``starting``, ``queued``,
``running``, an ``error`` as a string or a list, and the cancel answers
``{status}``, ``{outcome: "cancellation_requested"}`` and ``{}``. Each lifecycle
must end as it would with the documented shapes, with one submit per job.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from runcomfy_models._runtime import JobCancelledError, JobFailedError
from runcomfy_models._runtime.emulator import VARIANTS, RunningEmulator, running_emulator

from .drivers import Driver, make_driver
from .helpers import CATALOG, IMAGE_MODEL, IMAGE_PAYLOAD, TOKEN

# What a cancel of a queued job / of a running job answers, by the variant's cancel shape.
CANCEL_QUEUED = {"outcome": "cancelled", "status": "cancelled", "requested": "requested"}
CANCEL_RUNNING = {"outcome": "not_cancellable", "status": "unknown", "requested": "not_cancellable"}


@pytest.fixture(params=sorted(VARIANTS))
def variant(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def shaped(variant: str) -> Iterator[RunningEmulator]:
    with running_emulator(catalog=CATALOG, token=TOKEN, shapes=VARIANTS[variant]) as emu:
        yield emu


@pytest.fixture
def shaped_driver(flavor: str, shaped: RunningEmulator) -> Iterator[Driver]:
    driver = make_driver(flavor, shaped.base_url)
    yield driver
    driver.close()


def one_job_per_submit(emu: RunningEmulator, jobs: int = 1) -> None:
    stats = emu.stats()
    assert stats["routes"]["submit"] == jobs
    assert stats["routes"]["submit_rejected"] == 0
    assert sum(stats["jobs"].values()) == jobs


def test_a_job_runs_through_the_queue_to_its_output(
    shaped: RunningEmulator, shaped_driver: Driver, variant: str
) -> None:
    shaped.set_timings(queue_seconds=0.15, run_seconds=0.15)
    seen: list[str] = []
    job = shaped_driver.submit(IMAGE_MODEL, IMAGE_PAYLOAD)
    output = shaped_driver.wait(job, timeout=20, on_update=lambda s: seen.append(s.state))
    assert output.model_dump()["image"].startswith(shaped.base_url)
    assert seen[0] == "in_queue" and "in_progress" in seen and seen[-1] == "completed"
    assert "unknown" not in seen
    result = shaped_driver.result(job, include_cost=True)
    assert result.state == "succeeded" and result.is_final and result.cost == 0.04
    one_job_per_submit(shaped)


def test_a_failed_job_raises_with_the_servers_message(
    shaped: RunningEmulator, shaped_driver: Driver
) -> None:
    shaped.set_outcome("failed")
    job = shaped_driver.submit(IMAGE_MODEL, IMAGE_PAYLOAD)
    with pytest.raises(JobFailedError) as info:
        shaped_driver.wait(job, timeout=20)
    assert info.value.request_id == job.request_id
    assert "The job failed (as the emulator was told)." in str(info.value)
    one_job_per_submit(shaped)


def test_cancelling_a_queued_job_gives_an_honest_outcome(
    shaped: RunningEmulator, shaped_driver: Driver, variant: str
) -> None:
    shaped.set_timings(queue_seconds=60)
    job = shaped_driver.submit(IMAGE_MODEL, IMAGE_PAYLOAD)
    outcome = shaped_driver.cancel(job)
    assert outcome.outcome == CANCEL_QUEUED.get(VARIANTS[variant].cancel, "unknown")
    assert shaped_driver.status(job).state == "cancelled"
    with pytest.raises(JobCancelledError):
        shaped_driver.wait(job, timeout=20)
    one_job_per_submit(shaped)


def test_cancelling_a_running_job_never_raises(
    shaped: RunningEmulator, shaped_driver: Driver, variant: str
) -> None:
    shaped.set_timings(run_seconds=60)
    job = shaped_driver.submit(IMAGE_MODEL, IMAGE_PAYLOAD)
    outcome = shaped_driver.cancel(job)
    assert outcome.outcome == CANCEL_RUNNING.get(VARIANTS[variant].cancel, "unknown")
    assert not outcome.cancelled and outcome.description
    assert shaped_driver.status(job).state == "in_progress"
    one_job_per_submit(shaped)
