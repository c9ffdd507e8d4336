"""ModelBinding: input building, payloads, typed jobs, and the module-level default clients."""

from __future__ import annotations

import asyncio
import base64
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from runcomfy_models._runtime import (
    AsyncJob,
    AsyncRunComfy,
    InvalidInputError,
    Job,
    MediaField,
    ModelBinding,
    RemoteFile,
    RunComfy,
    aclose_default_async_client,
    close_default_client,
    get_default_async_client,
    get_default_client,
    set_default_async_client,
    set_default_client,
)
from runcomfy_models._runtime.emulator import RunningEmulator

from .drivers import Driver
from .helpers import (
    IMAGE_MODEL,
    IMAGE_URL,
    REFRAME,
    TOKEN,
    VIDEO,
    ReframeInput,
    ReframeOutput,
    VideoOutput,
    make_async_client,
    make_client,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 8


class AliasInput(BaseModel):
    model_config = ConfigDict(populate_by_name=False)

    image: str
    speed: str | None = Field(default=None, alias="rendering-speed")
    loops: int = 1


ALIASED = ModelBinding("a/b", AliasInput, ReframeOutput, {"image": MediaField("image")})


def test_build_input_drops_none_and_sends_only_what_was_set() -> None:
    model = REFRAME.build_input({"image": IMAGE_URL, "seed": None, "rendering_speed": None})
    assert isinstance(model, ReframeInput)
    assert REFRAME.payload(model) == {"image": IMAGE_URL}
    model = REFRAME.build_input({"image": IMAGE_URL, "resolution": "1024:1024 (1:1)", "seed": 0})
    assert REFRAME.payload(model) == {
        "image": IMAGE_URL,
        "resolution": "1024:1024 (1:1)",
        "seed": 0,
    }


def test_python_names_map_to_wire_names() -> None:
    model = ALIASED.build_input({"image": IMAGE_URL, "speed": "TURBO"})
    assert ALIASED.payload(model) == {"image": IMAGE_URL, "rendering-speed": "TURBO"}
    with_default = ALIASED.build_input({"image": IMAGE_URL, "loops": 1})
    assert ALIASED.payload(with_default) == {"image": IMAGE_URL, "loops": 1}


def test_media_fields_are_encoded(tmp_path: Path) -> None:
    picture = tmp_path / "cat.png"
    picture.write_bytes(PNG)
    model = REFRAME.build_input({"image": picture})
    assert model.image == "data:image/png;base64," + base64.b64encode(PNG).decode()
    video = VIDEO.build_input(
        {"image_uri": PNG, "prompt": "p", "reference_image_uris": [IMAGE_URL, io.BytesIO(PNG)]}
    )
    assert video.image_uri.startswith("data:image/png;base64,")
    assert video.reference_image_uris is not None
    assert video.reference_image_uris[0] == IMAGE_URL
    assert video.reference_image_uris[1].startswith("data:image/png;base64,")


def test_media_errors_name_the_field(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match=r"^image: .*not an http\(s\) URL"):
        REFRAME.build_input({"image": "cat.png"})
    with pytest.raises(InvalidInputError, match="file not found"):
        REFRAME.build_input({"image": tmp_path / "missing.png"})
    with pytest.raises(InvalidInputError, match=r"reference_image_uris\[1\]"):
        VIDEO.build_input(
            {"image_uri": IMAGE_URL, "prompt": "p", "reference_image_uris": [IMAGE_URL, "nope"]}
        )
    with pytest.raises(InvalidInputError, match="expected a list"):
        VIDEO.build_input(
            {"image_uri": IMAGE_URL, "prompt": "p", "reference_image_uris": IMAGE_URL}
        )


def test_validation_errors_are_readable_and_keep_pydantics_report_out_of_sight() -> None:
    with pytest.raises(InvalidInputError) as info:
        REFRAME.build_input({"seed": -1})
    message = str(info.value)
    assert message.startswith(f"Invalid input for {IMAGE_MODEL}: ")
    assert "image: Field required" in message
    assert "seed: Input should be greater than or equal to 0 (got -1)" in message
    # A traceback shows only our message; pydantic's report stays reachable as the context.
    assert info.value.__cause__ is None and info.value.__suppress_context__
    assert isinstance(info.value.__context__, ValidationError)
    assert info.value.exit_code == 65
    assert isinstance(info.value, ValueError)
    with pytest.raises(InvalidInputError, match="speed"):
        ALIASED.build_input({"image": IMAGE_URL, "speed": 5})
    with pytest.raises(InvalidInputError, match="unknown parameter 'colour'"):
        REFRAME.build_input({"image": IMAGE_URL, "colour": "red"})


def test_long_inputs_are_shortened_in_messages() -> None:
    with pytest.raises(InvalidInputError) as info:
        ALIASED.build_input({"image": IMAGE_URL, "loops": "x" * 10_000})
    assert len(str(info.value)) < 400


def test_prebuilt_input_models_are_accepted() -> None:
    model = ReframeInput(image=IMAGE_URL)
    assert REFRAME.build_input(model) is model
    with pytest.raises(InvalidInputError):
        REFRAME.build_input(["image"])  # type: ignore[arg-type]


def test_binding_rejects_unknown_media_and_nullable_fields() -> None:
    with pytest.raises(ValueError, match="fields not in ReframeInput: \\['picture'\\]"):
        ModelBinding("a/b", ReframeInput, ReframeOutput, {"picture": MediaField("image")})
    with pytest.raises(ValueError, match="fields not in ReframeInput: \\['colour'\\]"):
        ModelBinding("a/b", ReframeInput, ReframeOutput, {}, nullable=["colour"])


class NullableInput(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    image: str
    seed: int | None = None
    mask: str | None = Field(default=None, alias="mask-url")
    note: str | None = None


def test_none_in_a_prebuilt_input_is_not_sent_unless_the_schema_allows_null() -> None:
    # A hand-built model set to None means "not set", as keyword parameters do; only a field
    # whose schema allows null (here: mask, sent as "mask-url") is sent as null.
    binding = ModelBinding("a/b", NullableInput, ReframeOutput, {}, nullable=["mask"])
    model = NullableInput(image=IMAGE_URL, seed=None, mask=None, note="x")
    assert binding.payload(model) == {"image": IMAGE_URL, "mask-url": None, "note": "x"}
    assert binding.payload(NullableInput(image=IMAGE_URL)) == {"image": IMAGE_URL}
    assert binding.payload(NullableInput.model_validate({"image": IMAGE_URL, "seed": None})) == {
        "image": IMAGE_URL
    }


def test_validation_happens_before_any_request(emu: RunningEmulator, driver: Driver) -> None:
    with pytest.raises(InvalidInputError):
        driver.binding_run(REFRAME, {"image": "not a url"})
    assert emu.stats()["routes"]["submit"] + emu.stats()["routes"]["submit_rejected"] == 0


def test_binding_lifecycle_is_typed(emu: RunningEmulator, driver: Driver, tmp_path: Path) -> None:
    picture = tmp_path / "cat.png"
    picture.write_bytes(PNG)
    output = driver.binding_run(REFRAME, {"image": picture, "seed": 3}, timeout=10)
    assert isinstance(output, ReframeOutput) and isinstance(output.image, RemoteFile)
    emu.set_timings(queue_seconds=30)
    job = driver.binding_submit(VIDEO, {"image_uri": IMAGE_URL, "prompt": "hi"})
    assert isinstance(job, Job | AsyncJob)
    assert job.output_type is VideoOutput and job.model_id == VIDEO.model_id
    rebuilt = driver.binding_job(VIDEO, job.request_id)
    assert rebuilt.output_type is VideoOutput and rebuilt.request_id == job.request_id
    assert driver.cancel(rebuilt).cancelled


def test_output_that_does_not_match_the_model_is_unexpected(
    emu: RunningEmulator, driver: Driver
) -> None:
    from runcomfy_models._runtime import UnexpectedResponseError

    strict = ModelBinding(IMAGE_MODEL, ReframeInput, VideoOutput, {})
    with pytest.raises(UnexpectedResponseError, match="does not match VideoOutput"):
        driver.binding_run(strict, {"image": IMAGE_URL}, timeout=10)


# -- default clients ---------------------------------------------------------------------------


@pytest.fixture
def env_to_emulator(emu: RunningEmulator, monkeypatch: pytest.MonkeyPatch) -> RunningEmulator:
    monkeypatch.setenv("RUNCOMFY_API_TOKEN", TOKEN)
    monkeypatch.setenv("RUNCOMFY_BASE_URL", emu.base_url)
    close_default_client()
    return emu


def test_default_client_comes_from_the_environment(env_to_emulator: RunningEmulator) -> None:
    try:
        client = get_default_client()
        assert client is get_default_client()
        assert client.base_url == env_to_emulator.base_url
        output = REFRAME.run({"image": IMAGE_URL}, timeout=10)
        assert isinstance(output, ReframeOutput)
        job = REFRAME.job(REFRAME.submit({"image": IMAGE_URL}).request_id)
        assert job.client is client
    finally:
        close_default_client()
    assert get_default_client() is not client
    close_default_client()


def test_set_default_client_and_per_call_override(emu: RunningEmulator) -> None:
    mine = make_client(emu.base_url)
    other = make_client(emu.base_url)
    try:
        set_default_client(mine)
        assert get_default_client() is mine
        assert REFRAME.submit({"image": IMAGE_URL}).client is mine
        assert REFRAME.submit({"image": IMAGE_URL}, client=other).client is other
    finally:
        set_default_client(None)
        mine.close()
        other.close()


def test_default_client_without_a_token_explains_what_to_set(emu: RunningEmulator) -> None:
    from runcomfy_models._runtime import MissingTokenError

    set_default_client(RunComfy(base_url=emu.base_url))
    try:
        with pytest.raises(MissingTokenError, match="RUNCOMFY_API_TOKEN"):
            REFRAME.run({"image": IMAGE_URL})
    finally:
        get_default_client().close()
        set_default_client(None)


async def test_default_async_client_is_per_event_loop(env_to_emulator: RunningEmulator) -> None:
    client = get_default_async_client()
    assert client is get_default_async_client()
    try:
        output = await REFRAME.run_async({"image": IMAGE_URL}, timeout=10)
        assert isinstance(output, ReframeOutput)
        job = REFRAME.job_async((await REFRAME.submit_async({"image": IMAGE_URL})).request_id)
        assert job.client is client

        def in_another_loop() -> Any:
            async def inner() -> Any:
                other = get_default_async_client()
                result = await REFRAME.run_async({"image": IMAGE_URL}, timeout=10)
                await aclose_default_async_client()
                return other, result

            return asyncio.run(inner())

        other, result = await asyncio.to_thread(in_another_loop)
        assert other is not client
        assert isinstance(result, ReframeOutput)
    finally:
        await aclose_default_async_client()
    assert get_default_async_client() is not client
    await aclose_default_async_client()


async def test_set_default_async_client(emu: RunningEmulator) -> None:
    mine = make_async_client(emu.base_url)
    try:
        set_default_async_client(mine)
        assert get_default_async_client() is mine
        job = await REFRAME.submit_async({"image": IMAGE_URL})
        assert job.client is mine
    finally:
        set_default_async_client(None)
        await mine.aclose()


def test_reframe_style_module_functions(emu: RunningEmulator) -> None:
    """What a generated module does: keyword arguments straight into the binding."""

    def run(
        *, image: Any, resolution: str | None = None, client: RunComfy | None = None
    ) -> ReframeOutput:
        return REFRAME.run({"image": image, "resolution": resolution}, client=client, timeout=10)

    call: Callable[..., ReframeOutput] = run
    with make_client(emu.base_url) as client:
        out = call(image=IMAGE_URL, resolution="1024:1024 (1:1)", client=client)
    assert out.image is not None


def test_default_async_client_needs_a_running_loop() -> None:
    with pytest.raises(RuntimeError, match="pass client=AsyncRunComfy"):
        get_default_async_client()


def test_replacing_the_environment_default_closes_it(env_to_emulator: RunningEmulator) -> None:
    created = get_default_client()
    assert isinstance(REFRAME.run({"image": IMAGE_URL}, timeout=10), ReframeOutput)
    mine = make_client(env_to_emulator.base_url)
    try:
        set_default_client(mine)
        assert created._http.is_closed  # created here, so closed here
        set_default_client(None)
        assert not mine._http.is_closed  # the caller's client stays the caller's
        fresh = get_default_client()
        assert fresh is not created and not fresh._http.is_closed
    finally:
        close_default_client()
        mine.close()


def test_async_default_is_closed_when_its_event_loop_shuts_down(
    env_to_emulator: RunningEmulator,
) -> None:
    async def use_the_default() -> tuple[AsyncRunComfy, ReframeOutput]:
        output = await REFRAME.run_async({"image": IMAGE_URL}, timeout=10)
        return get_default_async_client(), output

    client, output = asyncio.run(use_the_default())
    assert isinstance(output, ReframeOutput)
    assert client._http.is_closed
    again, _ = asyncio.run(use_the_default())
    assert again is not client and again._http.is_closed


async def test_aclose_default_async_client_closes_it(env_to_emulator: RunningEmulator) -> None:
    client = get_default_async_client()
    await client.status((await REFRAME.submit_async({"image": IMAGE_URL})).request_id)
    await aclose_default_async_client()
    assert client._http.is_closed
    await aclose_default_async_client()  # nothing left to close: no error
