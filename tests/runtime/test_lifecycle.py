"""The whole job lifecycle over loopback HTTP against the emulator, for both clients."""

from __future__ import annotations

import itertools
import struct

import pytest
from runcomfy_models._runtime import (
    AuthenticationError,
    BadRequestError,
    GenericOutput,
    JobCancelledError,
    JobFailedError,
    JobStatus,
    JobTimeoutError,
    NotFoundError,
    RemoteFile,
)
from runcomfy_models._runtime.emulator import RunningEmulator

from .drivers import Driver
from .helpers import IMAGE_MODEL, IMAGE_PAYLOAD, VIDEO_MODEL


def routes(emu: RunningEmulator) -> dict[str, int]:
    counts: dict[str, int] = emu.stats()["routes"]
    return counts


def test_run_returns_the_output_and_the_file_downloads(
    emu: RunningEmulator, driver: Driver
) -> None:
    output = driver.run(IMAGE_MODEL, IMAGE_PAYLOAD, timeout=10)
    assert isinstance(output, GenericOutput)
    assert isinstance(output.image, RemoteFile)
    png = output.image.read()
    assert png.startswith(b"\x89PNG")
    assert struct.unpack(">II", png[16:24]) == (1152, 864)
    counts = routes(emu)
    assert counts["submit"] == 1
    assert counts["result"] == 1
    assert counts["status"] >= 1


def test_submit_status_result_then_rebuild_from_the_request_id(
    emu: RunningEmulator, driver: Driver
) -> None:
    emu.set_timings(queue_seconds=30)
    job = driver.submit(IMAGE_MODEL, IMAGE_PAYLOAD)
    assert job.model_id == IMAGE_MODEL
    assert job.output_type is GenericOutput
    assert job.request_id in repr(job)
    status = driver.status(job)
    assert status == JobStatus(job.request_id, "in_queue", 0)
    result = driver.result(job)
    assert result.state == "in_queue" and not result.is_final and result.output is None
    assert result.created_at is not None and result.finished_at is None

    again = driver.job(job.request_id)
    assert again.model_id is None
    assert driver.status(again).state == "in_queue"
    assert driver.client_status(job.request_id).state == "in_queue"


def test_rebuilt_job_waits_for_the_output(emu: RunningEmulator, new_driver: object) -> None:
    first = new_driver()  # type: ignore[operator]
    job = first.submit(VIDEO_MODEL, {"image_uri": "https://example.com/a.png", "prompt": "go"})
    second = new_driver()  # type: ignore[operator]  # e.g. after a restart
    output = second.wait(second.job(job.request_id, VIDEO_MODEL), timeout=10)
    assert isinstance(output, GenericOutput)
    assert output.video is not None and output.video.filename.endswith(".mp4")
    assert routes(emu)["submit"] == 1


def test_cancel_queued_job(emu: RunningEmulator, driver: Driver) -> None:
    emu.set_timings(queue_seconds=30)
    job = driver.submit(IMAGE_MODEL, IMAGE_PAYLOAD)
    outcome = driver.cancel(job)
    assert outcome.cancelled and outcome.outcome == "cancelled"
    assert outcome.request_id == job.request_id
    assert driver.status(job).state == "cancelled"
    assert driver.result(job).state == "cancelled"
    with pytest.raises(JobCancelledError) as info:
        driver.wait(job, timeout=10)
    assert info.value.request_id == job.request_id
    assert info.value.exit_code == 1


def test_cancel_running_job_is_refused(emu: RunningEmulator, driver: Driver) -> None:
    emu.set_timings(queue_seconds=0, run_seconds=30)
    job = driver.submit(IMAGE_MODEL, IMAGE_PAYLOAD)
    assert driver.status(job).state == "in_progress"
    outcome = driver.cancel(job)
    assert not outcome.cancelled and outcome.outcome == "not_cancellable"
    assert driver.status(job).state == "in_progress"


def test_failed_job_raises_with_the_server_message(emu: RunningEmulator, driver: Driver) -> None:
    emu.set_outcome("failed")
    job = driver.submit(IMAGE_MODEL, IMAGE_PAYLOAD)
    seen: list[JobStatus] = []
    with pytest.raises(JobFailedError) as info:
        driver.wait(job, timeout=10, on_update=seen.append)
    error = info.value
    assert error.request_id == job.request_id
    assert error.model_id == IMAGE_MODEL
    assert error.error_message is not None and "failed" in error.error_message
    assert error.error_message in str(error)
    assert error.result is not None and error.result.state == "failed"
    # /status said "completed"; the failure came from /result.
    assert seen[-1].state == "completed"


