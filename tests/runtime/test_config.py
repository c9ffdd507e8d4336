"""Token and base URL resolution, options, reprs."""

from __future__ import annotations

import pickle

import httpx
import pytest
from runcomfy_models._runtime import (
    DEFAULT_BASE_URL,
    AsyncRunComfy,
    InvalidInputError,
    MissingTokenError,
    PollPolicy,
    RetryPolicy,
    RunComfy,
)
from runcomfy_models._runtime.config import Secret, cap_timeout, resolve_base_url, resolve_token

from .helpers import TOKEN


def test_token_argument_wins_over_environment() -> None:
    env = {"RUNCOMFY_API_TOKEN": "env-a", "RUNCOMFY_TOKEN": "env-b"}
    assert resolve_token("arg", env).reveal() == "arg"  # type: ignore[union-attr]
    assert resolve_token(None, env).reveal() == "env-a"  # type: ignore[union-attr]
    assert resolve_token(None, {"RUNCOMFY_TOKEN": "env-b"}).reveal() == "env-b"  # type: ignore[union-attr]
    assert resolve_token(None, {"RUNCOMFY_API_TOKEN": "  ", "RUNCOMFY_TOKEN": "b"}).reveal() == "b"  # type: ignore[union-attr]
    assert resolve_token(None, {}) is None
    with pytest.raises(MissingTokenError):
        resolve_token("  ", {})


def test_base_url_resolution_order() -> None:
    env = {"RUNCOMFY_BASE_URL": "http://127.0.0.1:1/", "RUNCOMFY_MODEL_API_BASE": "https://b.test"}
    assert resolve_base_url("https://arg.test/api/", env) == "https://arg.test/api"
    assert resolve_base_url(None, env) == "http://127.0.0.1:1"
    assert resolve_base_url(None, {"RUNCOMFY_MODEL_API_BASE": "https://b.test"}) == "https://b.test"
    assert resolve_base_url(None, {}) == DEFAULT_BASE_URL == "https://model-api.runcomfy.net"


@pytest.mark.parametrize(
    "url",
    ["ftp://x.test", "file:///etc", "model-api.runcomfy.net", "https://", "https://u:p@x.test"],
)
def test_bad_base_urls_are_refused(url: str) -> None:
    with pytest.raises(InvalidInputError):
        resolve_base_url(url, {})


def test_client_reads_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNCOMFY_TOKEN", TOKEN)
    monkeypatch.setenv("RUNCOMFY_MODEL_API_BASE", "http://127.0.0.1:9")
    with RunComfy() as client:
        assert client.base_url == "http://127.0.0.1:9"
        assert repr(client) == "RunComfy(base_url='http://127.0.0.1:9')"


def test_repr_and_vars_never_show_the_token() -> None:
    with RunComfy(TOKEN, base_url="http://127.0.0.1:9") as client:
        assert TOKEN not in repr(client)
        assert TOKEN not in str(vars(client))
    secret = Secret(TOKEN)
    assert TOKEN not in repr(secret) and TOKEN not in str(secret) and TOKEN not in f"{secret}"
    with pytest.raises(TypeError):
        pickle.dumps(secret)


async def test_async_repr() -> None:
    async with AsyncRunComfy(TOKEN, base_url="http://127.0.0.1:9") as client:
        assert repr(client) == "AsyncRunComfy(base_url='http://127.0.0.1:9')"


def test_missing_token_is_reported_at_first_request_with_what_to_set() -> None:
    calls: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200)

    transport = httpx.MockTransport(answer)
    http = httpx.Client(transport=transport)
    with (
        RunComfy(base_url="http://127.0.0.1:9", http_client=http) as c,
        pytest.raises(MissingTokenError) as info,
    ):
        c.status("r1")
    assert "RUNCOMFY_API_TOKEN" in str(info.value) and "RUNCOMFY_TOKEN" in str(info.value)
    assert info.value.exit_code == 77
    assert calls == []


def test_options() -> None:
    client = RunComfy(
        TOKEN,
        base_url="http://127.0.0.1:9",
        timeout=3.0,
        max_retries=7,
        retry=RetryPolicy(base=0.1, cap=1.0),
    )
    with client:
        assert client.timeout == httpx.Timeout(3.0)
        assert client.max_retries == 7
        assert client.retry_policy.base == 0.1
    with RunComfy(
        TOKEN, base_url="http://127.0.0.1:9", timeout=httpx.Timeout(2.0, connect=1.0)
    ) as c:
        assert c.timeout.connect == 1.0


def test_passed_http_client_is_not_closed() -> None:
    http = httpx.Client()
    with RunComfy(TOKEN, base_url="http://127.0.0.1:9", http_client=http):
        pass
    assert not http.is_closed
    http.close()
    own = RunComfy(TOKEN, base_url="http://127.0.0.1:9")
    own.close()
    assert own._http.is_closed


def test_cap_timeout_never_exceeds_remaining_time() -> None:
    capped = cap_timeout(httpx.Timeout(60.0, connect=10.0), 2.5)
    assert (capped.connect, capped.read, capped.write, capped.pool) == (2.5, 2.5, 2.5, 2.5)
    unchanged = httpx.Timeout(1.0)
    assert cap_timeout(unchanged, None) is unchanged
    assert cap_timeout(httpx.Timeout(None), 4.0).read == 4.0


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8765",
        "http://127.8.9.10",
        "http://localhost:8765/",
        "http://LOCALHOST",
        "http://emulator.localhost:80",
        "http://[::1]:8765",
        "https://model-api.runcomfy.net",
        "https://10.0.0.5:8443",
    ],
)
def test_https_or_loopback_base_urls_are_accepted(url: str) -> None:
    assert resolve_base_url(url, {}) == url.rstrip("/")


@pytest.mark.parametrize(
    "url",
    [
        "http://model-api.runcomfy.net",
        "http://10.0.0.5:8765",
        "http://[2001:db8::1]",
        "http://localhost.evil.test",
        "http://127.0.0.1.evil.test",
        "http://0.0.0.0:8765",
    ],
)
def test_plain_http_to_other_hosts_is_refused_unless_allowed(url: str) -> None:
    with pytest.raises(InvalidInputError, match="plain http") as info:
        RunComfy(TOKEN, base_url=url)
    assert "allow_insecure_http=True" in str(info.value) and TOKEN not in str(info.value)
    with pytest.raises(InvalidInputError, match="plain http"):
        resolve_base_url(None, {"RUNCOMFY_BASE_URL": url})
    with RunComfy(TOKEN, base_url=url, allow_insecure_http=True) as client:
        assert client.base_url == url


async def test_async_client_refuses_plain_http_too() -> None:
    with pytest.raises(InvalidInputError, match="plain http"):
        AsyncRunComfy(TOKEN, base_url="http://api.example.test")
    async with AsyncRunComfy(
        TOKEN, base_url="http://api.example.test", allow_insecure_http=True
    ) as client:
        assert client.base_url == "http://api.example.test"


@pytest.mark.parametrize(
    "kwargs",
    [{"initial": 0.0}, {"max_interval": 0.0}, {"initial": -1.0}, {"factor": 0.99}],
)
def test_poll_policy_refuses_a_tight_loop(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        PollPolicy(**kwargs)
