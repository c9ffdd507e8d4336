"""Submit, status, result and cancel: the job lifecycle on a controlled clock."""

from __future__ import annotations

from datetime import datetime

import httpx
import pytest
from runcomfy_models._runtime.emulator import RunningEmulator, Shapes

from .support import (
    IMAGE_URL,
    REFRAME,
    REFRAME_INPUT,
    VIDEO,
    VIDEO_INPUT,
    FakeClock,
    submit,
    submit_ok,
)


def status_of(client: httpx.Client, request_id: str) -> dict[str, object]:
    response = client.get(f"/v1/requests/{request_id}/status")
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def result_of(client: httpx.Client, request_id: str, query: str = "") -> dict[str, object]:
    response = client.get(f"/v1/requests/{request_id}/result{query}")
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def test_submit_answers_absolute_links_on_the_callers_host(
    emu: RunningEmulator, client: httpx.Client
) -> None:
    response = submit(client, REFRAME, REFRAME_INPUT)

    assert response.status_code == 200
    body = response.json()
    request_id = body["request_id"]
    assert set(body) == {"request_id", "status_url", "result_url", "cancel_url"}
    assert body["status_url"] == f"{emu.base_url}/v1/requests/{request_id}/status"
    assert body["result_url"] == f"{emu.base_url}/v1/requests/{request_id}/result"
    assert body["cancel_url"] == f"{emu.base_url}/v1/requests/{request_id}/cancel"


def test_links_follow_the_host_header(client: httpx.Client) -> None:
    response = client.post(
        f"/v1/models/{REFRAME}", json=REFRAME_INPUT, headers={"Host": "api.example.test:9000"}
    )

    assert response.json()["status_url"].startswith("http://api.example.test:9000/v1/requests/")


def test_job_moves_from_queue_to_progress_to_success(
    emu: RunningEmulator, client: httpx.Client, clock: FakeClock
) -> None:
    emu.set_timings(queue_seconds=10, run_seconds=20)
    first = submit_ok(client)
    second = submit_ok(client)

    queued = status_of(client, second)
    assert queued["status"] == "in_queue"
    assert queued["queue_position"] == 1
    assert status_of(client, first)["queue_position"] == 0
    early = result_of(client, first)
    assert early["status"] == "in_queue"
    assert early["finished_at"] is None
    assert "output" not in early

    clock.advance(10)
    running = status_of(client, first)
    assert running["status"] == "in_progress"
    assert "queue_position" not in running
    assert result_of(client, first)["status"] == "in_progress"
    assert emu.stats()["jobs"]["in_progress"] == 2

    clock.advance(20)
    assert status_of(client, first)["status"] == "completed"
    done = result_of(client, first)
    assert done["status"] == "succeeded"
    assert set(done) == {"request_id", "status", "created_at", "finished_at", "output"}
    created = datetime.fromisoformat(str(done["created_at"]))
    finished = datetime.fromisoformat(str(done["finished_at"]))
    assert (finished - created).total_seconds() == 30
    assert created.utcoffset() is not None


def test_failed_job_reports_completed_status_but_failed_result(
    emu: RunningEmulator, client: httpx.Client
) -> None:
    emu.set_outcome("failed")
    request_id = submit_ok(client)

    assert status_of(client, request_id)["status"] == "completed"
    result = result_of(client, request_id, "?include_cost=true")
    assert result["status"] == "failed"
    assert "output" not in result
    error = result["error"]
    assert isinstance(error, dict)
    assert isinstance(error["error_code"], int)
    assert error["error_message"]
    assert result["cost"] == 0.0


def test_fail_marker_in_an_input_fails_only_that_job(client: httpx.Client) -> None:
    failing = submit_ok(client, VIDEO, {**VIDEO_INPUT, "prompt": "a cat [emulator:fail]"})
    fine = submit_ok(client, VIDEO, VIDEO_INPUT)

    assert result_of(client, failing)["status"] == "failed"
    assert result_of(client, fine)["status"] == "succeeded"


def test_outcome_and_timings_apply_to_jobs_submitted_afterwards(
    emu: RunningEmulator, client: httpx.Client, clock: FakeClock
) -> None:
    emu.set_timings(queue_seconds=0, run_seconds=5)
    before = submit_ok(client)
    emu.set_outcome("failed")
    emu.set_timings(run_seconds=100)
    after = submit_ok(client)

    clock.advance(5)
    assert result_of(client, before)["status"] == "succeeded"
    assert result_of(client, after)["status"] == "in_progress"
    clock.advance(95)
    assert result_of(client, after)["status"] == "failed"