def test_wait_reports_each_change_of_progress_once(emu: RunningEmulator, driver: Driver) -> None:
    emu.set_timings(queue_seconds=0.05, run_seconds=0.05)
    job = driver.submit(IMAGE_MODEL, IMAGE_PAYLOAD)
    seen: list[JobStatus] = []
    output = driver.wait(job, timeout=10, on_update=seen.append)
    assert isinstance(output, GenericOutput) and output.image is not None
    assert seen and seen[-1].state == "completed"
    assert {s.state for s in seen} <= {"in_queue", "in_progress", "completed"}
    assert all(s.request_id == job.request_id for s in seen)
    # Only changes are reported: no two consecutive updates are equal.
    assert all(a != b for a, b in itertools.pairwise(seen))
    assert len(seen) <= routes(emu)["status"]


def test_deadline_keeps_the_job_alive(emu: RunningEmulator, driver: Driver) -> None:
    emu.set_timings(run_seconds=30)
    job = driver.submit(IMAGE_MODEL, IMAGE_PAYLOAD)
    with pytest.raises(JobTimeoutError) as info:
        driver.wait(job, timeout=0.05)
    error = info.value
    assert error.request_id == job.request_id
    assert error.cancel_outcome is None and error.cancel_error is None
    assert error.exit_code == 75
    assert job.request_id in str(error) and "still running" in str(error)
    assert routes(emu)["cancel"] == 0
    assert driver.status(job).state == "in_progress"


def test_deadline_with_cancel_on_timeout_cancels_a_queued_job(
    emu: RunningEmulator, driver: Driver
) -> None:
    emu.set_timings(queue_seconds=30)
    job = driver.submit(IMAGE_MODEL, IMAGE_PAYLOAD)
    with pytest.raises(JobTimeoutError) as info:
        driver.wait(job, timeout=0.05, cancel_on_timeout=True)
    assert info.value.cancel_outcome is not None and info.value.cancel_outcome.cancelled
    assert "was cancelled" in str(info.value)
    assert routes(emu)["cancel"] == 1
    assert driver.status(job).state == "cancelled"


def test_deadline_with_cancel_on_timeout_records_a_refusal(
    emu: RunningEmulator, driver: Driver
) -> None:
    emu.set_timings(run_seconds=30)
    job = driver.submit(IMAGE_MODEL, IMAGE_PAYLOAD)
    with pytest.raises(JobTimeoutError) as info:
        driver.wait(job, timeout=0.05, cancel_on_timeout=True)
    outcome = info.value.cancel_outcome
    assert outcome is not None and outcome.outcome == "not_cancellable"
    assert "billed" in str(info.value)


def test_run_applies_the_overall_deadline(emu: RunningEmulator, driver: Driver) -> None:
    emu.set_timings(queue_seconds=30)
    with pytest.raises(JobTimeoutError) as info:
        driver.run(IMAGE_MODEL, IMAGE_PAYLOAD, timeout=0.05, cancel_on_timeout=True)
    assert info.value.model_id == IMAGE_MODEL
    assert routes(emu)["submit"] == 1 and routes(emu)["cancel"] == 1


def test_result_with_cost(emu: RunningEmulator, driver: Driver) -> None:
    job = driver.submit(IMAGE_MODEL, IMAGE_PAYLOAD)
    driver.wait(job, timeout=10)
    result = driver.result(job, include_cost=True)
    assert result.state == "succeeded" and result.is_final
    assert result.cost is not None and result.finished_at is not None
    assert driver.result(job).cost is None


def test_unknown_request_and_model_and_bad_input(emu: RunningEmulator, driver: Driver) -> None:
    with pytest.raises(NotFoundError) as missing:
        driver.client_status("no-such-request")
    assert missing.value.error_code == "404001" and missing.value.request_id == "no-such-request"
    with pytest.raises(BadRequestError) as model:
        driver.submit("nobody/nothing", {})
    assert model.value.error_code == "400001"
    with pytest.raises(BadRequestError) as bad:
        driver.submit(IMAGE_MODEL, {"image": "https://example.com/a.png", "resolution": "7:7"})
    assert bad.value.status_code == 422 and "resolution" in str(bad.value)
    assert routes(emu)["submit"] == 0


def test_wrong_token_is_an_authentication_error(emu: RunningEmulator, new_driver: object) -> None:
    intruder = new_driver(token="wrong-token")  # type: ignore[operator]
    with pytest.raises(AuthenticationError) as info:
        intruder.submit(IMAGE_MODEL, IMAGE_PAYLOAD)
    assert info.value.exit_code == 77 and info.value.error_code == "400004"
    assert emu.stats()["routes"]["submit_rejected"] == 1


def test_catalog_entry(emu: RunningEmulator, driver: Driver) -> None:
    entry = driver.get_model(IMAGE_MODEL)
    assert entry["model_id"] == IMAGE_MODEL
    assert "input_schema" in entry


def test_on_update_reports_changes_only(emu: RunningEmulator, driver: Driver) -> None:
    emu.set_timings(queue_seconds=0, run_seconds=0.2)
    job = driver.submit(IMAGE_MODEL, IMAGE_PAYLOAD)
    seen: list[JobStatus] = []
    driver.wait(job, timeout=10, on_update=seen.append)
    assert [s.state for s in seen] in (["in_progress", "completed"], ["completed"])
