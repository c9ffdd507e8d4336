"""Fault injection: each kind, per route, from Python, over HTTP, from specs and files."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from runcomfy_models._runtime.emulator import Emulator, FaultRule, RunningEmulator, load_faults

from .support import CATALOG, REFRAME, REFRAME_INPUT, VIDEO, VIDEO_INPUT, submit, submit_ok

DROPPED = (httpx.RemoteProtocolError, httpx.ReadError)


def wait_for(condition: object, attempts: int = 500) -> None:
    """Poll a condition the server reaches on its own (bounded, no timing assertion)."""
    for _ in range(attempts):
        if callable(condition) and condition():
            return
        time.sleep(0.01)
    raise AssertionError("condition not reached")


# -- the kinds ---------------------------------------------------------------


def test_status_fault_answers_without_creating_a_job(
    emu: RunningEmulator, client: httpx.Client
) -> None:
    emu.add_fault(FaultRule("submit", "status", status=429, retry_after="2", times=2))

    for _ in range(2):
        response = submit(client, REFRAME, REFRAME_INPUT)
        assert response.status_code == 429
        assert response.headers["retry-after"] == "2"
        assert response.json()["error_code"] == 429001
    assert submit(client, REFRAME, REFRAME_INPUT).status_code == 200

    stats = emu.stats()
    assert stats["routes"]["submit"] == 1
    assert stats["routes"]["submit_rejected"] == 2
    assert stats["faults"]["submit"] == 2
    assert stats["jobs"]["succeeded"] == 1


def test_status_fault_without_retry_after_has_no_header(
    emu: RunningEmulator, client: httpx.Client
) -> None:
    emu.add_fault(FaultRule("status", "status", status=503, times=1))
    request_id = submit_ok(client)

    response = client.get(f"/v1/requests/{request_id}/status")

    assert response.status_code == 503
    assert "retry-after" not in response.headers
    assert client.get(f"/v1/requests/{request_id}/status").status_code == 200


# Connecting may take long on a busy machine; reading the slow answer must time out.
READ_TIMEOUT = httpx.Timeout(5.0, read=0.02)


def test_slow_fault_delays_then_processes(emu: RunningEmulator, client: httpx.Client) -> None:
    emu.add_fault(FaultRule("submit", "slow", delay=0.3, times=1))

    with pytest.raises(httpx.ReadTimeout):
        client.post(f"/v1/models/{REFRAME}", json=REFRAME_INPUT, timeout=READ_TIMEOUT)

    # The client gave up, the server did not: the paid job exists anyway.
    wait_for(lambda: emu.stats()["routes"]["submit"] == 1)
    assert submit(client, REFRAME, REFRAME_INPUT).status_code == 200


def test_a_request_in_flight_across_a_reset_does_not_count_after_it(
    emu: RunningEmulator, client: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    emulator = emu.emulator
    submitted = threading.Event()
    real_submit = emulator.submit

    def recording_submit(*args: Any, **kwargs: Any) -> Any:
        job = real_submit(*args, **kwargs)
        submitted.set()
        return job

    monkeypatch.setattr(emulator, "submit", recording_submit)
    emu.add_fault(FaultRule("submit", "slow", delay=0.2, times=1))
    with pytest.raises(httpx.ReadTimeout):
        client.post(f"/v1/models/{REFRAME}", json=REFRAME_INPUT, timeout=READ_TIMEOUT)

    emu.reset()
    assert submitted.wait(10)

    stats = emu.stats()
    assert stats["routes"]["submit"] == 0
    assert sum(stats["jobs"].values()) == 0


def test_stale_generation_jobs_are_neither_kept_nor_counted() -> None:
    emulator = Emulator(CATALOG)
    before = emulator.generation
    emulator.reset()

    job = emulator.submit(REFRAME, REFRAME_INPUT, generation=before)
    emulator.count("status", REFRAME, before)

    assert emulator.job(job.request_id) is None
    assert emulator.stats()["routes"]["submit"] == 0
    assert emulator.stats()["routes"]["status"] == 0
    assert emulator.submit(REFRAME, REFRAME_INPUT, generation=emulator.generation) is not None
    assert emulator.stats()["routes"]["submit"] == 1


def test_drop_before_closes_the_connection_without_processing(
    emu: RunningEmulator, client: httpx.Client
) -> None:
    emu.add_fault(FaultRule("submit", "drop_before", times=1))

    with pytest.raises(DROPPED):
        submit(client, REFRAME, REFRAME_INPUT)

    stats = emu.stats()
    assert stats["routes"]["submit"] == 0
    assert stats["routes"]["submit_rejected"] == 1
    assert sum(stats["jobs"].values()) == 0
    assert submit(client, REFRAME, REFRAME_INPUT).status_code == 200


def test_drop_after_processes_then_closes_the_connection(
    emu: RunningEmulator, client: httpx.Client
) -> None:
    emu.add_fault(FaultRule("submit", "drop_after", times=1))

    with pytest.raises(DROPPED):
        submit(client, REFRAME, REFRAME_INPUT)

    stats = emu.stats()
    assert stats["routes"]["submit"] == 1
    assert stats["models"][REFRAME]["submit"] == 1
    assert stats["jobs"]["succeeded"] == 1


@pytest.mark.parametrize("route", ["status", "result", "cancel"])
def test_drops_work_on_job_routes(emu: RunningEmulator, client: httpx.Client, route: str) -> None:
    request_id = submit_ok(client)
    emu.add_fault(FaultRule.from_dict({"route": route, "kind": "drop_before", "times": 1}))
    method = "POST" if route == "cancel" else "GET"

    with pytest.raises(DROPPED):
        client.request(method, f"/v1/requests/{request_id}/{route}")

    assert client.request(method, f"/v1/requests/{request_id}/{route}").status_code in (200, 202)


def test_error_body_fault_answers_200_with_an_error(
    emu: RunningEmulator, client: httpx.Client
) -> None:
    emu.add_fault(FaultRule("submit", "error_body", error_code=400002, times=1))
    emu.add_fault(FaultRule("result", "error_body", times=1))

    response = submit(client, REFRAME, REFRAME_INPUT)

    assert response.status_code == 200
    assert response.json()["error_code"] == 400002
    assert set(response.json()) == {"error_code", "error_message"}
    assert emu.stats()["routes"]["submit"] == 0
    request_id = submit_ok(client)
    result = client.get(f"/v1/requests/{request_id}/result")
    assert result.status_code == 200
    assert result.json()["error_code"] == 500001


def test_unknown_status_fault_reports_a_status_the_api_never_uses(
    emu: RunningEmulator, client: httpx.Client
) -> None:
    emu.add_fault(FaultRule("*", "unknown_status", times=2))

    # Not applicable to submit: the rule is not used up there.
    request_id = submit_ok(client)

    status = client.get(f"/v1/requests/{request_id}/status").json()
    result = client.get(f"/v1/requests/{request_id}/result").json()
    assert status["status"] == "paused"
    assert result["status"] == "paused"
    assert client.get(f"/v1/requests/{request_id}/status").json()["status"] == "completed"


# -- matching ----------------------------------------------------------------


def test_model_specific_fault_spares_other_models(
    emu: RunningEmulator, client: httpx.Client
) -> None:
    emu.add_fault(FaultRule("*", "status", status=500, model_id=VIDEO))

    assert submit(client, REFRAME, REFRAME_INPUT).status_code == 200
    assert submit(client, VIDEO, VIDEO_INPUT).status_code == 500
    emu.clear_faults()
    video_job = submit_ok(client, VIDEO, VIDEO_INPUT)
    reframe_job = submit_ok(client)
    emu.add_fault(FaultRule("status", "status", status=502, model_id=VIDEO))

    assert client.get(f"/v1/requests/{video_job}/status").status_code == 502
    assert client.get(f"/v1/requests/{reframe_job}/status").status_code == 200


def test_wildcard_route_covers_catalog_and_files(
    emu: RunningEmulator, client: httpx.Client
) -> None:
    request_id = submit_ok(client)
    url = client.get(f"/v1/requests/{request_id}/result").json()["output"]["image"]
    emu.add_fault(FaultRule("*", "status", status=503, times=3))

    assert client.get("/v1/models").status_code == 503
    assert client.get(f"/v1/models/{REFRAME}").status_code == 503
    assert client.get(url).status_code == 503
    assert client.get(url).status_code == 200
    assert emu.stats()["faults"] == {
        "submit": 0,
        "status": 0,
        "result": 0,
        "cancel": 0,
        "catalog": 2,
        "files": 1,
        "balance": 0,
    }


def test_first_matching_rule_wins_and_is_used_up_in_order(
    emu: RunningEmulator, client: httpx.Client
) -> None:
    emu.add_fault(FaultRule("catalog", "status", status=500, times=1))
    emu.add_fault(FaultRule("catalog", "status", status=502, times=1))

    codes = [client.get("/v1/models").status_code for _ in range(3)]

    assert codes == [500, 502, 200]


def test_faults_given_at_start(shared_emulator: RunningEmulator) -> None:
    from runcomfy_models._runtime.emulator import running_emulator

    from .support import CATALOG

    rules = [FaultRule("catalog", "status", status=418, times=1)]
    with running_emulator(CATALOG, faults=rules) as emu, httpx.Client() as http:
        assert http.get(emu.url("/v1/models")).status_code == 418
        assert http.get(emu.url("/v1/models")).status_code == 200


# -- configuring faults over HTTP, from specs and files ----------------------


def test_faults_over_http(emu: RunningEmulator, client: httpx.Client) -> None:
    added = client.post(
        "/_emulator/faults",
        json=[
            {"route": "submit", "kind": "status", "status": 429, "retry_after": 1, "times": 1},
            {"route": "status", "kind": "slow", "delay": 0.01},
        ],
    )
    assert added.status_code == 200
    assert added.json()["faults"][0] == {
        "route": "submit",
        "kind": "status",
        "status": 429,
        "retry_after": "1",
        "delay": 0.0,
        "times": 1,
    }
    assert client.get("/_emulator/faults").json() == added.json()
    assert submit(client, REFRAME, REFRAME_INPUT).status_code == 429

    assert client.delete("/_emulator/faults").json() == {"faults": []}
    assert emu.emulator.fault_rules() == []


@pytest.mark.parametrize(
    "body",
    [
        {"route": "everywhere", "kind": "status"},
        {"route": "submit", "kind": "explode"},
        {"route": "submit"},
        {"route": "submit", "kind": "status", "status": "often"},
        {"route": "submit", "kind": "status", "colour": "red"},
        [1, 2],
        "submit:status=429",
    ],
)
def test_invalid_faults_over_http_are_400(client: httpx.Client, body: object) -> None:
    response = client.post("/_emulator/faults", json=body)

    assert response.status_code == 400
    assert response.json()["error_code"] == 400000
    assert client.get("/_emulator/faults").json() == {"faults": []}


@pytest.mark.parametrize(
    ("spec", "rule"),
    [
        (
            "submit:status=429,retry_after=2,times=3",
            FaultRule("submit", "status", status=429, retry_after="2", times=3),
        ),
        ("status:slow=1.5", FaultRule("status", "slow", delay=1.5)),
        ("result:drop_after,times=1", FaultRule("result", "drop_after", times=1)),
        ("*:error_body=400002", FaultRule("*", "error_body", error_code=400002)),
        ("files:drop_before", FaultRule("files", "drop_before")),
        ("status:unknown_status", FaultRule("status", "unknown_status")),
        (
            " submit : status = 503 , model_id = wan-ai/wan-3.0/image-to-video ",
            FaultRule("submit", "status", status=503, model_id="wan-ai/wan-3.0/image-to-video"),
        ),
        ("cancel:kind=status,status=409", FaultRule("cancel", "status", status=409)),
    ],
)
def test_from_spec(spec: str, rule: FaultRule) -> None:
    assert FaultRule.from_spec(spec) == rule


@pytest.mark.parametrize(
    "spec",
    [
        "submit",
        "submit:",
        "nowhere:status=500",
        "submit:melt",
        "submit:drop_before=3",
        "submit:status=abc",
        "submit:status=99",
        "submit:slow=-1",
        "submit:status,times=0",
        "submit:status,retries",
        "submit:status,colour=red",
    ],
)
def test_from_spec_rejects_nonsense(spec: str) -> None:
    with pytest.raises(ValueError):
        FaultRule.from_spec(spec)


def test_load_faults_from_a_file(tmp_path: Path) -> None:
    rules = [
        {"route": "submit", "kind": "status", "status": 503, "retry_after": "1", "times": 2},
        {"route": "files", "kind": "drop_before"},
    ]
    as_list = tmp_path / "list.json"
    as_list.write_text(json.dumps(rules), encoding="utf-8")
    wrapped = tmp_path / "wrapped.json"
    wrapped.write_text(json.dumps({"faults": rules}), encoding="utf-8")
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps([{"route": "submit", "kind": "boom"}]), encoding="utf-8")

    expected = [
        FaultRule("submit", "status", status=503, retry_after="1", times=2),
        FaultRule("files", "drop_before"),
    ]
    assert load_faults(as_list) == expected
    assert load_faults(wrapped) == expected
    assert [FaultRule.from_dict(rule.to_dict()) for rule in expected] == expected
    with pytest.raises(ValueError, match=r"broken\.json.*boom"):
        load_faults(broken)
