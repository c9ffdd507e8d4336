"""The bearer token check, and the token never showing up in logs or answers."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx
import pytest
from runcomfy_models._runtime.emulator import RunningEmulator, running_emulator

from .support import CATALOG, REFRAME, REFRAME_INPUT

TOKEN = "rc-test-token-7f3a9c"


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture(scope="module")
def logs() -> Iterator[_Collect]:
    handler = _Collect()
    loggers = [logging.getLogger(name) for name in ("uvicorn", "uvicorn.access", "uvicorn.error")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    yield handler
    for logger, level in zip(loggers, levels, strict=True):
        logger.removeHandler(handler)
        logger.setLevel(level)


@pytest.fixture(scope="module")
def secured(logs: _Collect) -> Iterator[RunningEmulator]:
    with running_emulator(CATALOG, token=TOKEN, access_log=True) as emu:
        yield emu


@pytest.fixture
def anonymous(secured: RunningEmulator) -> Iterator[httpx.Client]:
    secured.reset()
    with httpx.Client(base_url=secured.base_url) as http:
        yield http


def authorized(value: str = f"Bearer {TOKEN}") -> dict[str, str]:
    return {"Authorization": value}


@pytest.mark.parametrize(
    "headers",
    [{}, authorized("Bearer wrong"), authorized(TOKEN), authorized(f"Basic {TOKEN}")],
)
def test_missing_or_wrong_token_is_401(
    secured: RunningEmulator, anonymous: httpx.Client, headers: dict[str, str]
) -> None:
    responses = [
        anonymous.post(f"/v1/models/{REFRAME}", json=REFRAME_INPUT, headers=headers),
        anonymous.get("/v1/models", headers=headers),
        anonymous.get(f"/v1/models/{REFRAME}", headers=headers),
        anonymous.get("/v1/requests/x/status", headers=headers),
        anonymous.get("/v1/requests/x/result", headers=headers),
        anonymous.post("/v1/requests/x/cancel", headers=headers),
    ]

    for response in responses:
        assert response.status_code == 401
        assert response.json()["error_code"] == 400004
        assert TOKEN not in response.text
    stats = secured.stats()
    assert stats["routes"]["submit"] == 0
    assert stats["routes"]["submit_rejected"] == 1


def test_right_token_is_accepted_in_any_scheme_case(anonymous: httpx.Client) -> None:
    for scheme in ("Bearer", "bearer"):
        response = anonymous.post(
            f"/v1/models/{REFRAME}", json=REFRAME_INPUT, headers=authorized(f"{scheme} {TOKEN}")
        )
        assert response.status_code == 200
        request_id = response.json()["request_id"]
        status = anonymous.get(f"/v1/requests/{request_id}/status", headers=authorized())
        assert status.status_code == 200


def test_files_and_control_routes_need_no_token(anonymous: httpx.Client) -> None:
    response = anonymous.post(f"/v1/models/{REFRAME}", json=REFRAME_INPUT, headers=authorized())
    request_id = response.json()["request_id"]
    result = anonymous.get(f"/v1/requests/{request_id}/result", headers=authorized()).json()

    assert anonymous.get(result["output"]["image"]).status_code == 200
    assert anonymous.get("/_emulator/stats").status_code == 200
    assert anonymous.get("/_emulator/config").json()["token_required"] is True


def test_the_token_never_reaches_the_logs(anonymous: httpx.Client, logs: _Collect) -> None:
    anonymous.post(f"/v1/models/{REFRAME}", json=REFRAME_INPUT, headers=authorized())
    anonymous.get("/v1/models", headers=authorized("Bearer not-the-token"))
    anonymous.get(f"/v1/models/{REFRAME}", headers=authorized())

    assert any("/v1/models" in line for line in logs.lines)  # the access log is on
    assert not any(TOKEN in line for line in logs.lines)
    assert not any("not-the-token" in line for line in logs.lines)


def test_without_a_token_anything_is_accepted(client: httpx.Client) -> None:
    assert client.get("/v1/models").status_code == 200
    assert client.get("/v1/models", headers=authorized("Bearer whatever")).status_code == 200
    assert client.get("/_emulator/config").json()["token_required"] is False
