"""``wait`` learns run times per model and timing inputs, and uses them (sync and async)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from runcomfy_models._runtime import ModelBinding, PollPolicy
from runcomfy_models._runtime.emulator import RunningEmulator
from runcomfy_models._runtime.timings import TimingHistory, timing_key

from .drivers import Driver
from .helpers import IMAGE_MODEL, IMAGE_PAYLOAD, REFRAME

POLL = PollPolicy(initial=0.25, factor=1.0, max_interval=0.25)


@pytest.fixture
def learning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RUNCOMFY_TIMING_HISTORY", "on")
    monkeypatch.setenv("RUNCOMFY_CACHE_DIR", str(tmp_path))
    return tmp_path


def _history(driver: Driver) -> TimingHistory:
    history = driver.client.timings
    assert isinstance(history, TimingHistory)
    return history


def test_interleaved_input_groups_each_learn_their_own_run_time(
    emu: RunningEmulator, new_driver: Callable[..., Driver], learning: Path
) -> None:
    # The emulator runs a job for 0.2 s per unit of its seed: 0.4 s and 1.2 s.
    emu.set_timings(run_seconds_input="seed", run_seconds_per_unit=0.2)
    driver = new_driver(poll=POLL)
    for seed in (2, 6, 2, 6, 2, 6):
        job = driver.submit(IMAGE_MODEL, {**IMAGE_PAYLOAD, "seed": seed}, timing_inputs=["seed"])
        assert job.timing_key == timing_key(IMAGE_MODEL, {"seed": seed}, ["seed"])
        driver.wait(job, timeout=20)
    history = _history(driver)
    history.flush()
    # Seen running at their first poll: the server's own timestamps give the run time.
    short = history.durations(timing_key(IMAGE_MODEL, {"seed": 2}, ["seed"]))
    long = history.durations(timing_key(IMAGE_MODEL, {"seed": 6}, ["seed"]))
    assert short == pytest.approx([0.4] * 3, abs=0.002)
    assert long == pytest.approx([1.2] * 3, abs=0.002)
    assert history.durations(IMAGE_MODEL) == []


def test_a_learned_group_is_polled_at_its_expected_finish(
    emu: RunningEmulator, new_driver: Callable[..., Driver], learning: Path
) -> None:
    emu.set_timings(run_seconds=1.1)
    driver = new_driver(poll=PollPolicy(initial=0.25, factor=1.0, max_interval=5.0))
    for _ in range(3):  # no history yet: every 0.25 s, five polls or so
        driver.wait(driver.submit(IMAGE_MODEL, IMAGE_PAYLOAD), timeout=20)
    before = emu.stats()["routes"]["status"]
    driver.wait(driver.submit(IMAGE_MODEL, IMAGE_PAYLOAD), timeout=20)
    # One poll at once, one at the expected finish (1.1 s + a quarter second).
    assert emu.stats()["routes"]["status"] - before == 2


def test_a_job_rebuilt_from_its_request_id_teaches_nothing(
    emu: RunningEmulator, new_driver: Callable[..., Driver], learning: Path
) -> None:
    emu.set_timings(run_seconds=0.3)
    driver = new_driver(poll=POLL)
    submitted = driver.submit(IMAGE_MODEL, IMAGE_PAYLOAD)
    rebuilt = driver.job(submitted.request_id, IMAGE_MODEL)
    assert rebuilt.timing_key is None and rebuilt.submitted_at is None
    driver.wait(rebuilt, timeout=20)
    assert _history(driver).durations(IMAGE_MODEL) == []


def test_a_binding_keys_its_jobs_by_its_timing_inputs(
    emu: RunningEmulator, new_driver: Callable[..., Driver], learning: Path
) -> None:
    binding = ModelBinding(
        IMAGE_MODEL,
        REFRAME.input_type,
        REFRAME.output_type,
        REFRAME.media,
        timing_inputs=("resolution",),
    )
    job = new_driver(poll=POLL).binding_submit(binding, {"image": IMAGE_PAYLOAD["image"]})
    # The default resolution is not sent: the key is the model's own.
    assert job.timing_key == IMAGE_MODEL
    sent = {"image": IMAGE_PAYLOAD["image"], "resolution": "1024:1024 (1:1)"}
    job = new_driver(poll=POLL).binding_submit(binding, sent)
    assert job.timing_key == timing_key(IMAGE_MODEL, sent, ("resolution",))
