"""A property of ``batch --max-cost``: whatever faults, kills and reruns with whatever flags, the
money the emulator charged never passes the cap, and the journal never counts less than it.

A kill is a run that dies at its k-th journal write: every write is its own durable
transaction, so the journal is left as ``kill -9`` at that moment would leave it, while the
requests already sent have made their jobs on the server.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from runcomfy_models._runtime.cli.batch.journal import Journal
from runcomfy_models._runtime.emulator import FaultRule, RunningEmulator

from .support import REFRAME, invoke, reframe_line, write_jsonl

CAP = 0.2  # five jobs at $0.04
LINES = 8

FAULTS = st.sampled_from(
    [
        FaultRule("submit", "status_after", status=503, times=1),
        FaultRule("submit", "drop_after", times=1),
        FaultRule("submit", "drop_before", times=1),
        FaultRule("submit", "status", status=503, times=1),
        FaultRule("submit", "status", status=429, times=2),
        FaultRule("result", "status", status=503, times=2),
        FaultRule("result", "drop_before", times=1),
        FaultRule("result", "negative_cost", times=3),
    ]
)
RUNS = st.lists(
    st.fixed_dictionaries(
        {
            "faults": st.lists(FAULTS, min_size=1, max_size=4),
            # Early kills and failed jobs leave room under the cap for the reruns to fill.
            "kill_at": st.none() | st.integers(min_value=1, max_value=10),
            "outcome": st.sampled_from(["succeeded", "failed"]),
            "resubmit_unknown": st.sampled_from([True, True, False]),
            "retry_failed": st.sampled_from([True, True, False]),
            "concurrency": st.integers(min_value=1, max_value=4),
        }
    ),
    min_size=2,
    max_size=3,
)


class Killed(Exception):
    """The process died here."""


def _kill_at(monkeypatch: pytest.MonkeyPatch, at: int) -> None:
    """Make the ``at``-th journal write of the run, and every one after it, never happen."""
    writes = [0]
    for name in ("_update", "_upsert"):
        original = getattr(Journal, name)

        def dying(self: Journal, *args: Any, _original: Any = original, **kwargs: Any) -> None:
            writes[0] += 1
            if writes[0] >= at:
                raise Killed(f"killed at journal write {writes[0]}")
            _original(self, *args, **kwargs)

        monkeypatch.setattr(Journal, name, dying)


def _killed(exc: BaseException | None) -> bool:
    """Whether the run ended by the kill (alone, or with the tasks it stopped)."""
    if isinstance(exc, BaseExceptionGroup):
        return all(_killed(inner) for inner in exc.exceptions)
    return isinstance(exc, Killed)


@settings(
    max_examples=15,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(runs=RUNS)
def test_faults_kills_and_reruns_never_pass_the_cap(
    emulator_server: RunningEmulator, runs: list[dict[str, Any]]
) -> None:
    emu = emulator_server
    emu.reset()
    with tempfile.TemporaryDirectory() as folder:
        inputs = write_jsonl(Path(folder) / "in.jsonl", [reframe_line(i) for i in range(LINES)])
        for run in [*runs, {"faults": [], "kill_at": None, "outcome": "succeeded"}]:
            emu.clear_faults()
            for rule in run["faults"]:
                emu.add_fault(rule)
            emu.set_outcome(run["outcome"])
            flags = [flag for flag in ("resubmit_unknown", "retry_failed") if run.get(flag)]
            args = [
                "batch",
                REFRAME,
                str(inputs),
                "--max-cost",
                str(CAP),
                "--concurrency",
                str(run.get("concurrency", 2)),
                *(f"--{flag.replace('_', '-')}" for flag in flags),
            ]
            with pytest.MonkeyPatch.context() as patch:
                if run["kill_at"] is not None:
                    _kill_at(patch, run["kill_at"])
                result = invoke(args, base_url=emu.base_url)
            if not _killed(result.exception):
                assert result.exit_code in (0, 1), (result.exception, result.stderr)
            charged = float(emu.stats()["charged_usd"])
            assert charged <= CAP + 1e-9, (run, result.stderr)
            journal = Journal(Path(folder) / "in.jsonl.journal.db", REFRAME)
            try:
                spent, pending, unaccounted = journal.money()
            finally:
                journal.close()
            assert unaccounted == 0
            assert spent + pending >= charged - 1e-9, (run, result.stderr)
