"""Every shape of model id RunComfy publishes generates into one tree, each model into its own
module: imported by id, type checked, and submitted to its own percent-encoded URL.

The shapes: spaces and capitals (``minimax/Hailuo Video 01 Live``, as in RunComfy's own curl
examples), one family spelled two ways (``wan-2.7`` and ``wan-2-7``), five segments, ids that
are prefixes of others, tiers that differ only in case (``4K`` and ``4k``), and last segments
that are nouns or name a model's own functions.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from runcomfy_codegen.pipeline import naming

from .support import HYPOTHESIS, imported_tree, run_cli

SHAPES = {
    "minimax/Hailuo Video 01 Live": "/v1/models/minimax/Hailuo%20Video%2001%20Live",
    "wan-ai/wan-2.7/text-to-video": "/v1/models/wan-ai/wan-2.7/text-to-video",
    "wan-ai/wan-2-7/text-to-video": "/v1/models/wan-ai/wan-2-7/text-to-video",
    "bytedance/seedance-2.5/image-to-video/720p/fast": (
        "/v1/models/bytedance/seedance-2.5/image-to-video/720p/fast"
    ),
    "blackforestlabs/flux-3/extend-video": "/v1/models/blackforestlabs/flux-3/extend-video",
    "blackforestlabs/flux-3/extend-video/draft": (
        "/v1/models/blackforestlabs/flux-3/extend-video/draft"
    ),
    "kling/kling-video-o3/4K/text-to-video": "/v1/models/kling/kling-video-o3/4K/text-to-video",
    "kling/kling-video-o3/4k/text-to-video": "/v1/models/kling/kling-video-o3/4k/text-to-video",
    "blackforestlabs/flux-3/image": "/v1/models/blackforestlabs/flux-3/image",
    "acme/studio": "/v1/models/acme/studio",
    "acme/studio/run": "/v1/models/acme/studio/run",
    "acme/studio/files": "/v1/models/acme/studio/files",
}
"""Model id -> the path its submit must be sent to (each segment percent-encoded)."""

INPUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["prompt"],
    "properties": {"prompt": {"type": "string"}},
}


def _write(schemas: Path, model_ids: list[str]) -> None:
    for model_id in model_ids:
        path = schemas / f"{model_id}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        entry = {"model_id": model_id, "input_schema": INPUT_SCHEMA}
        path.write_text(json.dumps(entry), encoding="utf-8")


@pytest.fixture(scope="module")
def shapes_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("shapes")
    _write(base / "schemas", list(SHAPES))
    out = base / "out"
    result = run_cli("generate", "--schemas", base / "schemas", "--out", out)
    assert result.exit_code == 0, result.stdout + result.stderr
    return out


def test_every_shape_imports_by_id_into_a_module_of_its_own(shapes_tree: Path) -> None:
    with imported_tree(shapes_tree) as package:
        modules = {model_id: package.get_model(model_id) for model_id in SHAPES}
        assert sorted(package.list_models()) == sorted(SHAPES)
    assert len({m.__name__ for m in modules.values()}) == len(SHAPES)
    for model_id, module in modules.items():
        assert model_id == module.MODEL_ID
        assert callable(module.run) and callable(module.submit)
    names = {model_id: module.__name__ for model_id, module in modules.items()}
    assert names["minimax/Hailuo Video 01 Live"] == "runcomfy_models.minimax.hailuo_video_01_live"
    # The version spelled with a dot keeps the plain name; the other gets a stable suffix.
    plain = "runcomfy_models.wan_ai.wan_2_7.text_to_video"
    assert names["wan-ai/wan-2.7/text-to-video"] == plain
    hashed = naming.short_hash("wan-2-7")
    assert (
        names["wan-ai/wan-2-7/text-to-video"]
        == f"runcomfy_models.wan_ai.wan_2_7_{hashed}.text_to_video"
    )
    assert names["kling/kling-video-o3/4k/text-to-video"].endswith(".n_4k.text_to_video")
    assert names["kling/kling-video-o3/4K/text-to-video"].endswith(
        f".n_4k_{naming.short_hash('4K')}.text_to_video"
    )


def test_the_shapes_tree_passes_mypy_strict(shapes_tree: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "runcomfy_models"],
        cwd=shapes_tree,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_shape_is_submitted_to_its_own_url(shapes_tree: Path) -> None:
    seen: list[str] = []

    def record(request: httpx.Request) -> None:
        if request.method == "POST" and request.url.path.startswith("/v1/models/"):
            seen.append(request.url.raw_path.decode("ascii"))

    with imported_tree(shapes_tree) as package:
        from runcomfy_models._runtime import RunComfy
        from runcomfy_models._runtime.emulator import running_emulator

        with (
            running_emulator(token="local-test") as emu,
            httpx.Client(event_hooks={"request": [record]}) as http,
            RunComfy("local-test", base_url=emu.base_url, http_client=http) as client,
        ):
            for model_id in SHAPES:
                job = package.get_model(model_id).submit(prompt="a cat", client=client)
                assert job.request_id
                assert job.model_id == model_id
    assert seen == list(SHAPES.values())


@pytest.mark.parametrize("model_id", sorted(SHAPES))
def test_the_submit_url_encodes_each_segment(model_id: str) -> None:
    from runcomfy_models._runtime.wire import model_url

    url = model_url("https://model-api.runcomfy.net", model_id)
    assert url == "https://model-api.runcomfy.net" + SHAPES[model_id]
    segments = url.split("/v1/models/", 1)[1].split("/")
    assert [quote(s, safe="") for s in model_id.split("/")] == segments


def test_a_spelling_added_later_never_renames_the_plain_one(tmp_path: Path) -> None:
    """A maintainer who pulls ``wan-2-7`` next week keeps ``wan_2_7`` for ``wan-2.7``."""
    before = naming.module_paths(["wan-ai/wan-2.7/edit"])
    after = naming.module_paths(["wan-ai/wan-2.7/edit", "wan-ai/wan-2-7/edit"])
    assert before["wan-ai/wan-2.7/edit"] == after["wan-ai/wan-2.7/edit"]
    assert after["wan-ai/wan-2-7/edit"] != after["wan-ai/wan-2.7/edit"]


SEGMENTS = st.sampled_from(["wan-2.7", "wan-2-7", "wan_2_7", "4K", "4k", "a b", "A B", "run", "x"])
IDS = st.lists(st.lists(SEGMENTS, min_size=2, max_size=5).map("/".join), max_size=12)


@HYPOTHESIS
@given(IDS, st.randoms(use_true_random=False))
def test_module_paths_are_distinct_and_independent_of_order(ids: list[str], rnd: Any) -> None:
    paths = naming.module_paths(ids)
    assert set(paths) == set(ids)
    assert len(set(paths.values())) == len(paths)
    shuffled = list(ids)
    rnd.shuffle(shuffled)
    assert naming.module_paths(shuffled) == paths
    for model_id, parts in paths.items():
        assert len(parts) == model_id.count("/") + 1
        assert all(p.isidentifier() for p in parts)
