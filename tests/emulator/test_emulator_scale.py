"""A thousand jobs in flight over one keep-alive connection."""

from __future__ import annotations

import httpx
from runcomfy_models._runtime.emulator import RunningEmulator

from .support import REFRAME, REFRAME_INPUT, FakeClock

JOBS = 1000


def test_a_thousand_jobs_in_flight_over_one_connection(
    emu: RunningEmulator, clock: FakeClock
) -> None:
    emu.set_timings(queue_seconds=60, run_seconds=60)
    local_addresses = set()
    request_ids = []
    with httpx.Client(base_url=emu.base_url, limits=httpx.Limits(max_connections=1)) as client:
        for _ in range(JOBS):
            response = client.post(f"/v1/models/{REFRAME}", json=REFRAME_INPUT)
            assert response.status_code == 200
            request_ids.append(response.json()["request_id"])
            stream = response.extensions["network_stream"]
            local_addresses.add(stream.get_extra_info("client_addr"))

        assert len(local_addresses) == 1
        assert len(set(request_ids)) == JOBS
        assert emu.stats()["jobs"]["in_queue"] == JOBS
        last = client.get(f"/v1/requests/{request_ids[-1]}/status").json()
        assert last["queue_position"] == JOBS - 1

        clock.advance(60)
        assert emu.stats()["jobs"]["in_progress"] == JOBS
        clock.advance(60)
        stats = emu.stats()
        assert stats["jobs"]["succeeded"] == JOBS
        assert stats["routes"]["submit"] == JOBS
        assert stats["models"][REFRAME]["submit"] == JOBS
        for request_id in request_ids[:: JOBS // 10]:
            result = client.get(f"/v1/requests/{request_id}/result").json()
            assert result["status"] == "succeeded"
        assert len(local_addresses) == 1


def test_a_thousand_jobs_with_zero_timings_all_finish(emu: RunningEmulator) -> None:
    with httpx.Client(base_url=emu.base_url) as client:
        for index in range(JOBS):
            body = dict(REFRAME_INPUT, seed=index)
            assert client.post(f"/v1/models/{REFRAME}", json=body).status_code == 200

    assert emu.stats()["jobs"] == {
        "in_queue": 0,
        "in_progress": 0,
        "succeeded": JOBS,
        "failed": 0,
        "cancelled": 0,
    }
