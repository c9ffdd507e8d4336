"""Time to result in real time against the emulator, while run times change.

Three scenarios, each a series of rounds. In every round one job is followed by
``wait`` with the machine's timing history (the learned schedule) and, at the
same moment, one job of the same run time by ``wait`` without history (fixed
2 s polling, RunComfy's CLI): both over HTTP to an emulator in its own process.

- shift up: a history learned at 3.7 s, then jobs of 12.3 s;
- shift down: a history learned at 12.3 s, then jobs of 3.7 s;
- interleaved: one model, two input groups (``duration`` 5 and 15: 4.1 s and 12.3 s
  runs, the emulator's run time following the input), alternating, from no history.

Lag: from the job's end (the result's ``finished_at``) to the moment ``wait``
returned, both by this machine's clock. Requests: every ``/status`` and
``/result`` the job's client sent.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import benchlib as b

MODEL = "alibaba/happyhorse-1.1/image-to-video"
INPUTS = ("duration", "resolution")
PAYLOAD: dict[str, Any] = {"image_url": "https://example.com/cat.png", "prompt": "a cat"}
PER_UNIT = 0.82  # emulator run seconds per unit of ``duration``: 5 -> 4.1 s, 15 -> 12.3 s
SEEDED = 5  # runs in a seeded history


@dataclass
class Round:
    scenario: str
    index: int
    run: float
    learned_lag: float
    learned_requests: int
    fixed_lag: float
    fixed_requests: int


@dataclass(frozen=True)
class Scenario:
    name: str
    seeded: float | None  # the run time the history was learned at, if any
    runs: tuple[float | int, ...]  # per round: a run time in s, or a ``duration`` input (int)
    per_unit: float = PER_UNIT


def scenarios(rounds: int, scale: float) -> list[Scenario]:
    up, down = 12.3 * scale, 3.7 * scale
    return [
        Scenario("shift up (3.7 s -> 12.3 s)", 3.7 * scale, (up,) * rounds),
        Scenario("shift down (12.3 s -> 3.7 s)", 12.3 * scale, (down,) * rounds),
        Scenario("interleaved groups (4.1 s / 12.3 s)", None, (5, 15) * rounds, PER_UNIT * scale),
    ]


@contextmanager
def _history_env(folder: Path) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in ("RUNCOMFY_CACHE_DIR", "RUNCOMFY_TIMING_HISTORY")}
    os.environ.update(RUNCOMFY_CACHE_DIR=str(folder), RUNCOMFY_TIMING_HISTORY="on")
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


class Counted:
    """A client whose API requests are counted."""

    def __init__(self, url: str, *, learn: bool, policy: Any) -> None:
        import httpx
        from runcomfy_models import AsyncRunComfy

        self.requests = 0

        async def count(request: httpx.Request) -> None:
            self.requests += 1

        self.http = httpx.AsyncClient(event_hooks={"request": [count]})
        self.client = AsyncRunComfy(
            token="bench", base_url=url, http_client=self.http, learn_timings=learn, poll=policy
        )

    async def follow(self, payload: dict[str, Any]) -> tuple[float, int]:
        """Lag and requests of one job, from its submit to ``wait`` returning."""
        job = await self.client.submit(MODEL, payload, timing_inputs=INPUTS)
        before = self.requests - 1  # the submit is not a poll
        await job.wait(timeout=600)
        returned = time.time()
        result = job.last_result
        assert result is not None and result.finished_at is not None
        finished = datetime.fromisoformat(result.finished_at).timestamp()
        return returned - finished, self.requests - before - 1

    async def close(self) -> None:
        await self.http.aclose()


def _configure(url: str, **config: Any) -> None:
    import httpx

    httpx.post(f"{url}/_emulator/config", json=config, timeout=10).raise_for_status()


async def _scenario(url: str, scenario: Scenario, folder: Path, policy: Any) -> list[Round]:
    from runcomfy_models._runtime.timings import TimingHistory, timing_key

    b.emulator_reset(url)
    if scenario.seeded is not None:
        store = TimingHistory(folder / "timings.sqlite3")
        for _ in range(SEEDED):
            store.record(timing_key(MODEL, PAYLOAD, INPUTS), scenario.seeded)
        store.close()
    learned = Counted(url, learn=True, policy=policy)
    fixed = Counted(url, learn=False, policy=policy)
    rounds = []
    try:
        for index, run in enumerate(scenario.runs, start=1):
            payload = dict(PAYLOAD)
            if isinstance(run, int):
                per_unit = scenario.per_unit
                _configure(url, run_seconds_input="duration", run_seconds_per_unit=per_unit)
                payload["duration"] = run
                seconds = run * per_unit
            else:
                _configure(url, run_seconds=run, run_seconds_input="")
                seconds = run
            (l_lag, l_req), (f_lag, f_req) = await asyncio.gather(
                learned.follow(payload), fixed.follow(payload)
            )
            rounds.append(Round(scenario.name, index, seconds, l_lag, l_req, f_lag, f_req))
            b.log(f"{scenario.name} round {index}: learned {l_lag:.2f} s / {l_req}, "
                  f"fixed {f_lag:.2f} s / {f_req}")  # fmt: skip
    finally:
        await learned.close()
        await fixed.close()
    return rounds


def measure(rounds: int, scale: float = 1.0) -> list[Round]:
    """Every scenario's rounds, each scenario from its own (seeded or empty) history."""
    from runcomfy_models._runtime import PollPolicy
    from runcomfy_models._runtime.timings import _SHARED

    policy = PollPolicy(initial=2.0 * scale, max_interval=30.0)
    out: list[Round] = []
    with b.emulator_process() as url:
        for scenario in scenarios(rounds, scale):
            with tempfile.TemporaryDirectory() as tmp, _history_env(Path(tmp)):
                _SHARED.clear()  # a fresh history for each scenario
                out += asyncio.run(_scenario(url, scenario, Path(tmp), policy))
    return out


def rows(measured: list[Round], args: Any) -> list[b.Row]:
    """One row per round (lag, requests) and one verdict per scenario."""
    from runcomfy_models._runtime.schedule import target_lag

    out: list[b.Row] = []
    for name in dict.fromkeys(r.scenario for r in measured):
        mine = [r for r in measured if r.scenario == name]
        seen: dict[float, int] = {}
        for r in mine:
            seen[round(r.run, 3)] = seen.get(round(r.run, 3), 0) + 1
            row = b.Row(
                "time-to-result",
                f"real time, {name}, round {r.index} ({r.run:.1f} s job): lag learned",
                "s",
                [r.learned_lag],
                baseline=r.fixed_lag,
                note=f"requests {r.learned_requests} learned / {r.fixed_requests} fixed 2 s",
            )
            # After 3 runs at this run time: on target; always: fixed 2 s + 2 requests.
            on_time = seen[round(r.run, 3)] <= 3 or r.learned_lag <= target_lag(r.run) + 0.1
            row.ok = b.judge(args, on_time and r.learned_requests <= r.fixed_requests + 2)
            out.append(row)
        out.append(
            b.Row(
                "time-to-result",
                f"real time, {name}: median lag learned (fixed 2 s baseline), all rounds",
                "s",
                [r.learned_lag for r in mine],
                baseline=statistics.median(r.fixed_lag for r in mine),
                note=f"requests/job {statistics.mean(r.learned_requests for r in mine):.1f} "
                f"learned / {statistics.mean(r.fixed_requests for r in mine):.1f} fixed",
            )
        )
    return out
