"""Retry and polling policies: plain values, light to import (no HTTP library)."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import InvalidInputError

__all__ = ["DEFAULT_MAX_RETRIES", "PollPolicy", "RetryPolicy", "check_max_retries", "is_number"]

DEFAULT_MAX_RETRIES = 2


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _require_number(name: str, value: object) -> None:
    if not is_number(value):
        raise InvalidInputError(f"{name} must be a number, got {value!r}")


def check_max_retries(value: object) -> int:
    """``value`` if it is a whole number >= 0, else InvalidInputError."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidInputError(f"max_retries must be a whole number >= 0, got {value!r}")
    return value


@dataclass(frozen=True)
class RetryPolicy:
    """Capped exponential backoff with jitter for retried requests.

    The n-th retry (0-based) waits ``min(cap, base * 2**n)``, shortened by a
    random fraction of up to ``jitter`` (0 = no jitter, 1 = full jitter). A
    ``Retry-After`` answer header replaces that delay, capped at
    ``retry_after_cap``.
    """

    max_retries: int = DEFAULT_MAX_RETRIES
    base: float = 0.5
    cap: float = 8.0
    retry_after_cap: float = 60.0
    jitter: float = 0.25

    def __post_init__(self) -> None:
        check_max_retries(self.max_retries)
        for name in ("base", "cap", "retry_after_cap", "jitter"):
            _require_number(name, getattr(self, name))
        if not (self.base >= 0 and self.cap >= 0 and self.retry_after_cap >= 0):
            raise InvalidInputError("base, cap and retry_after_cap must be >= 0")
        if not 0.0 <= self.jitter <= 1.0:
            raise InvalidInputError("jitter must be between 0 and 1")


@dataclass(frozen=True)
class PollPolicy:
    """How often ``wait`` polls a job whose run time it cannot foresee (no timing history
    yet, still queued, or running past its expected finish): start at ``initial`` seconds,
    grow by ``factor``, up to ``max_interval``. The default polls every 2 seconds, as
    RunComfy's own CLI does. ``max_interval`` caps every sleep, also those of the learned
    schedule (see ``schedule``), the first one included; by default a job whose history
    says it runs long is still polled at least every 30 seconds."""

    initial: float = 2.0
    factor: float = 1.0
    max_interval: float = 30.0

    def __post_init__(self) -> None:
        for name in ("initial", "factor", "max_interval"):
            _require_number(name, getattr(self, name))
        # A zero interval would poll the API in a tight loop.
        if not self.initial > 0 or not self.max_interval > 0:
            raise InvalidInputError("initial and max_interval must be > 0 seconds")
        if not self.factor >= 1.0:
            raise InvalidInputError("factor must be >= 1")

    def next_interval(self, current: float) -> float:
        return min(self.max_interval, current * self.factor)
