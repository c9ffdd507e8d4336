"""The decisions of ``wait`` (shared by Job and AsyncJob): backoff, deadline, reporting, outcome."""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from runcomfy_models._runtime import (
    GenericOutput,
    InvalidInputError,
    JobCancelledError,
    JobFailedError,
    JobResult,
    JobStatus,
    PollPolicy,
)
from runcomfy_models._runtime.job_types import CancelOutcome
from runcomfy_models._runtime.transport import DeadlineReached
from runcomfy_models._runtime.waiting import WaitLoop

from .helpers import async_mock_client, mock_client

POLICY = PollPolicy(initial=1.0, factor=2.0, max_interval=5.0)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make_loop(
    timeout: float | None = None,
    on_update: Callable[[JobStatus], None] | None = None,
    clock: FakeClock | None = None,
) -> WaitLoop[GenericOutput]:
    return WaitLoop(
        request_id="r1",
        model_id="a/b",
        output_type=GenericOutput,
        policy=POLICY,
        timeout=timeout,
        on_update=on_update,
        clock=clock or FakeClock(),
    )


def test_polling_starts_fast_and_backs_off_to_the_cap() -> None:
    loop = make_loop()
    assert [loop.next_sleep() for _ in range(6)] == [1.0, 2.0, 4.0, 5.0, 5.0, 5.0]


def test_sleeps_never_run_past_the_deadline_which_then_stops_the_wait() -> None:
    clock = FakeClock()
    loop = make_loop(timeout=4.5, clock=clock)
    sleeps = []
    with pytest.raises(DeadlineReached) as info:
        while True:
            sleep = loop.next_sleep()
            sleeps.append(sleep)
            clock.now += sleep
    assert sleeps == [1.0, 2.0, 1.5]
    assert info.value.last_error is None


def test_a_zero_timeout_still_allows_one_poll() -> None:
    loop = make_loop(timeout=0)
    assert loop.seen(JobStatus("r1", "in_progress")) is False
    with pytest.raises(DeadlineReached):
        loop.next_sleep()


@pytest.mark.parametrize("timeout", [-1.0, math.nan])
def test_nonsense_timeouts_are_refused(timeout: float) -> None:
    with pytest.raises(InvalidInputError, match="timeout"):
        make_loop(timeout=timeout)


def test_only_changes_are_reported_and_done_means_stopped() -> None:
    seen: list[JobStatus] = []
    loop = make_loop(on_update=seen.append)
    statuses = [
        JobStatus("r1", "in_queue", 2),
        JobStatus("r1", "in_queue", 2),
        JobStatus("r1", "in_queue", 1),
        JobStatus("r1", "in_progress"),
        JobStatus("r1", "in_progress"),
        JobStatus("r1", "completed"),
    ]
    done = [loop.seen(status) for status in statuses]
    assert done == [False, False, False, False, False, True]
    assert seen == [statuses[0], statuses[2], statuses[3], statuses[5]]
    assert make_loop().seen(JobStatus("r1", "cancelled")) is True


def test_the_outcome_comes_from_the_result() -> None:
    loop = make_loop()
    output = loop.outcome(JobResult("r1", "succeeded", {"image": "https://cdn.test/a.png"}))
    assert output is not None and output.image is not None
    # /status said completed but /result is not final yet: keep polling.
    assert loop.outcome(JobResult("r1", "in_progress")) is None
    with pytest.raises(JobFailedError, match="out of memory") as failed:
        loop.outcome(JobResult("r1", "failed", error={"message": "out of memory"}))
    assert failed.value.request_id == "r1" and failed.value.model_id == "a/b"
    with pytest.raises(JobCancelledError):
        loop.outcome(JobResult("r1", "cancelled"))


def test_timeout_errors_say_what_became_of_the_job() -> None:
    loop = make_loop(timeout=30)
    kept = loop.timed_out()
    assert kept.request_id == "r1" and kept.timeout == 30 and "still running" in str(kept)
    cancelled = loop.timed_out(cancel_outcome=CancelOutcome("r1", "cancelled"))
    assert "was cancelled" in str(cancelled)
    refused = loop.timed_out(cancel_outcome=CancelOutcome("r1", "not_cancellable"))
    assert "billed" in str(refused)


# -- the twins sleep what the loop decides -------------------------------------------------------


def job_api(polls_before_done: int) -> Callable[[httpx.Request], httpx.Response]:
    polls = 0

    def answer(request: httpx.Request) -> httpx.Response:
        nonlocal polls
        if request.url.path.endswith("/status"):
            polls += 1
            state = "completed" if polls > polls_before_done else "in_progress"
            return httpx.Response(200, json={"status": state})
        return httpx.Response(200, json={"status": "succeeded", "output": {}})

    return answer


EXPECTED_SLEEPS = [1.0, 2.0, 4.0, 5.0, 5.0]


def test_sync_wait_sleeps_the_backed_off_intervals(monkeypatch: pytest.MonkeyPatch) -> None:
    sleeps: list[float] = []
    monkeypatch.setattr(time, "sleep", sleeps.append)
    with mock_client(job_api(polls_before_done=5), poll=POLICY) as client:
        assert isinstance(client.job("r1").wait(), GenericOutput)
    assert sleeps == EXPECTED_SLEEPS


async def test_async_wait_sleeps_the_backed_off_intervals(monkeypatch: pytest.MonkeyPatch) -> None:
    sleeps: list[float] = []
    real_sleep, this_thread = asyncio.sleep, threading.get_ident()

    async def fake_sleep(seconds: float, *args: Any) -> None:
        # The patch is process-wide: an emulator's event loop in another thread keeps sleeping.
        if threading.get_ident() != this_thread:
            await real_sleep(seconds, *args)
            return
        sleeps.append(seconds)

    async with async_mock_client(job_api(polls_before_done=5), poll=POLICY) as client:
        monkeypatch.setattr(asyncio, "sleep", fake_sleep)
        assert isinstance(await client.job("r1").wait(), GenericOutput)
    assert sleeps == EXPECTED_SLEEPS
