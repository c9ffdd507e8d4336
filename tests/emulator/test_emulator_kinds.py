"""Each model answers in its kind (PNG, MP4, WAV), priced as RunComfy prices it, in every
output shape RunComfy's own clients read."""

from __future__ import annotations

import io
import wave
from typing import Any

import pytest
from runcomfy_models._runtime.emulator import OUTPUT_VARIANTS, Shapes
from runcomfy_models._runtime.emulator.catalog import Catalog
from runcomfy_models._runtime.emulator.kinds import entry_kind
from runcomfy_models._runtime.emulator.media import plan_output, wav_bytes
from runcomfy_models._runtime.emulator.outputs import SEED, output_body

INPUT = {"type": "object", "properties": {"prompt": {"type": "string"}}}


def _entry(model_id: str, **keys: Any) -> dict[str, Any]:
    return {"model_id": model_id, "input_schema": INPUT, **keys}


@pytest.mark.parametrize(
    ("entry", "kind"),
    [
        (_entry("acme/a/text-to-video", output_type_in_catalog="AUDIO"), "audio"),
        (_entry("acme/a/text-to-video", categories=["featured", "text-to-audio"]), "audio"),
        (_entry("acme/a/pro", kind="video"), "video"),
        (_entry("acme/a/pro", output_schema={"properties": {"audios": {}}}), "audio"),
        (_entry("acme/a/audio-to-video"), "video"),
        (_entry("acme/a/music-generation"), "audio"),
        (_entry("acme/acme-video/pro"), "video"),
        (_entry("acme/a/reframe"), "image"),
    ],
)
def test_the_kind_of_an_entry(entry: dict[str, Any], kind: str) -> None:
    assert entry_kind(entry) == kind


def test_an_audio_model_makes_a_wav_priced_per_second() -> None:
    (entry,) = Catalog([_entry("acme/a/text-to-audio")]).page(limit=1, offset=0).entries
    assert entry["price_unit"] == "second"
    plan = plan_output(entry, {})
    assert (plan.kind, plan.output_key, plan.extension) == ("audio", "audio", "wav")
    assert plan.content_type == "audio/wav"
    with wave.open(io.BytesIO(plan.render())) as sound:
        assert (sound.getnchannels(), sound.getsampwidth(), sound.getframerate()) == (1, 2, 8000)
        assert sound.getnframes() == 2000
    assert wav_bytes() is wav_bytes()


def test_the_plural_key_when_the_schema_names_only_that() -> None:
    entry = _entry("acme/a/text-to-audio", output_schema={"properties": {"audios": {}}})
    plan = plan_output(entry, {})
    assert (plan.output_key, plan.is_list) == ("audios", True)


def test_every_output_shape() -> None:
    plan = plan_output(_entry("acme/a/text-to-audio"), {})
    url = "http://127.0.0.1:1/files/x.wav"
    bodies = {name: output_body(s.output, plan, url) for name, s in OUTPUT_VARIANTS.items()}
    assert bodies == {
        "output-documented": {"audio": url},
        "output-list": {"audios": [url]},
        "output-extras": {
            "audio": url,
            "seed": SEED,
            "has_nsfw_concepts": [False],
            "timings": {"inference": 1.25},
        },
        "output-unknown-key": {"audio_url": url, "seed": SEED},
        "output-nested": {"result": {"files": [url], "format": "wav"}, "seed": SEED},
        "output-no-file": {"seed": SEED},
    }
    assert Shapes.parse(["output=unknown_key"]).output == "unknown_key"
    with pytest.raises(ValueError, match="output"):
        Shapes(output="sometimes")  # type: ignore[arg-type]
