"""How the batch follows its jobs: the wait loop and learned schedule of ``wait``."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from runcomfy_models._runtime import AsyncRunComfy, GenericOutput, PollPolicy
from runcomfy_models._runtime.async_client import AsyncJob
from runcomfy_models._runtime.cli import cli
from runcomfy_models._runtime.cli.batch.pacing import START_SPACING, PollPacer
from runcomfy_models._runtime.emulator import FaultRule, RunningEmulator
from runcomfy_models._runtime.timings import MemoryTimings, timing_key
from runcomfy_models._runtime.transport import DeadlineReached

from .support import FAST, REFRAME, SQUARE, TOKEN, reframe_line, write_jsonl

POLICY = PollPolicy(initial=0.5, factor=2.0, max_interval=3.0)
KEY = timing_key(REFRAME, {"resolution": SQUARE}, ("resolution",))


class Clock:
    def __init__(self) -> None:
        self.now = 500.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def client() -> Iterator[AsyncRunComfy]:
    yield AsyncRunComfy(token="t", base_url="http://127.0.0.1:9", learn_timings=False)


def _pacer(clock: Clock, runs: list[float]) -> PollPacer:
    memory = MemoryTimings()
    for seconds in runs:
        memory.record(KEY, seconds)
    return PollPacer(POLICY, model_id=REFRAME, timings=memory, clock=clock)


def _submitted(client: AsyncRunComfy, clock: Clock) -> AsyncJob[GenericOutput]:
    return AsyncJob(
        client, "r1", model_id=REFRAME, output_type=GenericOutput, timing_key=KEY,
        submitted_at=clock.now,
    )  # fmt: skip


def test_a_submitted_job_is_first_polled_at_its_inputs_expected_finish(
    client: AsyncRunComfy,
) -> None:
    clock = Clock()
    loop = _pacer(clock, [40.0, 41.0, 42.0]).loop(
        "r1", GenericOutput, timeout=None, job=_submitted(client, clock)
    )
    # Nothing to find before the quickest finish (40 s): the first useful poll finds any job
    # that ended by 40 s + the lag (5% of the median, 41 s), at 42.05 s, then one every lag;
    # the policy's max_interval caps every sleep at 3 s on the way.
    sleeps = []
    while clock.now - 500.0 < 44.0:
        sleeps.append(loop.next_sleep())
        clock.now += sleeps[-1]
    assert sleeps[:14] == [3.0] * 14
    assert sleeps[14:] == pytest.approx([0.05, 2.05])


def test_a_job_picked_up_from_the_journal_is_paced_by_the_policy_alone() -> None:
    clock = Clock()
    loop = _pacer(clock, [40.0] * 5).loop("r1", GenericOutput, timeout=None)
    assert [loop.next_sleep() for _ in range(5)] == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_the_job_timeout_bounds_the_batchs_wait_loop(client: AsyncRunComfy) -> None:
    clock = Clock()
    loop = _pacer(clock, []).loop("r1", GenericOutput, timeout=2.0, job=_submitted(client, clock))
    clock.now += 2.0
    with pytest.raises(DeadlineReached):
        loop.next_sleep()


def test_a_batch_learns_its_jobs_run_times_and_polls_later_jobs_less(
    emu: RunningEmulator, tmp_path: Path
) -> None:
    emu.set_timings(run_seconds=2.1)
    inputs = write_jsonl(tmp_path / "in.jsonl", [reframe_line(i) for i in range(4)])
    # Every 2 s without history: a job of 2.1 s is asked about at 0, 2 and 4 s.
    args = ["--base-url", emu.base_url, *FAST[:4], "--poll-interval", "10", "batch"]
    args += [REFRAME, str(inputs), "--concurrency", "1"]
    result = CliRunner().invoke(cli, args, env={"RUNCOMFY_API_TOKEN": TOKEN})
    assert result.exit_code == 0, result.stderr
    routes = emu.stats()["routes"]
    assert routes["submit"] == 4
    # After three, the fourth is asked about at once and at its expected finish (2.35 s).
    assert routes["result"] <= 3 * 3 + 2


def test_a_batch_keeps_run_times_per_timing_input_in_the_machines_history(
    emu: RunningEmulator, tmp_path: Path
) -> None:
    # The emulator runs a job for 0.0005 s per unit of its resolution: 1024 -> 0.512 s,
    # 1152 -> 0.576 s; the two groups are interleaved in the file.
    emu.set_timings(run_seconds_input="resolution", run_seconds_per_unit=0.0005)
    wide = "1152:864 (4:3)"
    rows = [reframe_line(i, resolution=wide if i % 2 else SQUARE) for i in range(6)]
    inputs = write_jsonl(tmp_path / "in.jsonl", rows)
    cache = tmp_path / "cache"
    args = ["--base-url", emu.base_url, *FAST, "batch", REFRAME, str(inputs)]
    env = {
        "RUNCOMFY_API_TOKEN": TOKEN,
        "RUNCOMFY_TIMING_HISTORY": "on",
        "RUNCOMFY_CACHE_DIR": str(cache),
    }
    result = CliRunner().invoke(cli, [*args, "--concurrency", "2"], env=env)
    assert result.exit_code == 0, result.stderr
    from runcomfy_models._runtime.timings import default_history

    history = default_history(env)
    assert history is not None
    history.flush()
    db = sqlite3.connect(cache / "timings.sqlite3")
    rows_seen = db.execute("SELECT key, seconds FROM runs ORDER BY id").fetchall()
    db.close()
    learned: dict[str, list[float]] = {}
    for key, seconds in rows_seen:
        learned.setdefault(key, []).append(seconds)
    square = timing_key(REFRAME, {"resolution": SQUARE}, ("rendering_speed", "resolution"))
    assert learned.keys() == {square, timing_key(REFRAME, {"resolution": wide}, ("resolution",))}
    assert learned[square] == pytest.approx([0.512] * 3, abs=0.002)


def test_the_job_timeout_holds_when_a_result_body_drips(
    emu: RunningEmulator, tmp_path: Path
) -> None:
    # Every /result answer arrives 4 bytes a second: over a minute for one answer.
    emu.add_fault(FaultRule(route="result", kind="drip", delay=1.0))
    inputs = write_jsonl(tmp_path / "in.jsonl", [reframe_line(0)])
    args = ["--base-url", emu.base_url, *FAST, "batch", REFRAME, str(inputs)]
    result = CliRunner().invoke(
        cli, [*args, "--job-timeout", "1"], env={"RUNCOMFY_API_TOKEN": TOKEN}
    )
    assert "did not finish within 1s" in result.stderr


def test_a_job_that_runs_as_the_history_says_costs_one_poll(
    emu: RunningEmulator, tmp_path: Path
) -> None:
    from runcomfy_models._runtime.timings import TimingHistory

    emu.set_timings(run_seconds=0.4)
    cache = tmp_path / "cache"
    history = TimingHistory(cache / "timings.sqlite3")
    square = timing_key(REFRAME, {"resolution": SQUARE}, ("rendering_speed", "resolution"))
    for _ in range(5):
        history.record(square, 0.4)
    history.close()
    inputs = write_jsonl(tmp_path / "in.jsonl", [reframe_line(i) for i in range(4)])
    env = {
        "RUNCOMFY_API_TOKEN": TOKEN,
        "RUNCOMFY_TIMING_HISTORY": "on",
        "RUNCOMFY_CACHE_DIR": str(cache),
    }
    args = ["--base-url", emu.base_url, *FAST[:4], "batch", REFRAME, str(inputs)]
    result = CliRunner().invoke(cli, [*args, "--concurrency", "2"], env=env)
    assert result.exit_code == 0, result.stderr
    routes = emu.stats()["routes"]
    # No poll at once: the first comes at the expected end (0.4 s after the submit answered,
    # when the job has run that long and a little more on the server), and finds it done.
    assert (routes["submit"], routes["result"], routes["status"]) == (4, 4, 0)


def test_wait_still_polls_at_once(client: AsyncRunComfy) -> None:
    clock = Clock()
    memory = MemoryTimings()
    for _ in range(5):
        memory.record(KEY, 0.4)
    from runcomfy_models._runtime.waiting import WaitLoop

    job = _submitted(client, clock)
    loop = WaitLoop(
        request_id="r1", model_id=REFRAME, output_type=GenericOutput, policy=POLICY,
        timeout=None, on_update=None, clock=clock, timings=memory, timing_key=KEY,
        submitted_at=job.submitted_at,
    )  # fmt: skip
    assert loop.first_sleep() == 0.0
    batch = _pacer(clock, [0.4] * 5).loop("r1", GenericOutput, timeout=None, job=job)
    # where the job should end: the window is one point, so no room past it
    assert batch.first_sleep() == pytest.approx(0.4)


def test_the_workers_start_spaced_so_alike_jobs_do_not_end_together(
    emu: RunningEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from runcomfy_models._runtime.cli.batch import runner

    first_sleeps: dict[int, float] = {}
    sleep = runner.BatchRunner._sleep

    async def recording(self: runner.BatchRunner, seconds: float) -> None:
        first_sleeps.setdefault(id(asyncio.current_task()), seconds)
        await sleep(self, seconds)

    monkeypatch.setattr(runner.BatchRunner, "_sleep", recording)
    inputs = write_jsonl(tmp_path / "in.jsonl", [reframe_line(i) for i in range(8)])
    args = ["--base-url", emu.base_url, *FAST, "batch", REFRAME, str(inputs)]
    result = CliRunner().invoke(
        cli, [*args, "--concurrency", "5"], env={"RUNCOMFY_API_TOKEN": TOKEN}
    )
    assert result.exit_code == 0, result.stderr
    assert emu.stats()["routes"]["submit"] == 8
    # Each worker's first wait is its start: worker i starts i x START_SPACING after the first.
    assert sorted(first_sleeps.values()) == pytest.approx([i * START_SPACING for i in range(5)])
