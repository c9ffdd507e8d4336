"""The emulator's state: catalog, jobs, outcome and timings, fault rules, counters.

HTTP-free and thread-safe: the server's event loop and a test's thread may
use it at the same time.
"""

from __future__ import annotations

import hmac
import math
import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from math import inf
from typing import Any, Final, Literal

from .catalog import Catalog, job_cost
from .faults import FaultBook, FaultRule
from .input_schema import InputIssue, InputValidator
from .jobs import JOB_STATES, OUTCOMES, Job, JobView, Outcome
from .media import plan_output
from .shapes import Shapes
from .stats import SUBMIT_REJECTED, Stats

# A string input containing this marker makes that job fail, whatever the outcome setting.
FAIL_MARKER: Final = "[emulator:fail]"

# What the balance endpoint reports for an emulator started without a wallet (less charges).
UNLIMITED_BALANCE: Final = 1_000_000.0
_CENT_SLACK: Final = 1e-9

CancelOutcome = Literal["cancelled", "not_cancellable"]


class InsufficientBalance(Exception):
    """A submit the wallet cannot pay for (RunComfy's error 400002): no job is made."""


_LEADING_NUMBER: Final = re.compile(r"\s*\d+(\.\d+)?")

Clock = Callable[[], float]


class Emulator:
    """A stateful stand-in for the RunComfy Model API, without the HTTP.

    `clock` returns seconds since the epoch (default `time.time`); inject a
    controllable one to move jobs through their states deterministically.
    Each job keeps the outcome and timings in force when it was submitted. With
    `run_seconds_input` set, a job's run time depends on its input: the number that
    input holds (`5`, `"10"`, `"720p"`) times `run_seconds_per_unit` seconds; a job
    without a number there runs `run_seconds`.
    """

    def __init__(
        self,
        catalog: Iterable[Mapping[str, Any]],
        *,
        token: str | None = None,
        queue_seconds: float = 0.0,
        run_seconds: float = 0.0,
        outcome: Outcome = "succeeded",
        faults: Sequence[FaultRule] = (),
        clock: Clock | None = None,
        shapes: Shapes | None = None,
        balance: float | None = None,
        run_seconds_input: str | None = None,
        run_seconds_per_unit: float = 1.0,
    ) -> None:
        self.catalog = Catalog(catalog)
        self.shapes = shapes if shapes is not None else Shapes()
        self._token = token
        self._clock: Clock = clock if clock is not None else time.time
        self._lock = threading.RLock()
        self._validator = InputValidator()
        self._initial = (_checked_outcome(outcome), _seconds(queue_seconds), _seconds(run_seconds))
        self._outcome, self._queue_seconds, self._run_seconds = self._initial
        self._initial_run_input = (_input_name(run_seconds_input), _per_unit(run_seconds_per_unit))
        self._run_input, self._run_per_unit = self._initial_run_input
        self._faults = FaultBook(faults)
        self._jobs: dict[str, Job] = {}
        self._stats = Stats()
        self._generation = 0
        self._initial_balance = _wallet(balance)
        self._balance = self._initial_balance

    # -- configuration -------------------------------------------------------

    @property
    def token_required(self) -> bool:
        return self._token is not None

    def authorized(self, authorization: str | None) -> bool:
        """Whether an `Authorization` header value carries the expected bearer token."""
        if self._token is None:
            return True
        scheme, _, given = (authorization or "").partition(" ")
        if scheme.lower() != "bearer":
            return False
        return hmac.compare_digest(given.strip().encode(), self._token.encode())

    def now(self) -> float:
        return self._clock()

    def set_outcome(self, outcome: Outcome) -> None:
        """The outcome of jobs submitted from now on: "succeeded" or "failed"."""
        self.configure(outcome=outcome)

    def set_timings(
        self, *, queue_seconds: float | None = None, run_seconds: float | None = None
    ) -> None:
        """Queue and run durations of jobs submitted from now on; None leaves one as it is."""
        self.configure(queue_seconds=queue_seconds, run_seconds=run_seconds)

    def configure(
        self,
        *,
        outcome: Outcome | None = None,
        queue_seconds: float | None = None,
        run_seconds: float | None = None,
        run_seconds_input: str | None = None,
        run_seconds_per_unit: float | None = None,
    ) -> None:
        """Change any of outcome and timings at once; nothing changes if one is invalid.

        `run_seconds_input=""` makes run times independent of the inputs again.
        """
        new_outcome = None if outcome is None else _checked_outcome(outcome)
        queue = None if queue_seconds is None else _seconds(queue_seconds)
        run = None if run_seconds is None else _seconds(run_seconds)
        run_input = None if run_seconds_input is None else _input_name(run_seconds_input)
        per_unit = None if run_seconds_per_unit is None else _per_unit(run_seconds_per_unit)
        with self._lock:
            if run_seconds_input is not None:
                self._run_input = run_input
            if per_unit is not None:
                self._run_per_unit = per_unit
            if new_outcome is not None:
                self._outcome = new_outcome
            if queue is not None:
                self._queue_seconds = queue
            if run is not None:
                self._run_seconds = run

    def config(self) -> dict[str, Any]:
        with self._lock:
            return {
                "outcome": self._outcome,
                "queue_seconds": self._queue_seconds,
                "run_seconds": self._run_seconds,
                "run_seconds_input": self._run_input,
                "run_seconds_per_unit": self._run_per_unit,
                "token_required": self.token_required,
                "shapes": self.shapes.to_dict(),
            }

    # -- the wallet --------------------------------------------------------------

    def set_balance(self, usd: float | None) -> None:
        """Start the wallet again with ``usd`` (None: unlimited); charges so far stay charged."""
        with self._lock:
            wallet = _wallet(usd)
            self._balance = None if wallet is None else wallet + self._charged(self._clock())

    def balance(self) -> float:
        """What the wallet holds now: its start less the cost of every succeeded job
        (:data:`UNLIMITED_BALANCE` less that without a wallet)."""
        with self._lock:
            start = UNLIMITED_BALANCE if self._balance is None else self._balance
            return round(start - self._charged(self._clock()), 6)

    def charged(self) -> float:
        """The total cost of the succeeded jobs (what the account paid)."""
        with self._lock:
            return self._charged(self._clock())

    def _charged(self, now: float) -> float:
        return round(
            sum(job.cost for job in self._jobs.values() if job.state(now) == "succeeded"), 6
        )

    def _check_funds(self, cost: float, now: float) -> None:
        """Refuse a job the wallet cannot pay for, with what jobs in flight will cost held."""
        if self._balance is None:
            return
        held = sum(
            job.cost for job in self._jobs.values() if job.state(now) in ("in_queue", "in_progress")
        )
        available = self._balance - self._charged(now) - held
        if available + _CENT_SLACK < cost:
            raise InsufficientBalance(
                f"Insufficient balance: the job costs ${cost:.2f} and ${max(available, 0):.2f} "
                "is left"
            )

    # -- faults ----------------------------------------------------------------

    def add_fault(self, rule: FaultRule) -> None:
        self._faults.add(rule)

    def clear_faults(self) -> None:
        self._faults.clear()

    def fault_rules(self) -> list[FaultRule]:
        return self._faults.rules()

    def take_fault(self, route: str, model_id: str | None) -> FaultRule | None:
        """The fault to inject into this request, if any (counted in the stats)."""
        rule = self._faults.take(route, model_id)
        if rule is not None:
            with self._lock:
                self._stats.count_fault(route)
        return rule

    # -- jobs ----------------------------------------------------------------

    def validate(self, model_id: str, body: Any) -> list[InputIssue]:
        """Why `body` is not a valid input for the model (empty when it is)."""
        entry = self.catalog.get(model_id)
        if entry is None:
            raise KeyError(model_id)
        with self._lock:
            return self._validator.issues(model_id, entry["input_schema"], body)

    def submit(
        self, model_id: str, inputs: Mapping[str, Any], *, generation: int | None = None
    ) -> Job:
        """Create a job (the caller has validated `inputs`) and count it.

        A request that arrived before the last reset (`generation` older than
        the current one) gets its job, but it is neither kept nor counted.
        """
        entry = self.catalog.get(model_id)
        if entry is None:
            raise KeyError(model_id)
        media = plan_output(entry, inputs)
        cost = job_cost(entry, inputs)
        with self._lock:
            self._check_funds(cost, self._clock())
            outcome: Outcome = "failed" if _contains_marker(inputs) else self._outcome
            job = Job(
                request_id=str(uuid.uuid4()),
                model_id=model_id,
                created_at=self._clock(),
                queue_seconds=self._queue_seconds,
                run_seconds=self._job_run_seconds(inputs),
                outcome=outcome,
                media=media,
                cost=cost,
            )
            if self._is_current(generation):
                self._jobs[job.request_id] = job
                self._stats.count("submit", model_id)
        return job

    def _job_run_seconds(self, inputs: Mapping[str, Any]) -> float:
        units = None if self._run_input is None else _number_in(inputs.get(self._run_input))
        return self._run_seconds if units is None else units * self._run_per_unit

    def job(self, request_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(request_id)

    def view(self, job: Job) -> JobView:
        with self._lock:
            now = self._clock()
            state = job.state(now)
            position = self._queue_position(job, now) if state == "in_queue" else None
            return JobView(job, state, position, job.finished_at(now))

    def _queue_position(self, job: Job, now: float) -> int:
        ahead = 0
        for other in self._jobs.values():
            if other is job:
                break
            if other.state(now) == "in_queue":
                ahead += 1
        return ahead

    def cancel(self, request_id: str) -> CancelOutcome | None:
        """Cancel a queued job; None if there is no such job."""
        with self._lock:
            job = self._jobs.get(request_id)
            if job is None:
                return None
            now = self._clock()
            state = job.state(now)
            if state == "in_queue":
                job.cancelled_at = now
                return "cancelled"
            return "cancelled" if state == "cancelled" else "not_cancellable"

    # -- counters ------------------------------------------------------------

    @property
    def generation(self) -> int:
        """Changes on every reset; requests carry it so that one still in flight
        across a reset (a slow one, say) does not count after it."""
        with self._lock:
            return self._generation

    def _is_current(self, generation: int | None) -> bool:
        return generation is None or generation == self._generation

    def count(self, route: str, model_id: str | None = None, generation: int | None = None) -> None:
        """Count a request that was processed (submits count through `submit`)."""
        with self._lock:
            if self._is_current(generation):
                self._stats.count(route, model_id if model_id in self.catalog else None)

    def count_rejected_submit(self, model_id: str | None, generation: int | None = None) -> None:
        """Count a submit that created no job."""
        self.count(SUBMIT_REJECTED, model_id, generation)

    def stats(self) -> dict[str, Any]:
        with self._lock:
            now = self._clock()
            states: Counter[str] = Counter(job.state(now) for job in self._jobs.values())
            snapshot = self._stats.snapshot(states, JOB_STATES)
            snapshot["charged_usd"] = self._charged(now)
            return snapshot

    def reset(self) -> None:
        """Forget jobs, counters and fault rules; restore the starting outcome and timings."""
        with self._lock:
            self._generation += 1
            self._jobs.clear()
            self._stats = Stats()
            self._outcome, self._queue_seconds, self._run_seconds = self._initial
            self._balance = self._initial_balance
            self._run_input, self._run_per_unit = self._initial_run_input
        self._faults.clear()


def _checked_outcome(outcome: str) -> Outcome:
    for allowed in OUTCOMES:
        if outcome == allowed:
            return allowed
    raise ValueError(f"outcome must be one of {OUTCOMES}, got {outcome!r}")


def _wallet(usd: float | None) -> float | None:
    if usd is None:
        return None
    if isinstance(usd, bool) or not isinstance(usd, int | float) or not usd >= 0 or usd == inf:
        raise ValueError(f"the balance must be a finite number of USD >= 0, got {usd!r}")
    return float(usd)


def _seconds(value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        raise ValueError(f"durations must be non-negative numbers of seconds, got {value!r}")
    return float(value)


def _input_name(name: str | None) -> str | None:
    if name is not None and not isinstance(name, str):
        raise ValueError(f"run_seconds_input must be an input name, got {name!r}")
    return name or None


def _per_unit(value: float) -> float:
    if _seconds(value) <= 0:
        raise ValueError(f"run_seconds_per_unit must be more than 0, got {value!r}")
    return float(value)


def _number_in(value: Any) -> float | None:
    """The number an input holds: 5, 2.5, "10", "720p", "5s"; None if none (or negative)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    else:
        found = _LEADING_NUMBER.match(value) if isinstance(value, str) else None
        if found is None:
            return None
        number = float(found.group(0))
    return number if math.isfinite(number) and number >= 0 else None


def _contains_marker(value: Any) -> bool:
    if isinstance(value, str):
        return FAIL_MARKER in value
    if isinstance(value, Mapping):
        return any(_contains_marker(item) for item in value.values())
    if isinstance(value, list):
        return any(_contains_marker(item) for item in value)
    return False
