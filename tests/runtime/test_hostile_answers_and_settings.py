"""Hostile answers and bad settings: odd submit answers, bad tokens, deeply nested JSON,
credentials on downloads, and argument validation. None may cost a paid job or leak the token."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from runcomfy_models._runtime import (
    APIConnectionError,
    AsyncRunComfy,
    InvalidInputError,
    InvalidTokenError,
    MissingTokenError,
    NotFoundError,
    PollPolicy,
    RemoteFile,
    RetryPolicy,
    RunComfy,
    ServerError,
    SubmitOutcomeUnknownError,
    UnexpectedResponseError,
)
from runcomfy_models._runtime.config import Secret, resolve_token
from runcomfy_models._runtime.emulator import RunningEmulator
from runcomfy_models._runtime.retry import exception_is_retryable, submit_never_sent
from runcomfy_models._runtime.transport import ApiRequest, Attempts, send_async, send_sync
from runcomfy_models._runtime.wire import model_url, parse_submit

from .helpers import FAST_RETRY, TOKEN, FileServer, async_mock_client, mock_client
from .test_transport_edges import MODEL, PAYLOAD, Script

# -- 1. a submit answer with an unusable request id is an unknown outcome, not bad input -----

ODD_IDS: list[Any] = ["..", ".", "a\nb", "x" * 257, 5, ["r1"]]


@pytest.mark.parametrize("request_id", ODD_IDS, ids=repr)
def test_parse_submit_refuses_ids_the_job_handle_cannot_use(request_id: Any) -> None:
    body = {"request_id": request_id}
    with pytest.raises(UnexpectedResponseError) as info:
        parse_submit(body)
    assert info.value.body == body
    assert not isinstance(info.value, InvalidInputError)
    assert parse_submit({"request_id": "x" * 256}) == "x" * 256


@pytest.mark.parametrize("request_id", ODD_IDS, ids=repr)
def test_submit_with_an_odd_request_id_keeps_the_answer(request_id: Any) -> None:
    answer = {"request_id": request_id, "status_url": "https://api.test/v1/requests/x/status"}
    script = Script(httpx.Response(200, json=answer))
    with mock_client(script) as client, pytest.raises(SubmitOutcomeUnknownError) as info:
        client.submit(MODEL, PAYLOAD)
    assert len(script.requests) == 1
    error = info.value
    assert error.body == answer
    assert error.payload == PAYLOAD and error.exit_code == 69
    assert "request_id" in str(error) and "may exist" in str(error)
    assert "\n" not in str(error)
    assert TOKEN not in str(error)


async def test_async_submit_with_an_odd_request_id_keeps_the_answer() -> None:
    answer = {"request_id": ".."}
    script = Script(httpx.Response(200, json=answer))
    async with async_mock_client(script) as client:
        with pytest.raises(SubmitOutcomeUnknownError) as info:
            await client.submit(MODEL, PAYLOAD)
    assert info.value.body == answer
    assert len(script.requests) == 1


def test_huge_ids_are_refused_before_anything_is_sent() -> None:
    script = Script(then=httpx.Response(200, json={"request_id": "r1"}))
    with mock_client(script) as client:
        with pytest.raises(InvalidInputError, match="longer than"):
            client.submit("owner/" + "m" * 70_000 + "/task", PAYLOAD)
        with pytest.raises(InvalidInputError, match="longer than"):
            client.status("r" * 70_000)
        with pytest.raises(InvalidInputError, match="longer than"):
            client.job("r" * 70_000)
    assert script.requests == []


def test_a_url_httpx_refuses_is_invalid_input_and_never_sent() -> None:
    script = Script(then=httpx.Response(200, json={"request_id": "r1"}))
    base_url = "https://api.test/" + "p" * 70_000
    with mock_client(script, base_url=base_url) as client:
        with pytest.raises(InvalidInputError, match="nothing was sent") as info:
            client.submit(MODEL, PAYLOAD)
        assert not isinstance(info.value, SubmitOutcomeUnknownError)
        with pytest.raises(InvalidInputError, match="nothing was sent"):
            client.status("r1")
    assert script.requests == []


async def test_async_a_url_httpx_refuses_is_invalid_input() -> None:
    script = Script(then=httpx.Response(200, json={"request_id": "r1"}))
    base_url = "https://api.test/" + "p" * 70_000
    async with async_mock_client(script, base_url=base_url) as client:
        with pytest.raises(InvalidInputError, match="nothing was sent"):
            await client.submit(MODEL, PAYLOAD)
    assert script.requests == []


# -- 2. a token that cannot go into a header is refused up front, without showing it ---------

BAD_TOKENS = ["abc\ndef", "abc\r\ndef", "abc\x00def", "abc def", "abc\tdef", "tök€n", "abc\x7fdef"]


@pytest.mark.parametrize("token", BAD_TOKENS, ids=repr)
def test_a_token_that_is_not_visible_ascii_is_refused(token: str) -> None:
    for make in (
        lambda: RunComfy(token, base_url="http://127.0.0.1:9"),
        lambda: AsyncRunComfy(token, base_url="http://127.0.0.1:9"),
        lambda: resolve_token(None, {"RUNCOMFY_API_TOKEN": token}),
    ):
        with pytest.raises(InvalidTokenError) as info:
            make()
        error = info.value
        assert error.exit_code == 77 and not isinstance(error, MissingTokenError)
        for shown in (str(error), repr(error)):
            assert token not in shown and repr(token)[1:-1] not in shown
            assert "abc" not in shown and "def" not in shown


def test_the_error_says_where_the_token_came_from() -> None:
    with pytest.raises(InvalidTokenError, match=r"RUNCOMFY_TOKEN.*line break"):
        resolve_token(None, {"RUNCOMFY_TOKEN": "abc\ndef"})
    with pytest.raises(InvalidTokenError, match=r"passed to the client.*non-ASCII"):
        resolve_token("tök€n")
    secret = resolve_token("  " + TOKEN + "\n")
    assert secret is not None and secret.reveal() == TOKEN


def test_local_protocol_errors_are_never_sent_and_not_retried() -> None:
    refused = httpx.LocalProtocolError("Illegal header value b'Bearer x'")
    assert submit_never_sent(refused)
    for kind in ("submit", "read", "cancel"):
        assert not exception_is_retryable(refused, kind)  # type: ignore[arg-type]
    script = Script(refused, then=httpx.Response(200, json={"request_id": "r1"}))
    with mock_client(script) as client, pytest.raises(APIConnectionError) as info:
        client.submit(MODEL, PAYLOAD)
    assert not isinstance(info.value, SubmitOutcomeUnknownError)
    assert len(script.requests) == 1
    script = Script(refused, then=httpx.Response(200, json={"status": "completed"}))
    with mock_client(script) as client, pytest.raises(APIConnectionError):
        client.status("r1")
    assert len(script.requests) == 1


def _attempts(emu: RunningEmulator, kind: str, secret: str) -> Attempts:
    if kind == "submit":
        request = ApiRequest(
            method="POST",
            url=model_url(emu.base_url, MODEL),
            kind="submit",
            label=f"submit to {MODEL}",
            content=b"{}",
            model_id=MODEL,
        )
    else:
        request = ApiRequest(
            method="GET",
            url=f"{emu.base_url}/v1/requests/r1/status",
            kind="read",
            label="status of r1",
            request_id="r1",
        )
    return Attempts(
        request=request,
        base_url=emu.base_url,
        token=Secret(secret),
        timeout=httpx.Timeout(5.0),
        policy=FAST_RETRY,
        max_retries=FAST_RETRY.max_retries,
    )


@pytest.mark.parametrize("kind", ["submit", "read"])
def test_a_header_h11_refuses_is_a_clear_error_without_the_token(
    emu: RunningEmulator, kind: str
) -> None:
    # Bypasses resolve_token, as a last line of defence: real h11 over loopback.
    secret = "abc\ndef-S3CRET"
    with httpx.Client() as http, pytest.raises(APIConnectionError) as info:
        send_sync(http, _attempts(emu, kind, secret))
    assert not isinstance(info.value, SubmitOutcomeUnknownError)
    assert "Illegal header value" in str(info.value)
    assert "S3CRET" not in str(info.value)
    assert info.value.__cause__ is None and info.value.__suppress_context__
    assert sum(emu.stats()["routes"].values()) == 0


async def test_async_a_header_h11_refuses_is_a_clear_error_without_the_token(
    emu: RunningEmulator,
) -> None:
    secret = "abc\ndef-S3CRET"
    async with httpx.AsyncClient() as http:
        with pytest.raises(APIConnectionError) as info:
            await send_async(http, _attempts(emu, "submit", secret))
    assert not isinstance(info.value, SubmitOutcomeUnknownError)
    assert "S3CRET" not in str(info.value)


# -- 3. JSON nested too deeply is an unreadable answer, not a RecursionError ------------------

DEEP = b"[" * 200_000 + b"]" * 200_000


def _deep_error(depth: int) -> dict[str, Any]:
    body: dict[str, Any] = {"error": "innermost"}
    for _ in range(depth):
        body = {"error": body}
    return body


def test_deeply_nested_json_is_not_json() -> None:
    script = Script(httpx.Response(200, content=DEEP))
    with mock_client(script) as client, pytest.raises(SubmitOutcomeUnknownError) as info:
        client.submit(MODEL, PAYLOAD)
    assert len(script.requests) == 1 and "may exist" in str(info.value)
    script = Script(then=httpx.Response(200, content=DEEP))
    with mock_client(script) as client, pytest.raises(UnexpectedResponseError, match="not JSON"):
        client.status("r1")
    script = Script(then=httpx.Response(500, content=DEEP))
    with mock_client(script) as client, pytest.raises(ServerError) as server:
        client.result("r1")
    assert len(server.value.message) <= 600


@pytest.mark.parametrize("depth", [50, 500])
def test_nested_error_bodies_give_a_bounded_message(depth: int) -> None:
    body = _deep_error(depth) | {"detail": [_deep_error(depth)]}
    script = Script(then=httpx.Response(404, json=body))
    with mock_client(script) as client, pytest.raises(NotFoundError):
        client.status("r1")


async def test_async_deeply_nested_json_is_not_json() -> None:
    script = Script(then=httpx.Response(200, content=DEEP))
    async with async_mock_client(script) as client:
        with pytest.raises(SubmitOutcomeUnknownError):
            await client.submit(MODEL, PAYLOAD)
        with pytest.raises(UnexpectedResponseError):
            await client.status("r1")


# -- 4. a caller's client with its own auth never sends it to a file host ----------------------


class BearerAuth(httpx.Auth):
    def auth_flow(self, request: httpx.Request) -> Any:
        request.headers["Authorization"] = f"Bearer {TOKEN}"
        yield request


@pytest.mark.parametrize("auth", [("u", "p"), BearerAuth()], ids=["basic", "bearer"])
def test_downloads_ignore_the_auth_of_a_caller_client(
    tmp_path: Path, file_server: FileServer, auth: Any
) -> None:
    url = file_server.serve("/a.png", b"A", status=302, headers={"Location": "/b.png"})
    file_server.serve("/b.png", b"B")
    with httpx.Client(auth=auth) as sneaky:
        assert RemoteFile(url).read(http_client=sneaky) == b"B"
        saved = RemoteFile(url).save(tmp_path / "b.png", http_client=sneaky)
        assert saved.read_bytes() == b"B"
    assert len(file_server.requests) == 4
    for _, headers in file_server.requests:
        assert "authorization" not in headers


@pytest.mark.parametrize("auth", [("u", "p"), BearerAuth()], ids=["basic", "bearer"])
async def test_async_downloads_ignore_the_auth_of_a_caller_client(
    tmp_path: Path, file_server: FileServer, auth: Any
) -> None:
    url = file_server.serve("/a.png", b"A", status=302, headers={"Location": "/b.png"})
    file_server.serve("/b.png", b"B")
    async with httpx.AsyncClient(auth=auth) as sneaky:
        assert await RemoteFile(url).aread(http_client=sneaky) == b"B"
        saved = await RemoteFile(url).asave(tmp_path / "b.png", http_client=sneaky)
        assert saved.read_bytes() == b"B"
    assert len(file_server.requests) == 4
    for _, headers in file_server.requests:
        assert "authorization" not in headers


# -- 5. bad settings are InvalidInputError everywhere -----------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda: RunComfy(TOKEN, base_url="http://127.0.0.1:9", max_retries=-1),
        lambda: AsyncRunComfy(TOKEN, base_url="http://127.0.0.1:9", max_retries=-1),
        lambda: RunComfy(TOKEN, base_url="http://127.0.0.1:9", max_retries="3"),
        lambda: RetryPolicy(max_retries=-1),
        lambda: RetryPolicy(jitter=2.0),
        lambda: RetryPolicy(cap="8"),
        lambda: PollPolicy(initial=0.0),
        lambda: PollPolicy(factor="2"),
        lambda: RunComfy(TOKEN, base_url="http://127.0.0.1:9", timeout="abc"),
        lambda: AsyncRunComfy(TOKEN, base_url="http://127.0.0.1:9", timeout=-1.0),
        lambda: RunComfy(TOKEN, base_url="http://127.0.0.1:9", timeout=float("nan")),
    ],
    ids=lambda _: "",
)
def test_bad_settings_are_invalid_input(make: Any) -> None:
    with pytest.raises(InvalidInputError) as info:
        make()
    assert info.value.exit_code == 65 and isinstance(info.value, ValueError)


def test_bad_per_call_values_are_invalid_input(client: RunComfy, emu: RunningEmulator) -> None:
    job = client.submit(MODEL, PAYLOAD)
    with pytest.raises(InvalidInputError, match="max_retries"):
        job.status(max_retries=-1)
    with pytest.raises(InvalidInputError, match="timeout"):
        job.status(timeout="abc")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="timeout must be a number"):
        job.wait(timeout="5")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="timeout must be a number"):
        job.wait(timeout=float("nan"))
    assert emu.stats()["routes"]["status"] == 0


async def test_async_bad_per_call_values_are_invalid_input(
    aclient: AsyncRunComfy, emu: RunningEmulator
) -> None:
    job = await aclient.submit(MODEL, PAYLOAD)
    with pytest.raises(InvalidInputError, match="max_retries"):
        await job.status(max_retries=-1)
    with pytest.raises(InvalidInputError, match="timeout"):
        await job.status(timeout="abc")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="timeout must be a number"):
        await job.wait(timeout="5")  # type: ignore[arg-type]
    assert emu.stats()["routes"]["status"] == 0
