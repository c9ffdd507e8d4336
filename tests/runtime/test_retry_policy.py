"""Pure retry logic: Retry-After parsing, backoff, and which failures may be retried."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from email.utils import format_datetime

import httpx
import pytest
from runcomfy_models._runtime import PollPolicy, RetryPolicy, backoff_delay, parse_retry_after
from runcomfy_models._runtime.retry import (
    exception_is_retryable,
    status_is_retryable,
    submit_never_sent,
)

NOW = datetime(2030, 1, 1, 12, 0, 0, tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("   ", None),
        ("0", 0.0),
        ("7", 7.0),
        (" 120 ", 120.0),
        ("1.5", 1.5),
        ("Tue, 01 Jan 2030 12:00:30 GMT", 30.0),  # HTTP date in the future
        ("Tue, 01 Jan 2030 11:59:00 GMT", 0.0),  # HTTP date in the past
        ("Tue, 01 Jan 2030 12:01:00 -0000", 60.0),  # naive form is GMT too
        ("Monday, 01-Jan-30 12:00:10 GMT", 10.0),  # obsolete RFC 850 form
        ("-5", None),  # negative
        ("soon", None),
        ("12abc", None),
        ("1e3", None),
        ("nan", None),
        ("inf", None),
        ("Tue, 99 Foo 2030 12:00:00 GMT", None),
        ("99999999999999999999", 1e20),  # huge: returned as is, capped by the caller
    ],
)
def test_parse_retry_after_table(value: str | None, expected: float | None) -> None:
    result = parse_retry_after(value, NOW)
    if expected is None:
        assert result is None
    else:
        assert result == pytest.approx(expected)


def test_parse_retry_after_absurdly_long_number_is_infinite_not_an_error() -> None:
    assert parse_retry_after("9" * 500, NOW) == math.inf


def test_parse_retry_after_formatted_date_round_trip() -> None:
    when = datetime.fromtimestamp(NOW + 42, tz=UTC)
    assert parse_retry_after(format_datetime(when, usegmt=True), NOW) == pytest.approx(42.0)


def test_backoff_grows_exponentially_and_is_capped() -> None:
    policy = RetryPolicy(base=0.5, cap=8.0, jitter=0.0)
    delays = [backoff_delay(n, policy) for n in range(7)]
    assert delays == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    assert backoff_delay(10_000, policy) == 8.0


def test_backoff_jitter_shortens_within_bounds() -> None:
    policy = RetryPolicy(base=1.0, cap=10.0, jitter=0.5)
    assert backoff_delay(1, policy, rand=0.0) == 2.0
    assert backoff_delay(1, policy, rand=0.5) == 1.5
    assert backoff_delay(1, policy, rand=0.999) == pytest.approx(1.001)


@pytest.mark.parametrize(
    ("retry_after", "expected"),
    [(3.0, 3.0), (0.0, 0.0), (1e20, 60.0), (math.inf, 60.0), (-1.0, 0.0)],
)
def test_retry_after_wins_and_is_capped(retry_after: float, expected: float) -> None:
    policy = RetryPolicy(base=0.5, cap=8.0, retry_after_cap=60.0, jitter=0.0)
    assert backoff_delay(0, policy, retry_after=retry_after) == expected


@pytest.mark.parametrize(
    "kwargs",
    [{"max_retries": -1}, {"base": -1.0}, {"cap": -1.0}, {"jitter": 1.5}, {"jitter": -0.1}],
)
def test_retry_policy_rejects_nonsense(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]


def test_poll_policy_backs_off_to_the_cap() -> None:
    policy = PollPolicy(initial=0.5, factor=2.0, max_interval=3.0)
    intervals = [policy.initial]
    for _ in range(4):
        intervals.append(policy.next_interval(intervals[-1]))
    assert intervals == [0.5, 1.0, 2.0, 3.0, 3.0]
    with pytest.raises(ValueError):
        PollPolicy(factor=0.5)


@pytest.mark.parametrize(
    ("status", "read", "submit"),
    [
        (400, False, False),
        (401, False, False),
        (402, False, False),
        (403, False, False),
        (404, False, False),
        (408, True, False),
        (422, False, False),
        (429, True, True),
        (500, True, False),
        (502, True, False),
        (503, True, False),
        (504, True, False),
    ],
)
def test_which_statuses_are_retried(status: int, read: bool, submit: bool) -> None:
    assert status_is_retryable(status, "read") is read
    assert status_is_retryable(status, "cancel") is read
    assert status_is_retryable(status, "submit") is submit


REQUEST = httpx.Request("POST", "https://api.test/v1/models/a/b")


@pytest.mark.parametrize(
    ("exc", "never_sent", "read_retry"),
    [
        (httpx.ConnectError("refused", request=REQUEST), True, True),
        (httpx.ConnectTimeout("slow connect", request=REQUEST), True, True),
        (httpx.PoolTimeout("pool", request=REQUEST), True, True),
        (httpx.ReadTimeout("slow answer", request=REQUEST), False, True),
        (httpx.WriteTimeout("slow upload", request=REQUEST), False, True),
        (httpx.RemoteProtocolError("dropped", request=REQUEST), False, True),
        (httpx.ReadError("reset", request=REQUEST), False, True),
        (httpx.WriteError("reset", request=REQUEST), False, True),
        (httpx.UnsupportedProtocol("ftp", request=REQUEST), False, False),
    ],
)
def test_which_exceptions_are_retried(
    exc: httpx.HTTPError, never_sent: bool, read_retry: bool
) -> None:
    assert submit_never_sent(exc) is never_sent
    assert exception_is_retryable(exc, "submit") is never_sent
    assert exception_is_retryable(exc, "read") is read_retry
    assert exception_is_retryable(exc, "cancel") is read_retry
