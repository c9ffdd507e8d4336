"""Every file a job returns reaches the user: audio models, ``audios`` lists, extra keys, URLs
under keys no schema names, and an output with no file, over real sockets, sync and async."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from runcomfy_models._runtime import (
    AudioOutput,
    ModelOutput,
    RemoteFile,
    UnexpectedOutputError,
    VideoOutput,
)
from runcomfy_models._runtime.emulator import OUTPUT_VARIANTS, RunningEmulator, running_emulator
from runcomfy_models._runtime.emulator.outputs import SEED
from runcomfy_models.bytedance.seed_audio_1_0 import text_to_audio
from runcomfy_models.wan_ai.wan_3_0 import image_to_video

from .helpers import TOKEN, make_async_client, make_client

FLAVORS = ("sync", "async")


@pytest.fixture(scope="module")
def catalog_emulator() -> Iterator[RunningEmulator]:
    with running_emulator(token=TOKEN) as emu:
        yield emu


@pytest.fixture
def emu(catalog_emulator: RunningEmulator) -> Iterator[RunningEmulator]:
    """The package-catalog emulator, answering in the documented output shape afterwards."""
    yield catalog_emulator
    catalog_emulator.emulator.shapes = OUTPUT_VARIANTS["output-documented"]


def _use(emu: RunningEmulator, variant: str) -> None:
    emu.emulator.shapes = OUTPUT_VARIANTS[variant]


def run_and_save(
    flavor: str, emu: RunningEmulator, module: ModuleType, folder: Path, **inputs: Any
) -> tuple[ModelOutput, list[Path]]:
    """Run ``module`` and save every file of its output, through the sync or the async API."""
    if flavor == "sync":
        with make_client(emu.base_url) as client:
            out = module.run(client=client, timeout=10, **inputs)
            return out, out.save_all(folder)

    async def go() -> tuple[ModelOutput, list[Path]]:
        async with make_async_client(emu.base_url) as client:
            out = await module.run_async(client=client, timeout=10, **inputs)
            return out, await out.asave_all(folder)

    return asyncio.run(go())


def _is_wav(path: Path) -> bool:
    data = path.read_bytes()
    return data[:4] == b"RIFF" and data[8:12] == b"WAVE" and len(data) > 44


@pytest.mark.parametrize("flavor", FLAVORS)
def test_an_audio_model_returns_its_audio_file(
    flavor: str, emu: RunningEmulator, tmp_path: Path
) -> None:
    out, saved = run_and_save(flavor, emu, text_to_audio, tmp_path, prompt="Hello")
    assert isinstance(out, text_to_audio.Output) and isinstance(out, AudioOutput)
    assert isinstance(out.audio, RemoteFile) and out.image is None
    assert out.file() == out.audio and out.files() == [out.audio]
    assert [p.suffix for p in saved] == [".wav"] and _is_wav(saved[0])
    answer = httpx.get(out.audio.url)
    assert answer.headers["content-type"] == "audio/wav"
    assert out.cost is not None and out.cost > 0  # priced per second, as non-image models are


@pytest.mark.parametrize("flavor", FLAVORS)
def test_an_audios_list_is_files(flavor: str, emu: RunningEmulator, tmp_path: Path) -> None:
    _use(emu, "output-list")
    out, saved = run_and_save(flavor, emu, text_to_audio, tmp_path, prompt="Hello")
    assert isinstance(out, text_to_audio.Output)
    assert out.audio is None and out.audios is not None and len(out.audios) == 1
    assert out.file() == out.audios[0]
    assert len(saved) == 1 and _is_wav(saved[0])


@pytest.mark.parametrize("flavor", FLAVORS)
def test_extra_keys_are_kept(flavor: str, emu: RunningEmulator, tmp_path: Path) -> None:
    _use(emu, "output-extras")
    out, saved = run_and_save(flavor, emu, text_to_audio, tmp_path, prompt="Hello")
    assert out.extras == {
        "seed": SEED,
        "has_nsfw_concepts": [False],
        "timings": {"inference": 1.25},
    }
    assert out.seed == SEED  # readable by name
    dumped = out.model_dump(mode="json")
    assert dumped["seed"] == SEED and dumped["has_nsfw_concepts"] == [False]
    assert out.raw == {"audio": out.file().url, **out.extras}
    assert len(saved) == 1 and _is_wav(saved[0])


@pytest.mark.parametrize("flavor", FLAVORS)
def test_a_url_under_a_key_no_schema_names_is_a_file(
    flavor: str, emu: RunningEmulator, tmp_path: Path
) -> None:
    _use(emu, "output-unknown-key")
    out, saved = run_and_save(flavor, emu, text_to_audio, tmp_path, prompt="Hello")
    assert out.audio is None and out.audios is None
    url = out.extras["audio_url"]
    assert isinstance(url, str) and out.files() == [RemoteFile(url)]
    assert out.file().url == url
    assert len(saved) == 1 and _is_wav(saved[0])


@pytest.mark.parametrize("flavor", FLAVORS)
def test_a_nested_url_is_a_file(flavor: str, emu: RunningEmulator, tmp_path: Path) -> None:
    _use(emu, "output-nested")
    out, saved = run_and_save(flavor, emu, image_to_video, tmp_path, image_url=_IMAGE, prompt="x")
    assert isinstance(out, VideoOutput)
    assert [f.url for f in out.files()] == out.extras["result"]["files"]
    assert out.extras["result"]["format"] == "mp4"
    assert len(saved) == 1 and saved[0].read_bytes()[4:8] == b"ftyp"


@pytest.mark.parametrize("flavor", FLAVORS)
def test_an_output_with_no_file_says_so_with_the_raw_output(
    flavor: str, emu: RunningEmulator, tmp_path: Path
) -> None:
    _use(emu, "output-no-file")
    out, saved = run_and_save(flavor, emu, text_to_audio, tmp_path, prompt="Hello")
    assert saved == [] and out.files() == []
    with pytest.raises(UnexpectedOutputError) as info:
        out.file()
    assert info.value.output == {"seed": SEED}
    assert f'{{"seed": {SEED}}}' in str(info.value)


@pytest.mark.parametrize("flavor", FLAVORS)
def test_a_video_model_returns_an_mp4(flavor: str, emu: RunningEmulator, tmp_path: Path) -> None:
    out, saved = run_and_save(flavor, emu, image_to_video, tmp_path, image_url=_IMAGE, prompt="x")
    assert isinstance(out, image_to_video.Output) and out.video is not None
    assert out.file() == out.video
    assert [p.suffix for p in saved] == [".mp4"]


_IMAGE = "https://example.com/cat.png"


def test_file_prefers_the_models_kind_among_several() -> None:
    out = image_to_video.Output.model_validate(
        {"video": "https://cdn.test/v.mp4", "thumbnail_url": "https://cdn.test/t.jpg"}
    )
    assert len(out.files()) == 2
    assert out.file().url == "https://cdn.test/v.mp4"
    named = text_to_audio.Output.model_validate(
        {"audio_url": "https://cdn.test/a.wav", "cover_url": "https://cdn.test/c.png"}
    )
    assert named.file().url == "https://cdn.test/a.wav"
    two = image_to_video.Output.model_validate(
        {"videos": ["https://cdn.test/1.mp4", "https://cdn.test/2.mp4"]}
    )
    with pytest.raises(UnexpectedOutputError, match="it holds 2 files"):
        two.file()


def test_only_http_urls_outside_the_schema_are_files() -> None:
    out = text_to_audio.Output.model_validate(
        {
            "caption": "see https://cdn.test/a.wav for details",
            "path": "/tmp/a.wav",
            "link": "ftp://cdn.test/a.wav",
            "tracks": [{"url": "HTTPS://cdn.test/b.wav"}, 3, None],
        }
    )
    assert [f.url for f in out.files()] == ["HTTPS://cdn.test/b.wav"]
    assert out.extras["path"] == "/tmp/a.wav"


_MEDIA = ("audio", "audios", "image", "images", "video", "videos")
_URLS = st.builds(
    lambda host, name: f"https://{host}.test/{name}.bin",
    st.sampled_from("abc"),
    st.text("xyz", min_size=1, max_size=4),
)
_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12) | _URLS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)


def _urls_in(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value] if value.startswith("https://") else []
    if isinstance(value, dict):
        return [url for item in value.values() for url in _urls_in(item)]
    if isinstance(value, list):
        return [url for item in value for url in _urls_in(item)]
    return []


@settings(max_examples=80, derandomize=True, deadline=None, database=None)
@given(
    extras=st.dictionaries(
        st.text(max_size=10).filter(lambda key: key not in _MEDIA), _VALUES, max_size=5
    ),
    audio=st.none() | _URLS,
    images=st.none() | st.lists(_URLS, max_size=3),
)
def test_nothing_an_output_holds_is_dropped(
    extras: dict[str, Any], audio: str | None, images: list[str] | None
) -> None:
    raw: dict[str, Any] = {**extras, "audio": audio, "images": images}
    out = text_to_audio.Output.model_validate(raw)
    assert out.raw == raw
    assert out.extras == extras
    dumped = out.model_dump(mode="json")
    assert all(dumped[key] == value for key, value in extras.items())
    expected = [audio] if audio else []
    expected += [*(images or []), *_urls_in(extras)]
    assert [f.url for f in out.files()] == list(dict.fromkeys(expected))
