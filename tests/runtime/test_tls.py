"""Every client of the process trusts the same roots through one TLS context."""

from __future__ import annotations

import ssl

import certifi
import httpx
import pytest
from runcomfy_models._runtime import AsyncRunComfy, RunComfy
from runcomfy_models._runtime.async_fetch import new_download_client_async
from runcomfy_models._runtime.fetch import new_download_client_sync
from runcomfy_models._runtime.tls import shared_tls_context


def _context_of(http: httpx.Client | httpx.AsyncClient) -> ssl.SSLContext:
    return http._transport._pool._ssl_context  # type: ignore[union-attr]


async def test_api_and_download_clients_share_one_context() -> None:
    context = shared_tls_context()
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    with RunComfy(token="t", base_url="https://api.example.com") as sync_client:
        assert _context_of(sync_client._http) is context
    async with AsyncRunComfy(token="t", base_url="https://api.example.com") as async_client:
        assert _context_of(async_client._http) is context
    with new_download_client_sync() as files:
        assert _context_of(files) is context
    async with new_download_client_async() as async_files:
        assert _context_of(async_files) is context


def test_a_different_ca_bundle_gets_its_own_context(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SSL_CERT_FILE", "SSL_CERT_DIR"):
        monkeypatch.delenv(name, raising=False)
    before = shared_tls_context()
    monkeypatch.setenv("SSL_CERT_FILE", certifi.where())
    other = shared_tls_context()
    assert other is not before
    assert shared_tls_context() is other
    monkeypatch.delenv("SSL_CERT_FILE")
    assert shared_tls_context() is before
