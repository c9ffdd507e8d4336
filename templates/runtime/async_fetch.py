"""Downloads and in-memory fetches of output files, async: one attempt and the retry loop.

The one source of both transfer loops: the generator derives the sync twin ``fetch.py`` from
this file (see ``downloads.py`` for the limits, targets and retry bookkeeping they share).
"""

from __future__ import annotations

import asyncio
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

__all__ = ["download_async", "fetch_async", "new_download_client_async"]


def new_download_client_async() -> httpx.AsyncClient:
    """A plain client for file hosts: redirects followed, no credentials of any kind."""
    return httpx.AsyncClient(
        follow_redirects=True,
        timeout=DEFAULT_DOWNLOAD_TIMEOUT,
        headers={"User-Agent": USER_AGENT},
        verify=shared_tls_context(),
    )


async def _once_async(
    http: httpx.AsyncClient,
    url: str,
    target: Path | None,
    budget: Budget,
) -> Any:
    """One attempt: stream ``url`` into ``target`` (or memory when None), within ``budget``."""
    try:
        response = await http.send(
            download_request(http, url, budget), stream=True, auth=None, follow_redirects=True
        )
        try:
            check_download_status(response, url)
            budget.check_length(response)
            with open_sink(target, url) as out, file_errors(url, f"write {str(target)!r}"):
                async for chunk in response.aiter_bytes(CHUNK_SIZE):
                    budget.add(len(chunk))
                    out.write(chunk)
                return out.commit()
        finally:
            await response.aclose()
    except httpx.HTTPError as exc:
        raise transport_failure(exc, url) from exc


async def _retrying_async(
    url: str,
    http: httpx.AsyncClient | None,
    retry: RetryPolicy | None,
    target: Path | None,
    limits: DownloadLimits | None,
) -> Any:
    check_download_url(url)
    retries = Retries(url, retry or DEFAULT_DOWNLOAD_RETRY)
    budget = Budget(url, limits)
    client = new_download_client_async() if http is None else http
    try:
        while True:
            try:
                return await _once_async(client, url, target, budget)
            except TransientFailure as failure:
                await asyncio.sleep(retries.delay_or_raise(failure, budget))
    finally:
        if http is None:
            await client.aclose()


async def download_async(
    url: str,
    target: Path,
    http: httpx.AsyncClient | None = None,
    *,
    retry: RetryPolicy | None = None,
    limits: DownloadLimits | None = None,
) -> Path:
    """Stream ``url`` into ``target`` atomically, retrying transient failures."""
    path: Path = await _retrying_async(url, http, retry, target, limits)
    return path


async def fetch_async(
    url: str,
    http: httpx.AsyncClient | None = None,
    *,
    retry: RetryPolicy | None = None,
    limits: DownloadLimits | None = None,
) -> bytes:
    """The whole content of ``url`` in memory, retrying transient failures."""
    content: bytes = await _retrying_async(url, http, retry, None, limits)
    return content