def test_cost_only_when_asked(client: httpx.Client) -> None:
    request_id = submit_ok(client)

    assert "cost" not in result_of(client, request_id)
    cost = result_of(client, request_id, "?include_cost=true")["cost"]
    assert isinstance(cost, float)
    assert cost > 0


def test_cancel_a_queued_job(emu: RunningEmulator, client: httpx.Client, clock: FakeClock) -> None:
    emu.set_timings(queue_seconds=10, run_seconds=10)
    request_id = submit_ok(client)

    response = client.post(f"/v1/requests/{request_id}/cancel")

    assert response.status_code == 202
    assert response.json() == {"request_id": request_id, "outcome": "cancelled"}
    assert status_of(client, request_id)["status"] == "cancelled"
    clock.advance(100)
    result = result_of(client, request_id)
    assert result["status"] == "cancelled"
    assert result["finished_at"] is not None
    assert "output" not in result
    again = client.post(f"/v1/requests/{request_id}/cancel")
    assert again.json()["outcome"] == "cancelled"
    assert emu.stats()["jobs"]["cancelled"] == 1


def test_running_and_finished_jobs_are_not_cancellable(
    emu: RunningEmulator, client: httpx.Client, clock: FakeClock
) -> None:
    emu.set_timings(queue_seconds=1, run_seconds=10)
    request_id = submit_ok(client)
    clock.advance(1)

    running = client.post(f"/v1/requests/{request_id}/cancel")
    assert running.status_code == 202
    assert running.json()["outcome"] == "not_cancellable"

    clock.advance(10)
    assert result_of(client, request_id)["status"] == "succeeded"
    done = client.post(f"/v1/requests/{request_id}/cancel")
    assert done.json()["outcome"] == "not_cancellable"


def test_queue_positions_skip_cancelled_jobs(emu: RunningEmulator, client: httpx.Client) -> None:
    emu.set_timings(queue_seconds=10)
    first, second, third = (submit_ok(client) for _ in range(3))
    client.post(f"/v1/requests/{first}/cancel")

    assert status_of(client, second)["queue_position"] == 0
    assert status_of(client, third)["queue_position"] == 1


def test_unknown_request_id_is_404001(client: httpx.Client) -> None:
    for method, path in [
        ("GET", "/v1/requests/nope/status"),
        ("GET", "/v1/requests/nope/result"),
        ("POST", "/v1/requests/nope/cancel"),
    ]:
        response = client.request(method, path)
        assert response.status_code == 404
        assert response.json()["error_code"] == 404001
        assert "nope" in response.json()["error_message"]


def test_unknown_model_is_400001_and_creates_no_job(
    emu: RunningEmulator, client: httpx.Client
) -> None:
    response = submit(client, "acme/no-such-model", {"prompt": "x"})

    assert response.status_code == 400
    assert response.json()["error_code"] == 400001
    stats = emu.stats()
    assert stats["routes"]["submit"] == 0
    assert stats["routes"]["submit_rejected"] == 1
    assert "acme/no-such-model" not in stats["models"]


def test_unknown_route_and_wrong_method_answer_in_the_error_shape(client: httpx.Client) -> None:
    missing = client.get("/v2/anything")
    assert missing.status_code == 404
    assert set(missing.json()) == {"error_code", "error_message"}

    wrong = client.put(f"/v1/models/{REFRAME}")
    assert wrong.status_code == 405
    assert "error_code" in wrong.json()


def test_stats_count_each_route_and_model(emu: RunningEmulator, client: httpx.Client) -> None:
    request_id = submit_ok(client)
    submit(client, REFRAME, {"image": IMAGE_URL})
    client.get(f"/v1/requests/{request_id}/status")
    client.get(f"/v1/requests/{request_id}/status")
    output = client.get(f"/v1/requests/{request_id}/result").json()["output"]
    client.get(output["image"])
    client.post(f"/v1/requests/{request_id}/cancel")
    client.get("/v1/models")
    client.get(f"/v1/models/{VIDEO}")

    stats = client.get("/_emulator/stats").json()

    assert stats["routes"] == {
        "submit": 1,
        "submit_rejected": 1,
        "status": 2,
        "result": 1,
        "cancel": 1,
        "catalog": 2,
        "files": 1,
        "balance": 0,
        "files_with_token": 0,
    }
    assert stats["models"][REFRAME]["submit"] == 1
    assert stats["models"][REFRAME]["submit_rejected"] == 1
    assert stats["models"][REFRAME]["status"] == 2
    assert stats["models"][VIDEO]["catalog"] == 1
    assert stats["jobs"] == {
        "in_queue": 0,
        "in_progress": 0,
        "succeeded": 1,
        "failed": 0,
        "cancelled": 0,
    }
    assert emu.stats() == stats


