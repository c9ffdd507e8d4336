"""A token the server echoes is never shown; an input that is not valid Unicode is never sent."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Callable

import httpx
import pytest
from runcomfy_models._runtime import (
    APIConnectionError,
    InvalidInputError,
    JobFailedError,
    SubmitOutcomeUnknownError,
)
from runcomfy_models._runtime.emulator import RunningEmulator

from .drivers import Driver
from .helpers import IMAGE_MODEL, REFRAME, TOKEN, async_mock_client, mock_client

ECHOING_FAILURE = {
    "request_id": "req-1",
    "status": "failed",
    "error": {"message": f"upstream rejected header 'Authorization: Bearer {TOKEN}'"},
}


def _answers(request: httpx.Request) -> httpx.Response:
    if request.method == "POST":
        return httpx.Response(200, json={"request_id": "req-1"})
    if request.url.path.endswith("/status"):
        return httpx.Response(200, json={"request_id": "req-1", "status": "completed"})
    return httpx.Response(200, json=ECHOING_FAILURE)


def test_a_token_echoed_in_a_failed_jobs_error_is_scrubbed_sync() -> None:
    with mock_client(_answers) as client:
        job = client.submit(IMAGE_MODEL, {"image": "https://example.com/a.png"})
        with pytest.raises(JobFailedError) as info:
            job.wait(timeout=5)
        result = job.result()
    shown = f"{info.value} {info.value!r} {info.value.error_message} {result!r}"
    assert TOKEN not in shown
    assert "Bearer ***" in str(info.value)


def test_a_token_echoed_in_a_failed_jobs_error_is_scrubbed_async() -> None:
    async def scenario() -> str:
        async with async_mock_client(_answers) as client:
            job = await client.submit(IMAGE_MODEL, {"image": "https://example.com/a.png"})
            try:
                await job.wait(timeout=5)
            except JobFailedError as exc:
                return f"{exc} {exc.error_message} {await job.result()!r}"
        raise AssertionError("the job did not fail")

    shown = asyncio.run(scenario())
    assert TOKEN not in shown and "Bearer ***" in shown


@pytest.mark.parametrize(
    ("params", "where"),
    [
        ({"image": "https://example.com/\ud800.png"}, "image"),
        ({"image": "https://example.com/a.png", "rendering_speed": "x\udfff"}, "renderingSpeed"),
    ],
)
def test_an_input_that_is_not_valid_unicode_names_its_field_and_sends_nothing(
    emu: RunningEmulator, driver: Driver, params: dict[str, str], where: str
) -> None:
    with pytest.raises(InvalidInputError) as info:
        driver.binding_run(REFRAME, params)
    assert where in str(info.value) and "lone surrogate" in str(info.value)
    assert "nothing was sent" in str(info.value)
    stats = emu.stats()["routes"]
    assert stats["submit"] + stats["submit_rejected"] == 0


def test_a_nested_unencodable_value_is_named_by_its_path() -> None:
    with (
        mock_client(lambda r: httpx.Response(500)) as client,
        pytest.raises(InvalidInputError) as info,
    ):
        client.submit(IMAGE_MODEL, {"style": {"names": ["ok", "bad\ud800"]}})
    assert "style.names[1]" in str(info.value)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_refused_connection_is_retried_and_never_an_unknown_outcome(
    new_driver: Callable[..., Driver],
) -> None:
    driver = new_driver(base_url=f"http://127.0.0.1:{_closed_port()}")
    with pytest.raises(APIConnectionError) as info:
        driver.submit(IMAGE_MODEL, {"image": "https://example.com/a.png"})
    assert not isinstance(info.value, SubmitOutcomeUnknownError)


def test_the_submit_body_is_plain_utf8_json() -> None:
    seen: list[bytes] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.content)
        return httpx.Response(200, json={"request_id": "req-1"})

    with mock_client(answer) as client:
        client.submit(IMAGE_MODEL, {"prompt": "café ☕"})
    assert json.loads(seen[0].decode("utf-8")) == {"prompt": "café ☕"}
