"""Regression tests for reviewed runtime bugs: odd submit answers, bad tokens, deep JSON,
credentials on downloads and argument validation."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from runcomfy_models._runtime import (
    InvalidInputError,
    SubmitOutcomeUnknownError,
    UnexpectedResponseError,
)
from runcomfy_models._runtime.wire import parse_submit

from .helpers import TOKEN, async_mock_client, mock_client
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
