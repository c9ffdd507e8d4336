"""When the batch polls a job: the same wait loop and learned schedule as ``wait``.

Each job is followed by a :class:`~...waiting.WaitLoop`, the loop ``wait`` uses:
one poll at once, then the sleeps of its :class:`~...schedule.Schedule` (dense
around the expected finish of jobs of this model and these timing inputs, the
policy's interval otherwise), the job's deadline over all of it. The batch
fetches differently, ``/result`` alone, one request per poll, and paces
tighter: once the history knows a job's run time the poll at once is skipped
(the first poll comes where the job should have ended: one request for a job
that runs as expected), and the lag paid is smaller (a job found late holds a
worker), though never so small that finding a job costs more than the two extra
polls the schedule allows. A job picked up
from the journal is of unknown age: the policy alone paces it, and it teaches
nothing (its start was never seen). Run times go to the machine's timing
history, or, when that is off, to one kept for this batch alone.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Final

from pydantic import BaseModel

from ...async_client import AsyncJob
from ...config import PollPolicy
from ...timings import MemoryTimings, Timings
from ...waiting import WaitLoop

__all__ = [
    "BATCH_MIN_LAG",
    "POLL_FAILURES_ALLOWED",
    "START_SPACING",
    "PollPacer",
    "gave_up",
    "undocumented",
]

BATCH_MIN_LAG: Final = 0.02
"""The least lag a batch pays to find a finished job: a job found late holds a worker that
could run the next line (``wait`` pays at least half a second). A first poll that comes too
early costs one more poll, still within the schedule's bound on extra polls."""


POLL_FAILURES_ALLOWED: Final = 3
"""Rounds of failed polling (each already retried by the client) before a job is left for the
next run."""

START_SPACING: Final = 0.002
"""Seconds between the starts of a batch's workers (100 workers start over 0.2 s). Started at
once, they would queue on the one event loop anyway; and jobs that run alike would keep ending,
and their workers sending, in the same instant, each request waiting for the others. About the
CPU a job costs the batch, so the spacing costs a short batch about what it waited before."""


class PollPacer:
    """The wait loops of the jobs of one batch, and where their run times are learned."""

    def __init__(
        self,
        policy: PollPolicy,
        *,
        model_id: str,
        timings: Timings | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.policy = policy
        self.model_id = model_id
        self.timings: Timings = timings if timings is not None else MemoryTimings()
        self.clock = clock

    def loop(
        self,
        request_id: str,
        output_type: type[BaseModel],
        *,
        timeout: float | None,
        job: AsyncJob[Any] | None = None,
    ) -> WaitLoop[Any]:
        """The loop of one job: ``job`` when this run submitted it, None when picked up."""
        return WaitLoop(
            request_id=request_id,
            model_id=self.model_id,
            output_type=output_type,
            policy=self.policy,
            timeout=timeout,
            on_update=None,
            timings=self.timings,
            timing_key=None if job is None else job.timing_key,
            submitted_at=None if job is None else job.submitted_at,
            clock=self.clock,
            min_lag=BATCH_MIN_LAG,
            tight=True,
            poll_at_once=False,
        )


def gave_up(line: int, request_id: str, timeout: float | None, word: str | None) -> str:
    """What the batch reports of a job that outlived ``--job-timeout``."""
    return (
        f"line {line}: request {request_id} did not finish within {timeout or 0:g}s "
        f"(last status {word!r}); it stays in the journal, rerun to follow it"
    )


def undocumented(line: int, request_id: str, word: str | None) -> str:
    """What the batch reports of a job that sends a status word nobody documents."""
    return (
        f"line {line}: request {request_id} reports the undocumented status {word!r}; "
        "following it until it ends"
    )
