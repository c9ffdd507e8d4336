"""Every emulator fault kind, on every route, with the server's counters as proof.

The key property: a submit reaches the server at most once unless the server
explicitly refused it (429) or the connection never opened.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from runcomfy_models._runtime import (
    APIError,
    AuthenticationError,
    DownloadError,
    InsufficientBalanceError,
    JobTimeoutError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RemoteFile,
    RunComfy,
    ServerError,
    SubmitOutcomeUnknownError,
)
from runcomfy_models._runtime.emulator import FaultRule, RunningEmulator

from .drivers import Driver
from .helpers import FAST_RETRY, IMAGE_MODEL, IMAGE_PAYLOAD


def stats(emu: RunningEmulator) -> dict[str, Any]:
    return emu.stats()


def submits_seen(emu: RunningEmulator) -> int:
    """Submit requests that reached the server, whether or not they created a job."""
    routes = stats(emu)["routes"]
    return int(routes["submit"] + routes["submit_rejected"])


def jobs_created(emu: RunningEmulator) -> int:
    return int(sum(stats(emu)["jobs"].values()))


def assert_one_submit(emu: RunningEmulator) -> None:
    """Exactly one submit reached the server, and it made exactly one job."""
    routes = stats(emu)["routes"]
    assert (routes["submit"], routes["submit_rejected"], jobs_created(emu)) == (1, 0, 1)


def settle(condition: Callable[[], bool], attempts: int = 500) -> None:
    """Wait (briefly, boundedly) for the server to finish work the client gave up on."""
    for _ in range(attempts):
        if condition():
            return
        time.sleep(0.01)
    raise AssertionError("the emulator did not reach the expected state")


# -- submit ---------------------------------------------------------------------------------


@pytest.mark.parametrize("retry_after", ["1", None, "0", "Wed, 21 Oct 2015 07:28:00 GMT"])
def test_submit_rate_limits_are_retried_and_create_one_job(
    emu: RunningEmulator, driver: Driver, retry_after: str | None
) -> None:
    emu.add_fault(
        FaultRule(route="submit", kind="status", status=429, retry_after=retry_after, times=2)
    )
    job = driver.submit(IMAGE_MODEL, IMAGE_PAYLOAD)
    assert job.request_id
    assert stats(emu)["routes"]["submit"] == 1
    assert stats(emu)["routes"]["submit_rejected"] == 2
    assert jobs_created(emu) == 1


def test_submit_refusals_give_up_after_max_retries(
    emu: RunningEmulator, new_driver: Callable[..., Driver]
) -> None:
    emu.add_fault(FaultRule(route="submit", kind="status", status=429, retry_after="120"))
    driver = new_driver(max_retries=1)
    with pytest.raises(RateLimitError) as info:
        driver.submit(IMAGE_MODEL, IMAGE_PAYLOAD)
    assert info.value.retry_after == 120.0
    assert info.value.exit_code == 75
    assert submits_seen(emu) == 2 and jobs_created(emu) == 0


@pytest.mark.parametrize("status", [500, 502, 503, 504, 408])
def test_submit_ambiguous_statuses_are_not_retried(
    emu: RunningEmulator, driver: Driver, status: int
) -> None:
    emu.add_fault(FaultRule(route="submit", kind="status", status=status))
    with pytest.raises(SubmitOutcomeUnknownError) as info:
        driver.submit(IMAGE_MODEL, IMAGE_PAYLOAD)
    assert info.value.model_id == IMAGE_MODEL and info.value.payload == IMAGE_PAYLOAD
    assert submits_seen(emu) == 1
    assert stats(emu)["faults"]["submit"] == 1


def test_submit_dropped_before_processing_is_not_resent(
    emu: RunningEmulator, driver: Driver
) -> None:
    emu.add_fault(FaultRule(route="submit", kind="drop_before"))
    with pytest.raises(SubmitOutcomeUnknownError):
        driver.submit(IMAGE_MODEL, IMAGE_PAYLOAD)
    assert stats(emu)["faults"]["submit"] == 1
    assert submits_seen(emu) == 1 and jobs_created(emu) == 0


def test_submit_dropped_after_the_job_was_created_is_not_resent(
    emu: RunningEmulator, driver: Driver
) -> None:
    emu.add_fault(FaultRule(route="submit", kind="drop_after"))
    with pytest.raises(SubmitOutcomeUnknownError) as info:
        driver.submit(IMAGE_MODEL, IMAGE_PAYLOAD)
    assert "may exist" in str(info.value)
    # The job exists (and would be billed): exactly one, never a second.
    assert_one_submit(emu)
    assert stats(emu)["faults"]["submit"] == 1


def test_slow_submit_times_out_without_a_second_submit(
    private_emu: RunningEmulator, new_driver: Callable[..., Driver]
) -> None:
    emu = private_emu
    emu.add_fault(FaultRule(route="submit", kind="slow", delay=0.2))
    driver = new_driver(base_url=emu.base_url, timeout=0.05)
    with pytest.raises(SubmitOutcomeUnknownError) as info:
        driver.submit(IMAGE_MODEL, IMAGE_PAYLOAD)
    assert "Timeout" in info.value.reason
    # The server goes on and creates the job the client gave up on: one job, never two.
    settle(lambda: stats(emu)["routes"]["submit"] == 1)
    assert stats(emu)["faults"]["submit"] == 1
    assert_one_submit(emu)


def test_slow_submit_within_the_timeout_succeeds(
    emu: RunningEmulator, new_driver: Callable[..., Driver]
) -> None:
    emu.add_fault(FaultRule(route="submit", kind="slow", delay=0.05, times=1))
    job = new_driver(timeout=5.0).submit(IMAGE_MODEL, IMAGE_PAYLOAD)
    assert job.request_id
    assert_one_submit(emu)


@pytest.mark.parametrize(
    ("code", "cls"),
    [(400002, InsufficientBalanceError), (400004, AuthenticationError), (500001, APIError)],
)
def test_submit_error_in_a_200_answer_is_an_error_and_not_retried(
    emu: RunningEmulator, driver: Driver, code: int, cls: type[APIError]
) -> None:
    emu.add_fault(FaultRule(route="submit", kind="error_body", error_code=code))
    with pytest.raises(cls) as info:
        driver.submit(IMAGE_MODEL, IMAGE_PAYLOAD)
    assert info.value.error_code == str(code) and info.value.status_code == 200
    assert submits_seen(emu) == 1 and jobs_created(emu) == 0


@pytest.mark.parametrize(
    ("status", "cls"), [(401, AuthenticationError), (402, InsufficientBalanceError)]
)
def test_submit_auth_and_balance_statuses_are_not_retried(
    emu: RunningEmulator, driver: Driver, status: int, cls: type[APIError]
) -> None:
    emu.add_fault(FaultRule(route="submit", kind="status", status=status))
    with pytest.raises(cls):
        driver.submit(IMAGE_MODEL, IMAGE_PAYLOAD)
    assert submits_seen(emu) == 1


# -- status / result / cancel -----------------------------------------------------------------


@pytest.mark.parametrize(
    "rule",
    [
        FaultRule(route="status", kind="status", status=503, times=2),
        FaultRule(route="status", kind="status", status=502, times=2),
        FaultRule(route="status", kind="status", status=500, times=1),
        FaultRule(route="status", kind="status", status=408, times=1),
        FaultRule(route="status", kind="status", status=429, retry_after="1", times=2),
        FaultRule(route="status", kind="status", status=429, times=2),
        FaultRule(route="status", kind="status", status=503, retry_after="soon", times=1),
        FaultRule(
            route="status",
            kind="status",
            status=503,
            retry_after="Wed, 21 Oct 2015 07:28:00 GMT",
            times=1,
        ),
        FaultRule(route="status", kind="drop_before", times=2),
        FaultRule(route="status", kind="drop_after", times=2),
        FaultRule(route="status", kind="slow", delay=0.3, times=1),
        FaultRule(route="result", kind="status", status=500, times=2),
        FaultRule(route="result", kind="status", status=502, times=1),
        FaultRule(route="result", kind="status", status=503, retry_after="0", times=2),
        FaultRule(route="result", kind="status", status=429, times=1),
        FaultRule(route="result", kind="drop_before", times=1),
        FaultRule(route="result", kind="drop_after", times=2),
        FaultRule(route="result", kind="slow", delay=1.5, times=1),
    ],
    ids=lambda rule: f"{rule.route}-{rule.kind}-{rule.status}-{rule.retry_after}",
)
def test_polling_survives_transient_faults(
    private_emu: RunningEmulator, new_driver: Callable[..., Driver], rule: FaultRule
) -> None:
    emu = private_emu
    # Each request gets 1 s (the submit too: it must not time out on a busy machine); a slow
    # answer takes 1.5 s.
    driver = new_driver(base_url=emu.base_url, timeout=1.0)
    job = driver.submit(IMAGE_MODEL, IMAGE_PAYLOAD)
    emu.add_fault(rule)
    output = driver.wait(job, timeout=10)
    assert getattr(output, "image", None) is not None
    assert stats(emu)["faults"][rule.route] == rule.times
    assert_one_submit(emu)


@pytest.mark.parametrize(
    "rule",
    [
        FaultRule(route="cancel", kind="status", status=503, retry_after="1", times=2),
        FaultRule(route="cancel", kind="status", status=500, times=1),
        FaultRule(route="cancel", kind="status", status=502, times=2),
        FaultRule(route="cancel", kind="status", status=429, times=1),
        FaultRule(route="cancel", kind="drop_before", times=1),
        FaultRule(route="cancel", kind="drop_after", times=1),
        FaultRule(route="cancel", kind="slow", delay=1.5, times=1),
    ],
    ids=lambda rule: f"{rule.kind}-{rule.status}",
)
def test_cancel_is_retried(
    private_emu: RunningEmulator, new_driver: Callable[..., Driver], rule: FaultRule
) -> None:
    emu = private_emu
    driver = new_driver(base_url=emu.base_url, timeout=1.0)
    emu.set_timings(queue_seconds=30)
    job = driver.submit(IMAGE_MODEL, IMAGE_PAYLOAD)
    emu.add_fault(rule)
    assert driver.cancel(job).outcome == "cancelled"
    assert stats(emu)["faults"]["cancel"] == rule.times
    assert_one_submit(emu)


@pytest.mark.parametrize(
    ("code", "cls"), [(400004, AuthenticationError), (403001, PermissionDeniedError)]
)
def test_cancel_error_in_a_200_answer_is_not_retried(
    emu: RunningEmulator, driver: Driver, code: int, cls: type[APIError]
) -> None:
    emu.set_timings(queue_seconds=30)
    job = driver.submit(IMAGE_MODEL, IMAGE_PAYLOAD)
    emu.add_fault(FaultRule(route="cancel", kind="error_body", error_code=code))
    with pytest.raises(cls) as info:
        driver.cancel(job)
    assert info.value.status_code == 200 and info.value.request_id == job.request_id
    assert stats(emu)["faults"]["cancel"] == 1
    assert driver.status(job).state == "in_queue"
    assert_one_submit(emu)


def test_persistent_status_failure_gives_up_with_a_server_error(
    emu: RunningEmulator, driver: Driver
) -> None:
    job = driver.submit(IMAGE_MODEL, IMAGE_PAYLOAD)
    emu.add_fault(FaultRule(route="status", kind="status", status=500))
    with pytest.raises(ServerError) as info:
        driver.wait(job, timeout=10)
    assert info.value.request_id == job.request_id
    assert stats(emu)["faults"]["status"] == 3  # one try + max_retries=2
    assert_one_submit(emu)


@pytest.mark.parametrize(
    ("route", "code", "cls"),
    [
        ("status", 404001, NotFoundError),
        ("result", 404001, NotFoundError),
        ("status", 400004, AuthenticationError),
        ("result", 400002, InsufficientBalanceError),
    ],
)
def test_error_body_on_reads_is_mapped_and_not_retried(
    emu: RunningEmulator, driver: Driver, route: str, code: int, cls: type[APIError]
) -> None:
    job = driver.submit(IMAGE_MODEL, IMAGE_PAYLOAD)
    emu.add_fault(FaultRule(route=route, kind="error_body", error_code=code))  # type: ignore[arg-type]
    with pytest.raises(cls) as info:
        driver.wait(job, timeout=10)
    assert info.value.status_code == 200 and info.value.request_id == job.request_id
    assert info.value.error_code == str(code)
    assert stats(emu)["faults"][route] == 1
    assert stats(emu)["routes"][route] == 0  # answered by the fault, never processed
    assert_one_submit(emu)


@pytest.mark.parametrize("route", ["status", "result"])
def test_an_undocumented_status_word_is_followed_until_the_job_ends(
    emu: RunningEmulator, driver: Driver, route: str, caplog: pytest.LogCaptureFixture
) -> None:
    emu.set_timings(run_seconds=0.3)
    job = driver.submit(IMAGE_MODEL, IMAGE_PAYLOAD)
    emu.add_fault(FaultRule(route=route, kind="unknown_status", times=4))  # type: ignore[arg-type]
    with caplog.at_level("WARNING", logger="runcomfy_models"):
        output = driver.wait(job, timeout=10)
    assert output.model_dump()["image"]
    assert stats(emu)["faults"][route] == 4
    unknown_logs = [r for r in caplog.records if "undocumented status 'paused'" in r.message]
    assert len(unknown_logs) == 1
    assert_one_submit(emu)


def test_an_undocumented_status_word_to_the_deadline_keeps_the_request_id(
    emu: RunningEmulator, driver: Driver
) -> None:
    job = driver.submit(IMAGE_MODEL, IMAGE_PAYLOAD)
    emu.add_fault(FaultRule(route="*", kind="unknown_status"))
    with pytest.raises(JobTimeoutError) as info:
        driver.wait(job, timeout=0.3)
    assert info.value.request_id == job.request_id
    assert info.value.last_status == "paused"
    assert "'paused'" in str(info.value)
    assert stats(emu)["routes"]["result"] >= 1  # followed through /result
    assert_one_submit(emu)


def test_slow_status_runs_into_the_overall_deadline(
    private_emu: RunningEmulator, new_driver: Callable[..., Driver]
) -> None:
    emu = private_emu
    driver = new_driver(base_url=emu.base_url, timeout=5.0)
    emu.set_timings(run_seconds=30)
    job = driver.submit(IMAGE_MODEL, IMAGE_PAYLOAD)
    emu.add_fault(FaultRule(route="status", kind="slow", delay=0.3))
    with pytest.raises(JobTimeoutError) as info:
        driver.wait(job, timeout=0.1, cancel_on_timeout=True)
    assert info.value.request_id == job.request_id
    assert info.value.cancel_outcome is not None
    assert info.value.cancel_outcome.outcome == "not_cancellable"
    assert_one_submit(emu)


# -- output files ------------------------------------------------------------------------------


def finished_image(client: RunComfy) -> RemoteFile:
    """Downloads do not depend on the client flavour: one sync job provides the file."""
    image = client.run(IMAGE_MODEL, IMAGE_PAYLOAD, timeout=10).image
    assert isinstance(image, RemoteFile)
    return image


@pytest.mark.parametrize(
    "rule",
    [
        FaultRule(route="files", kind="status", status=503, times=2),
        FaultRule(route="files", kind="status", status=502, times=1),
        FaultRule(route="files", kind="status", status=429, retry_after="1", times=2),
        FaultRule(route="files", kind="status", status=429, times=1),
        FaultRule(route="files", kind="drop_before", times=2),
        FaultRule(route="files", kind="drop_after", times=1),
    ],
    ids=lambda rule: f"{rule.kind}-{rule.status}-{rule.retry_after}",
)
def test_downloads_are_retried(
    emu: RunningEmulator, client: RunComfy, tmp_path: Path, rule: FaultRule
) -> None:
    image = finished_image(client)
    for attempt in range(4):
        emu.add_fault(rule)
        if attempt == 0:
            data = image.read(retry=FAST_RETRY)
        elif attempt == 1:
            data = asyncio.run(image.aread(retry=FAST_RETRY))
        elif attempt == 2:
            data = image.save(tmp_path / "sync", retry=FAST_RETRY).read_bytes()
        else:
            data = asyncio.run(image.asave(tmp_path / "async", retry=FAST_RETRY)).read_bytes()
        assert data.startswith(b"\x89PNG")
    assert stats(emu)["faults"]["files"] == 4 * (rule.times or 0)
    assert sorted(p.name for p in tmp_path.rglob("*")) == sorted(
        ["sync", "async", image.filename, image.filename]
    )
    assert_one_submit(emu)


def test_downloads_give_up_with_the_last_error(
    emu: RunningEmulator, client: RunComfy, tmp_path: Path
) -> None:
    image = finished_image(client)
    emu.add_fault(FaultRule(route="files", kind="status", status=502))
    with pytest.raises(DownloadError) as info:
        image.save(tmp_path, retry=FAST_RETRY)
    assert info.value.status_code == 502 and info.value.url == image.url
    with pytest.raises(DownloadError):
        asyncio.run(image.asave(tmp_path, retry=FAST_RETRY))
    assert stats(emu)["faults"]["files"] == 2 * (FAST_RETRY.max_retries + 1)
    assert list(tmp_path.iterdir()) == []
    emu.clear_faults()
    emu.add_fault(FaultRule(route="files", kind="drop_before"))
    with pytest.raises(DownloadError, match="failed"):
        image.read(retry=FAST_RETRY)
    assert_one_submit(emu)


@pytest.mark.parametrize("status", [404, 403, 410])
def test_downloads_do_not_retry_definite_refusals(
    emu: RunningEmulator, client: RunComfy, tmp_path: Path, status: int
) -> None:
    image = finished_image(client)
    emu.add_fault(FaultRule(route="files", kind="status", status=status))
    with pytest.raises(DownloadError) as info:
        image.save(tmp_path, retry=FAST_RETRY)
    assert info.value.status_code == status
    assert stats(emu)["faults"]["files"] == 1
    assert list(tmp_path.iterdir()) == []
    assert_one_submit(emu)
