"""Reading RunComfy's model catalog over HTTP: one model, or every model page by page.

Catalog reads are GETs, safe to repeat: 429, 5xx and connection failures are retried with a small
capped exponential backoff (``Retry-After`` honoured up to the cap). The token goes only into the
``Authorization`` header and is scrubbed from every error message.
"""

from __future__ import annotations

import ipaddress
import math
import os
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from runcomfy_codegen import __version__

DEFAULT_BASE_URL = "https://model-api.runcomfy.net"
TOKEN_ENV_VARS = ("RUNCOMFY_API_TOKEN", "RUNCOMFY_TOKEN")
BASE_URL_ENV_VARS = ("RUNCOMFY_BASE_URL", "RUNCOMFY_MODEL_API_BASE")
DEFAULT_PAGE_SIZE = 100

EXIT_FAILED = 1
EXIT_SERVER = 69
EXIT_AUTH = 77

_TOKEN_PROBLEM = 400004
_BAD_MODEL_ID = 400001


class CatalogError(Exception):
    """The catalog could not be read; ``exit_code`` says why (see the ``EXIT_*`` constants)."""

    exit_code = EXIT_SERVER


class ConfigError(CatalogError):
    """The client was set up wrong (a bad base URL)."""

    exit_code = 2


class AuthError(CatalogError):
    exit_code = EXIT_AUTH


class ServerError(CatalogError):
    exit_code = EXIT_SERVER


class RequestRejected(CatalogError):
    """A 4xx answer other than authentication: the request itself was wrong."""

    exit_code = EXIT_FAILED


def resolve_token(environ: Mapping[str, str] | None = None) -> str | None:
    """The first non-empty token of ``TOKEN_ENV_VARS``, None if none.

    A token holding anything but visible ASCII characters could not be sent in a header:
    AuthError, which never shows the token.
    """
    env = os.environ if environ is None else environ
    for name in TOKEN_ENV_VARS:
        value = env.get(name, "").strip()
        if value:
            if not all("!" <= ch <= "~" for ch in value):
                raise AuthError(
                    f"the API token in {name} holds spaces, control or non-ASCII characters"
                )
            return value
    return None


