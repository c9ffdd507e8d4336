"""Pure retry decisions and backoff computation, shared by the sync and async clients.

A submit creates a paid job and the API has no idempotency key, so it is only
retried when the request certainly did not create a job: the connection was
never established, or the server answered 429 ("rate limited; retry in a
moment"). Any 5xx, a read timeout or a connection dropped after the request
was written may have created a job, as RunComfy's own clients assume: those
are never resent.
"""

from __future__ import annotations

import math
import re
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import Literal

import httpx

from .config import RetryPolicy

__all__ = [
    "RequestKind",
    "backoff_delay",
    "exception_is_retryable",
    "parse_retry_after",
    "status_is_retryable",
    "submit_never_sent",
]

RequestKind = Literal["submit", "read", "cancel"]
"""``submit`` creates a job (not idempotent); ``read`` and ``cancel`` are safe to repeat."""

RETRYABLE_STATUSES = frozenset({408, 429})
SUBMIT_RETRYABLE_STATUSES = frozenset({429})

_NEVER_SENT = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.LocalProtocolError,
)
# Sending again cannot help: the request itself is malformed (h11 refused to write it).
_NEVER_RETRIED = (httpx.UnsupportedProtocol, httpx.LocalProtocolError)
_DELTA_SECONDS = re.compile(r"\d+(?:\.\d+)?")


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait according to a ``Retry-After`` header, or None when absent or invalid.

    Accepts delta-seconds (``"120"``, leniently ``"1.5"``) and HTTP dates; ``now``
    is the current Unix time used for dates. A date in the past gives 0. Huge
    values are returned as they are (possibly ``inf``): the caller caps them.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if _DELTA_SECONDS.fullmatch(text):
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        # RFC 9110 dates are always GMT; "-0000" parses as naive.
        when = when.replace(tzinfo=UTC)
    try:
        delay = when.timestamp() - now
    except (OverflowError, OSError, ValueError):
        return None
    return max(0.0, delay)


def backoff_delay(
    retry_index: int,
    policy: RetryPolicy,
    *,
    retry_after: float | None = None,
    rand: float = 0.0,
) -> float:
    """Seconds to sleep before retry number ``retry_index`` (0-based).

    ``rand`` is a number in [0, 1) that drives the jitter. A server's
    ``Retry-After`` wins over the computed backoff, capped at ``retry_after_cap``.
    """
    if retry_after is not None and not math.isnan(retry_after):
        return min(max(retry_after, 0.0), policy.retry_after_cap)
    exponential = policy.base * (2.0 ** min(retry_index, 62))
    delay = min(policy.cap, exponential)
    return delay * (1.0 - policy.jitter * rand)


def status_is_retryable(status_code: int, kind: RequestKind) -> bool:
    """True if an answer with this HTTP status may be retried for this kind of request."""
    if kind == "submit":
        return status_code in SUBMIT_RETRYABLE_STATUSES
    return status_code in RETRYABLE_STATUSES or 500 <= status_code <= 599


def submit_never_sent(exc: httpx.HTTPError) -> bool:
    """True if the error proves that no byte of the request reached a server."""
    return isinstance(exc, _NEVER_SENT)


def exception_is_retryable(exc: httpx.HTTPError, kind: RequestKind) -> bool:
    """True if a request that failed with ``exc`` may be sent again."""
    if isinstance(exc, _NEVER_RETRIED):
        return False
    if kind == "submit":
        return submit_never_sent(exc)
    return isinstance(exc, httpx.TransportError)
