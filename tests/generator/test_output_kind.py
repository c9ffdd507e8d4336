"""What a model makes (its output kind) and its categories, from the catalog entry or its id."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from runcomfy_codegen.pipeline.output_kind import (
    OUTPUT_KINDS,
    categories_from_id,
    kind_from_id,
    output_kind,
)

from .support import HYPOTHESIS, run_cli, tree


@pytest.mark.parametrize(
    ("model_id", "inputs", "kind"),
    [
        ("bytedance/seed-audio-1.0/text-to-audio", {"audio", "image"}, "audio"),
        ("acestep-ai/ace-step/audio-inpaint", {"audio"}, "audio"),
        ("elevenlabs/elevenlabs/music-generation", set(), "audio"),
        ("lightricks/ltx-2.5/audio-to-video/pro", {"audio", "image"}, "video"),
        ("kling/kling-video-o3/4K/text-to-video", set(), "video"),
        ("blackforestlabs/flux-3/first-last-frame-to-video/draft", {"image"}, "video"),
        ("google/gemini-omni-flash/video-edit", {"video"}, "video"),
        ("pixverse/pixverse-c1/transition", {"image"}, "video"),
        ("pixverse/pixverse-v6/extend", {"video"}, "video"),
        ("qwen/qwen-image-2.1/edit", {"image"}, "image"),
        ("ideogram/ideogram-v3/reframe", {"image"}, "image"),
        ("wan-ai/wan-2.7/edit", {"image"}, "image"),
        ("acme/acme-1/edit", {"image", "video"}, ""),  # which one it edits is not said
        ("bytedance/seedance-2.0/pro", {"audio", "image", "video"}, ""),
    ],
)
def test_the_id_task_word_says_the_kind(model_id: str, inputs: set[str], kind: str) -> None:
    assert kind_from_id(model_id, inputs) == kind
    assert output_kind(model_id, input_kinds=inputs) == kind


def test_the_catalog_type_then_the_categories_come_before_the_id() -> None:
    model_id = "acme/acme-1/text-to-video"
    assert output_kind(model_id, catalog_type="AUDIO", categories=["text-to-image"]) == "audio"
    assert output_kind(model_id, catalog_type="3D", categories=["text-to-image"]) == "image"
    assert output_kind(model_id, categories=["featured", "Text-To-Audio "]) == "audio"
    assert output_kind(model_id, categories=["featured"]) == "video"


@pytest.mark.parametrize(
    ("model_id", "kind", "categories"),
    [
        ("acme/acme-1/text-to-video/720p", "video", ("text-to-video",)),
        ("acme/acme-1/Image-To-Image", "image", ("image-to-image",)),
        ("acme/acme-1/edit", "image", ("image-edit",)),
        ("acme/acme-1/video-edit", "video", ("video-edit",)),
        ("acme/acme-1/edit", "", ("edit",)),
        ("acme/acme-1/pro", "video", ()),
    ],
)
def test_categories_come_from_the_task_segment(
    model_id: str, kind: str, categories: tuple[str, ...]
) -> None:
    assert categories_from_id(model_id, kind) == categories


_SEGMENT = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,20}", fullmatch=True)


@HYPOTHESIS
@given(
    segments=st.lists(_SEGMENT, min_size=2, max_size=5),
    inputs=st.sets(st.sampled_from(OUTPUT_KINDS)),
    catalog_type=st.text(max_size=8),
    categories=st.lists(st.text(max_size=20), max_size=3),
)
def test_any_entry_gets_a_known_kind_or_none(
    segments: list[str], inputs: set[str], catalog_type: str, categories: list[str]
) -> None:
    model_id = "/".join(segments)
    kind = output_kind(
        model_id, catalog_type=catalog_type, categories=categories, input_kinds=inputs
    )
    assert kind in (*OUTPUT_KINDS, "")
    if catalog_type.strip().lower() in OUTPUT_KINDS:
        assert kind == catalog_type.strip().lower()
    derived = categories_from_id(model_id, kind)
    assert len(derived) <= 1 and all(c == c.lower() and c.strip() for c in derived)


def test_an_entry_states_its_own_kind_and_categories(tmp_path: Path) -> None:
    entry = {
        "model_id": "acme/acme-1/pro",
        "categories": ["featured"],
        "kind": "model",
        "output_type_in_catalog": "AUDIO",
        "input_schema": {"type": "object", "properties": {"prompt": {"type": "string"}}},
    }
    schema = tmp_path / "schemas" / "acme" / "acme-1" / "pro.json"
    schema.parent.mkdir(parents=True)
    schema.write_text(json.dumps(entry))
    result = run_cli("generate", "--schemas", tmp_path / "schemas", "--out", tmp_path / "out")
    assert result.exit_code == 0, result.stderr
    assert "output_type_in_catalog" not in result.stderr  # a known catalog key
    files = tree(tmp_path / "out")
    (catalog,) = json.loads(files["runcomfy_models/_catalog.json"])["models"]
    assert (catalog["kind"], catalog["categories"]) == ("model", ["featured"])
    module = files["runcomfy_models/acme/acme_1/pro.py"].decode()
    assert 'OUTPUT_KIND: Final = "audio"' in module
    assert "Output kind: audio" in files["docs/acme/acme-1/pro.md"].decode()
    assert "## Audio (1)\n\n### featured\n" in files["docs/README.md"].decode()
