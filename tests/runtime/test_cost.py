"""The cost of a finished job in Python: ``job.cost`` and ``job.last_result`` after ``wait``
(sync and async), following the price the emulator's catalog gives."""

from __future__ import annotations

from typing import Any

import pytest
from runcomfy_models._runtime import JobFailedError
from runcomfy_models._runtime.emulator import RunningEmulator
from runcomfy_models._runtime.job_types import JobResult

from .drivers import Driver
from .helpers import IMAGE_MODEL, IMAGE_PAYLOAD, VIDEO_MODEL

VIDEO_PAYLOAD: dict[str, Any] = {"prompt": "a cat", "image_uri": "https://example.com/cat.png"}


def test_wait_keeps_the_cost_of_the_finished_job(emu: RunningEmulator, driver: Driver) -> None:
    job = driver.submit(IMAGE_MODEL, IMAGE_PAYLOAD)
    assert job.cost is None and job.last_result is None
    driver.wait(job, timeout=10)
    assert job.cost == 0.04  # the emulator's price per output of an image model
    assert job.last_result is not None and job.last_result.state == "succeeded"
    # One /result request per poll: the cost comes with the outcome, not in another call.
    assert emu.stats()["routes"]["result"] == 1


def test_a_per_second_model_without_a_duration_input_costs_what_runcomfy_reports(
    emu: RunningEmulator, driver: Driver
) -> None:
    job = driver.submit(VIDEO_MODEL, VIDEO_PAYLOAD)
    driver.wait(job, timeout=10)
    # $0.1 per second; the emulator bills a job that names no duration as 5 seconds.
    assert job.cost == pytest.approx(0.5)


def test_a_failed_job_keeps_its_cost_too(emu: RunningEmulator, driver: Driver) -> None:
    emu.set_outcome("failed")
    job = driver.submit(IMAGE_MODEL, IMAGE_PAYLOAD)
    with pytest.raises(JobFailedError) as info:
        driver.wait(job, timeout=10)
    assert job.cost == 0.0
    assert info.value.result is not None and info.value.result.cost_usd == 0.0


@pytest.mark.parametrize(
    ("cost", "usd"),
    [(0.04, 0.04), (2, 2.0), ("0.5", 0.5), (None, None), ("n/a", None), (True, None)],
)
def test_cost_usd_reads_what_the_server_sends(cost: object, usd: float | None) -> None:
    assert JobResult(request_id="r", state="succeeded", cost=cost).cost_usd == usd


def test_run_returns_an_output_that_carries_the_cost(emu: RunningEmulator, driver: Driver) -> None:
    output = driver.run(IMAGE_MODEL, IMAGE_PAYLOAD, timeout=10)
    assert output.cost == 0.04
    assert output.model_dump() == output.model_dump(exclude={"cost"})  # never a field
    assert "cost" not in output.model_dump_json()
    by_hand = type(output).model_validate({"image": "https://cdn.test/a.png"})
    assert by_hand.cost is None
