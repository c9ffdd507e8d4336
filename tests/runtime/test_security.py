"""The token stays secret: not in logs, errors or reprs, and only sent to the API origin."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from runcomfy_models._runtime import (
    GenericOutput,
    JobFailedError,
    JobTimeoutError,
    RunComfyError,
    download_all,
)
from runcomfy_models._runtime.emulator import FaultRule, RunningEmulator

from .drivers import Driver
from .helpers import IMAGE_MODEL, IMAGE_PAYLOAD, TOKEN, FileServer, mock_client


def test_token_never_appears_in_logs_errors_or_reprs(
    emu: RunningEmulator,
    new_driver: Callable[..., Driver],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, httpx and httpcore included
    driver = new_driver()
    texts: list[str] = [repr(driver.client), str(vars(driver.client))]
    errors: list[BaseException] = []

    job = driver.submit(IMAGE_MODEL, IMAGE_PAYLOAD)
    texts += [repr(job), repr(driver.status(job)), repr(driver.result(job))]
    texts.append(repr(driver.wait(job, timeout=10)))

    emu.add_fault(FaultRule(route="status", kind="status", status=503, times=1))
    emu.set_outcome("failed")
    with pytest.raises(JobFailedError) as failed:
        driver.run(IMAGE_MODEL, IMAGE_PAYLOAD, timeout=10)
    errors.append(failed.value)

    emu.set_timings(run_seconds=30)
    with pytest.raises(JobTimeoutError) as timed_out:
        driver.run(IMAGE_MODEL, IMAGE_PAYLOAD, timeout=0.05, cancel_on_timeout=True)
    errors.append(timed_out.value)

    for rule in (
        FaultRule(route="submit", kind="drop_after", times=1),
        FaultRule(route="submit", kind="status", status=500, times=1),
        FaultRule(route="submit", kind="error_body", error_code=400004, times=1),
        FaultRule(route="submit", kind="status", status=429, times=5),
    ):
        emu.add_fault(rule)
        with pytest.raises(RunComfyError) as info:
            driver.submit(IMAGE_MODEL, IMAGE_PAYLOAD)
        errors.append(info.value)
    with pytest.raises(RunComfyError) as unknown:
        driver.client_status("no-such-id")
    errors.append(unknown.value)
    with pytest.raises(RunComfyError) as wrong:
        new_driver(token="x" + TOKEN).submit(IMAGE_MODEL, IMAGE_PAYLOAD)
    errors.append(wrong.value)

    for error in errors:
        texts += [str(error), repr(error), "".join(traceback.format_exception(error))]
        texts += [repr(vars(error))]
    texts.append(caplog.text)
    assert caplog.records, "the lifecycle should have logged something"
    for text in texts:
        assert TOKEN not in text


def test_lifecycle_is_logged_with_request_ids(
    emu: RunningEmulator, driver: Driver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="runcomfy_models")
    job = driver.submit(IMAGE_MODEL, IMAGE_PAYLOAD)
    driver.wait(job, timeout=10)
    ours = [r for r in caplog.records if r.name == "runcomfy_models"]
    infos = [r.getMessage() for r in ours if r.levelno == logging.INFO]
    debugs = [r.getMessage() for r in ours if r.levelno == logging.DEBUG]
    assert any("submitted" in m and job.request_id in m for m in infos)
    assert any("succeeded" in m and job.request_id in m for m in infos)
    assert debugs and all(job.request_id in m for m in debugs)


def test_output_files_on_another_origin_get_no_authorization(
    file_server: FileServer, tmp_path: Path
) -> None:
    """The API (in-process) points at a CDN (a real loopback server on another origin)."""
    cdn_url = file_server.serve("/cdn/result.png", b"PNG")
    evil = file_server.base_url + "/v1/requests/req-1"
    api_requests: list[httpx.Request] = []

    def api(request: httpx.Request) -> httpx.Response:
        api_requests.append(request)
        links = {"status_url": evil + "/status", "result_url": evil + "/result"}
        if request.url.path.startswith("/v1/models/"):
            return httpx.Response(200, json={"request_id": "req-1", **links})
        if request.url.path.endswith("/status"):
            return httpx.Response(200, json={"status": "completed", **links})
        return httpx.Response(
            200, json={"status": "succeeded", "output": {"image": cdn_url}, **links}
        )

    with mock_client(api, base_url="http://127.0.0.1:1") as client:
        output = client.run(IMAGE_MODEL, IMAGE_PAYLOAD, timeout=10)
    assert isinstance(output, GenericOutput) and output.image is not None
    # The server's status/result URLs were never followed...
    assert file_server.requests == []
    assert {r.url.port for r in api_requests} == {1}
    assert all(r.headers["authorization"] == f"Bearer {TOKEN}" for r in api_requests)
    # ...and the file host never saw the token.
    assert output.image.read() == b"PNG"
    paths = download_all(output, tmp_path)
    assert [p.read_bytes() for p in paths] == [b"PNG"]
    assert len(file_server.requests) == 2
    assert all("authorization" not in headers for _, headers in file_server.requests)


def test_emulator_output_files_download_without_the_token(
    emu: RunningEmulator, driver: Driver, tmp_path: Path
) -> None:
    output = driver.run(IMAGE_MODEL, IMAGE_PAYLOAD, timeout=10)
    assert isinstance(output, GenericOutput)
    paths = download_all(output, tmp_path)
    assert len(paths) == 1 and paths[0].read_bytes().startswith(b"\x89PNG")
    assert paths[0].parent == tmp_path
    routes = emu.stats()["routes"]
    assert routes["files"] >= 1 and routes["files_with_token"] == 0
