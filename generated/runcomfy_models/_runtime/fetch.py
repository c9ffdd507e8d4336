"""Downloads and in-memory fetches of output files, sync: one attempt and the retry loop.

Derived by the generator from ``async_fetch.py``, the one source of both transfer loops: edit
that file, not this one.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx

from .config import RetryPolicy
from .downloads import (
    CHUNK_SIZE,
    DEFAULT_DOWNLOAD_RETRY,
    DEFAULT_DOWNLOAD_TIMEOUT,
    USER_AGENT,
    Budget,
    DownloadLimits,
    Retries,
    TransientFailure,
    check_download_status,
    check_download_url,
    download_request,
    file_errors,
    open_sink,
    transport_failure,
)
from .tls import shared_tls_context

__all__ = ["download_sync", "fetch_sync", "new_download_client_sync"]


def new_download_client_sync() -> httpx.Client:
    """A plain client for file hosts: redirects followed, no credentials of any kind."""
    return httpx.Client(
        follow_redirects=True,
        timeout=DEFAULT_DOWNLOAD_TIMEOUT,
        headers={"User-Agent": USER_AGENT},
        verify=shared_tls_context(),
    )


def _once_sync(
    http: httpx.Client,
    url: str,
    target: Path | None,
    budget: Budget,
) -> Any:
    """One attempt: stream ``url`` into ``target`` (or memory when None), within ``budget``."""
    try:
        response = http.send(
            download_request(http, url, budget), stream=True, auth=None, follow_redirects=True
        )
        try:
            check_download_status(response, url)
            budget.check_length(response)
            with open_sink(target, url) as out, file_errors(url, f"write {str(target)!r}"):
                for chunk in response.iter_bytes(CHUNK_SIZE):
                    budget.add(len(chunk))
                    out.write(chunk)
                return out.commit()
        finally:
            response.close()
    except httpx.HTTPError as exc:
        raise transport_failure(exc, url) from exc


def _retrying_sync(
    url: str,
    http: httpx.Client | None,
    retry: RetryPolicy | None,
    target: Path | None,
    limits: DownloadLimits | None,
) -> Any:
    check_download_url(url)
    retries = Retries(url, retry or DEFAULT_DOWNLOAD_RETRY)
    budget = Budget(url, limits)
    client = new_download_client_sync() if http is None else http
    try:
        while True:
            try:
                return _once_sync(client, url, target, budget)
            except TransientFailure as failure:
                time.sleep(retries.delay_or_raise(failure, budget))
    finally:
        if http is None:
            client.close()


def download_sync(
    url: str,
    target: Path,
    http: httpx.Client | None = None,
    *,
    retry: RetryPolicy | None = None,
    limits: DownloadLimits | None = None,
) -> Path:
    """Stream ``url`` into ``target`` atomically, retrying transient failures."""
    path: Path = _retrying_sync(url, http, retry, target, limits)
    return path


def fetch_sync(
    url: str,
    http: httpx.Client | None = None,
    *,
    retry: RetryPolicy | None = None,
    limits: DownloadLimits | None = None,
) -> bytes:
    """The whole content of ``url`` in memory, retrying transient failures."""
    content: bytes = _retrying_sync(url, http, retry, None, limits)
    return content
