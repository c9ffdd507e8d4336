"""Against the real RunComfy API: free calls only; skipped unless RUNCOMFY_API_TOKEN is set."""

from __future__ import annotations

import os

import pytest
from runcomfy_models._runtime import NotFoundError, RunComfy

LIVE_TOKEN = os.environ.get("RUNCOMFY_API_TOKEN", "")
LIVE_BASE_URL = os.environ.get("RUNCOMFY_BASE_URL") or None

pytestmark = [
    pytest.mark.network,
    pytest.mark.skipif(not LIVE_TOKEN, reason="set RUNCOMFY_API_TOKEN to run live tests"),
]


def test_live_unknown_request_is_not_found() -> None:
    with (
        RunComfy(LIVE_TOKEN, base_url=LIVE_BASE_URL, max_retries=1) as client,
        pytest.raises(NotFoundError) as info,
    ):
        client.status("00000000-0000-0000-0000-000000000000")
    assert LIVE_TOKEN not in str(info.value)


def test_live_catalog_entry() -> None:
    with RunComfy(LIVE_TOKEN, base_url=LIVE_BASE_URL, max_retries=1) as client:
        entry = client.get_model("ideogram/ideogram-v3/reframe")
    assert isinstance(entry, dict)