def resolve_base_url(given: str | None, environ: Mapping[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    candidates = [given, *(env.get(name) for name in BASE_URL_ENV_VARS)]
    for value in candidates:
        if value and value.strip():
            return value.strip().rstrip("/")
    return DEFAULT_BASE_URL


def _is_loopback_host(host: str) -> bool:
    """``localhost`` (and ``*.localhost``) or a loopback IP address such as 127.0.0.1 or ::1."""
    name = host.strip("[]").rstrip(".").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class RetrySettings:
    retries: int = 4
    """Retries after the first attempt."""
    backoff: float = 0.25
    """Seconds before the first retry; doubled for each next one."""
    max_backoff: float = 4.0


class CatalogClient:
    """A small synchronous client for ``GET /v1/models`` and ``GET /v1/models/{model_id}``."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        retry: RetrySettings | None = None,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not base_url.startswith(("https://", "http://")):
            raise ConfigError(f"base URL must start with https:// or http://, got {base_url!r}")
        host = urlsplit(base_url).hostname or ""
        if base_url.startswith("http://") and not _is_loopback_host(host):
            raise ConfigError(
                f"refusing to send the API token over plain http to {host!r}: use https "
                "(plain http is accepted for loopback hosts such as 127.0.0.1 and localhost)"
            )
        self.base_url = base_url.rstrip("/")
        self._token = token
        self._retry = retry or RetrySettings()
        self._sleep = sleep
        self._http = httpx.Client(
            base_url=self.base_url,
            headers={
                "Authorization": f"Bearer {token}",
                "Accept": "application/json",
                "User-Agent": f"runcomfy-codegen/{__version__}",
            },
            timeout=timeout,
            transport=transport,
            follow_redirects=False,
        )

    def __enter__(self) -> CatalogClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _scrub(self, text: str) -> str:
        return text.replace(self._token, "***") if self._token else text

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        cap = self._retry.max_backoff
        if retry_after is not None:
            try:
                seconds = float(retry_after)
            except ValueError:
                seconds = math.nan
            if math.isfinite(seconds):
                return min(max(seconds, 0.0), cap)
        base: float = min(self._retry.backoff * 2.0**attempt, cap)
        return base * (0.5 + random.random() / 2)  # noqa: S311 - jitter, not security

    def _get(self, path: str, params: Mapping[str, str | int] | None = None) -> Any:
        """GET with retries; returns the JSON body, or ``None`` for an unknown model."""
        attempts = self._retry.retries + 1
        last = ""
        retry_after: str | None = None
        for attempt in range(attempts):
            if attempt:
                self._sleep(self._delay(attempt - 1, retry_after))
                retry_after = None
            try:
                response = self._http.get(path, params=params)
            except httpx.TransportError as exc:
                last = f"cannot reach {self.base_url} ({type(exc).__name__})"
                continue
            status = response.status_code
            body = _json(response)
            code, message = _error_of(body)
            if status in (401, 403) or code == _TOKEN_PROBLEM:
                raise AuthError(
                    self._scrub(
                        f"the catalog rejected the API token (HTTP {status}"
                        f"{f', error {code}' if code else ''}): check RUNCOMFY_API_TOKEN"
                    )
                )
            if status == 404 or code == _BAD_MODEL_ID:
                return None
            if status == 429 or status >= 500 or (code is not None and code >= 500000):
                retry_after = response.headers.get("Retry-After")
                last = f"HTTP {status} from {self.base_url}{path}"
                last += f": {message}" if message else ""
                continue
            if status >= 400 or code is not None:
                raise RequestRejected(
                    self._scrub(
                        f"HTTP {status} from {self.base_url}{path}: {message or 'rejected'}"
                    )
                )
            if body is _NOT_JSON:
                raise ServerError(f"the answer from {self.base_url}{path} is not JSON")
            return body
        raise ServerError(self._scrub(f"{last} (gave up after {attempts} attempts)"))

    def get_model(self, model_id: str) -> dict[str, Any] | None:
        """One catalog entry with its schemas, or ``None`` when the catalog does not know it."""
        body = self._get(f"/v1/models/{quote(model_id, safe='/')}")  # as the runtime does
        if body is None:
            return None
        if not isinstance(body, dict):
            raise ServerError(f"the catalog answered {type(body).__name__} for {model_id}")
        return body

    def list_models(
        self,
        *,
        category: str | None = None,
        search: str | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> list[dict[str, Any]]:
        """Every entry (with schemas) matching the filters, reading page after page to ``total``."""
        models: list[dict[str, Any]] = []
        offset = 0
        while True:
            params: dict[str, str | int] = {
                "include_schema": "true",
                "limit": page_size,
                "offset": offset,
            }
            if category:
                params["category"] = category
            if search:
                params["search"] = search
            body = self._get("/v1/models", params)
            if not isinstance(body, dict):
                raise ServerError("the catalog list is not a JSON object")
            page, total = body.get("models"), body.get("total")
            if not isinstance(page, list) or not isinstance(total, int) or isinstance(total, bool):
                raise ServerError("the catalog list lacks 'models' (a list) or 'total' (a number)")
            models.extend(m for m in page if isinstance(m, dict))
            offset += len(page)
            if not page or offset >= total:
                return models


_NOT_JSON = object()


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return _NOT_JSON


def _error_of(body: Any) -> tuple[int | None, str]:
    """RunComfy's error shape ``{error_code, error_message}``, also seen inside HTTP 200 answers."""
    if not isinstance(body, dict) or "error_code" not in body:
        return None, ""
    code = body.get("error_code")
    message = body.get("error_message")
    number = code if isinstance(code, int) and not isinstance(code, bool) else 0
    text = message if isinstance(message, str) else ""
    return number, "".join(ch if ch.isprintable() else "?" for ch in text[:300])