def test_reset_forgets_jobs_counters_faults_and_restores_timings(
    emu: RunningEmulator, client: httpx.Client
) -> None:
    request_id = submit_ok(client)
    emu.set_timings(queue_seconds=50)
    emu.set_outcome("failed")
    client.post("/_emulator/faults", json={"route": "catalog", "kind": "status", "status": 503})

    assert client.post("/_emulator/reset").status_code == 200

    assert client.get(f"/v1/requests/{request_id}/status").status_code == 404
    assert client.get("/_emulator/faults").json() == {"faults": []}
    assert client.get("/_emulator/config").json() == {
        "outcome": "succeeded",
        "queue_seconds": 0.0,
        "run_seconds": 0.0,
        "run_seconds_input": None,
        "run_seconds_per_unit": 1.0,
        "token_required": False,
        "shapes": Shapes().to_dict(),
    }
    assert emu.stats()["routes"]["submit"] == 0


def test_config_over_http_changes_outcome_and_timings(
    client: httpx.Client, clock: FakeClock
) -> None:
    response = client.post(
        "/_emulator/config", json={"outcome": "failed", "queue_seconds": 2, "run_seconds": 3}
    )
    assert response.status_code == 200
    assert response.json()["outcome"] == "failed"

    request_id = submit_ok(client)
    assert status_of(client, request_id)["status"] == "in_queue"
    clock.advance(5)
    assert result_of(client, request_id)["status"] == "failed"


def test_invalid_config_changes_nothing(client: httpx.Client) -> None:
    for body in (
        {"outcome": "failed", "run_seconds": -1},
        {"outcome": "exploded"},
        {"queue_seconds": "soon"},
        {"colour": "red"},
        ["outcome"],
    ):
        response = client.post("/_emulator/config", json=body)
        assert response.status_code == 400, body
        assert response.json()["error_code"] == 400000
    assert client.get("/_emulator/config").json()["outcome"] == "succeeded"


def test_a_jobs_run_time_may_follow_an_input(client: httpx.Client, clock: FakeClock) -> None:
    """Run seconds = the number an input holds times a factor; other jobs run `run_seconds`."""
    config = {"run_seconds": 7, "run_seconds_input": "seed", "run_seconds_per_unit": 0.5}
    assert client.post("/_emulator/config", json=config).status_code == 200
    short = submit_ok(client, body={**REFRAME_INPUT, "seed": 4})  # 2 s
    long = submit_ok(client, body={**REFRAME_INPUT, "seed": 10})  # 5 s
    plain = submit_ok(client)  # no seed: 7 s
    clock.advance(2.5)
    assert [status_of(client, r)["status"] for r in (short, long, plain)] == [
        "completed",
        "in_progress",
        "in_progress",
    ]
    clock.advance(3)
    assert result_of(client, long)["status"] == "succeeded"
    assert status_of(client, plain)["status"] == "in_progress"
    # "" makes run times plain again; a number in a string counts ("720p" is 720 units).
    assert (
        client.post("/_emulator/config", json={"run_seconds_input": ""}).json()["run_seconds_input"]
        is None
    )
    bad = client.post("/_emulator/config", json={"run_seconds_per_unit": 0})
    assert bad.status_code == 400


def test_a_number_inside_a_string_input_sets_the_run_time() -> None:
    from runcomfy_models._runtime.emulator import Emulator, load_catalog

    emulator = Emulator(load_catalog(), run_seconds=3.0, run_seconds_input="resolution")
    emulator.configure(run_seconds_per_unit=0.001)
    wide = emulator.submit(REFRAME, REFRAME_INPUT)  # "1152:864 (4:3)"
    assert wide.run_seconds == pytest.approx(1.152)
    assert emulator.submit(REFRAME, {**REFRAME_INPUT, "resolution": "auto"}).run_seconds == 3.0
    emulator.reset()
    assert emulator.config()["run_seconds_input"] == "resolution"  # the starting setting
