"""Client settings: token and base URL resolution, timeouts, retry and polling policies."""

from __future__ import annotations

import ipaddress
import math
import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from .errors import (
    PY_INSECURE_HINT,
    TOKEN_ENV_VARS,
    InvalidInputError,
    InvalidTokenError,
    MissingTokenError,
)
from .policies import PollPolicy, RetryPolicy, check_max_retries, is_number

__all__ = [
    "BASE_URL_ENV_VARS",
    "DEFAULT_BASE_URL",
    "DEFAULT_TIMEOUT",
    "TOKEN_ENV_VARS",
    "PollPolicy",
    "RetryPolicy",
    "Secret",
    "TimeoutLike",
    "check_max_retries",
    "check_token",
    "is_loopback_host",
    "normalize_base_url",
    "resolve_base_url",
    "resolve_token",
    "to_timeout",
]

DEFAULT_BASE_URL = "https://model-api.runcomfy.net"
BASE_URL_ENV_VARS = ("RUNCOMFY_BASE_URL", "RUNCOMFY_MODEL_API_BASE")
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)

TimeoutLike = float | httpx.Timeout


class Secret:
    """Holds the API token so that it never shows up in a repr or a traceback's locals."""

    __slots__ = ("_value", "source")

    def __init__(self, value: str, source: str = "the token passed to the client") -> None:
        self._value = value
        self.source = source
        """Where the token came from, for messages (never the token itself)."""

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __reduce__(self) -> tuple[Any, ...]:
        raise TypeError("the API token cannot be pickled")


def resolve_token(token: str | None, environ: Mapping[str, str] | None = None) -> Secret | None:
    """The explicit token, else the first non-empty one of ``TOKEN_ENV_VARS``; None if none.

    Surrounding whitespace is dropped; a token that still holds anything but visible
    ASCII characters raises InvalidTokenError (it could not be sent in a header).
    """
    env = os.environ if environ is None else environ
    if token is not None:
        if not isinstance(token, str):
            raise InvalidTokenError(
                f"The API token passed to the client must be a string, not {type(token).__name__}."
            )
        if not token.strip():
            raise MissingTokenError("The API token passed to the client is empty.")
        return Secret(check_token(token.strip(), "The API token passed to the client"))
    for name in TOKEN_ENV_VARS:
        value = env.get(name, "").strip()
        if value:
            return Secret(
                check_token(value, f"The API token in {name}"),
                f"the {name} environment variable",
            )
    return None


def check_token(token: str, where: str) -> str:
    """``token`` if it is only visible ASCII characters, else InvalidTokenError (without it)."""
    if all("!" <= ch <= "~" for ch in token):
        return token
    if any(ch.isspace() for ch in token):
        problem = "whitespace or a line break"
    elif any(ord(ch) < 32 or ord(ch) == 127 for ch in token):
        problem = "a control character"
    else:
        problem = "a non-ASCII character"
    raise InvalidTokenError(
        f"{where} contains {problem}: an API token is visible ASCII characters only. "
        "Copy it again from your RunComfy dashboard."
    )


def resolve_base_url(
    base_url: str | None,
    environ: Mapping[str, str] | None = None,
    *,
    allow_insecure_http: bool = False,
) -> str:
    """The explicit base URL, else ``BASE_URL_ENV_VARS``, else the public API."""
    env = os.environ if environ is None else environ
    if base_url is None:
        for name in BASE_URL_ENV_VARS:
            value = env.get(name, "").strip()
            if value:
                base_url = value
                break
    return normalize_base_url(base_url or DEFAULT_BASE_URL, allow_insecure_http=allow_insecure_http)


def missing_token_error(base_url: str) -> MissingTokenError:
    """The error for a call without a token; against a loopback address it says any token works."""
    local = is_loopback_host(urlsplit(base_url).hostname or "")
    return MissingTokenError(emulator_url=base_url if local else None)


def is_loopback_host(host: str) -> bool:
    """``localhost`` (and ``*.localhost``) or a loopback IP address such as 127.0.0.1 or ::1."""
    name = host.strip("[]").rstrip(".").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def normalize_base_url(base_url: str, *, allow_insecure_http: bool = False) -> str:
    """Check that the URL is http(s) with a host; drop a trailing slash and a trailing ``/v1``.

    RunComfy's own CLI takes ``RUNCOMFY_MODEL_API_BASE`` with the version in it
    (``https://model-api.runcomfy.net/v1``); every path here adds ``/v1`` itself, so
    both forms name the same API.

    The token travels in every request, so plain ``http://`` is accepted only
    for loopback hosts (a local emulator) unless ``allow_insecure_http``.
    """
    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInputError(
            f"The base URL must be an http(s) URL with a host, got {base_url!r}"
        )
    if parts.query or parts.fragment or parts.username or parts.password:
        raise InvalidInputError("The base URL must not contain credentials, a query or a fragment")
    if parts.scheme == "http" and not allow_insecure_http and not is_loopback_host(parts.hostname):
        raise InvalidInputError(
            f"Refusing to send the API token over plain http to {parts.hostname!r}: use https"
            f"{PY_INSECURE_HINT} (plain http is accepted for loopback hosts such as 127.0.0.1 and localhost)."
        )
    path = parts.path.rstrip("/")
    if path.endswith("/v1"):
        path = path[: -len("/v1")]
    return f"{parts.scheme}://{parts.netloc}{path}".rstrip("/")


def to_timeout(
    value: TimeoutLike | None, default: httpx.Timeout = DEFAULT_TIMEOUT
) -> httpx.Timeout:
    if value is None:
        return default
    if isinstance(value, httpx.Timeout):
        return value
    if not is_number(value) or not 0 <= value < math.inf:
        raise InvalidInputError(
            f"timeout must be a number of seconds >= 0 or an httpx.Timeout, got {value!r}"
        )
    return httpx.Timeout(float(value))


def cap_timeout(timeout: httpx.Timeout, remaining: float | None) -> httpx.Timeout:
    """Shorten every part of ``timeout`` to at most ``remaining`` seconds (for deadlines)."""
    if remaining is None:
        return timeout
    limit = max(remaining, 0.001)

    def cap(part: float | None) -> float:
        return limit if part is None else min(part, limit)

    return httpx.Timeout(
        connect=cap(timeout.connect),
        read=cap(timeout.read),
        write=cap(timeout.write),
        pool=cap(timeout.pool),
    )
