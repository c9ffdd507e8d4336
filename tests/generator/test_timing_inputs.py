"""Which inputs drive a model's run time: the generator's rule, and what modules carry."""

from __future__ import annotations

import importlib

import pytest
from hypothesis import given
from hypothesis import strategies as st
from runcomfy_codegen.pipeline.ir import Field, FieldType, MediaKind
from runcomfy_codegen.pipeline.timing import drives_run_time, timing_inputs


def field(
    name: str,
    kinds: tuple[str, ...] = ("integer",),
    enum: tuple[str | int, ...] | None = None,
    media: MediaKind | None = None,
) -> Field:
    return Field(
        wire_name=name,
        python_name=name.lower(),
        cli_option=f"--{name}",
        pointer=f"/properties/{name}",
        required=False,
        type=FieldType(kinds=kinds, enum=enum),  # type: ignore[arg-type]
        default_json=None,
        title="",
        description="",
        media=media,
        many=False,
        validations=(),
        schema_json="{}",
    )


@pytest.mark.parametrize(
    "made",
    [
        field("duration"),
        field("duration", ("string",), enum=("5", "10")),
        field("resolution", ("string",), enum=("720p", "1080p")),
        field("num_images"),
        field("numFrames"),
        field("music_length_ms"),
        field("image_size", ("string",), enum=("square", "landscape")),
        field("steps", ("integer", "null")),
        field("rendering_speed", ("string",), enum=("TURBO", "QUALITY")),
        field("fps", ("number",)),
    ],
    ids=lambda f: f"{f.wire_name}:{'/'.join(f.type.kinds)}",
)
def test_settings_named_for_duration_size_or_count_drive_run_time(made: Field) -> None:
    assert drives_run_time(made)


@pytest.mark.parametrize(
    "made",
    [
        field("seed"),
        field("guidance_scale", ("number",)),
        field("aspect_ratio", ("string",), enum=("16:9", "1:1")),
        field("prompt", ("string",)),
        field("duration", ("string",)),  # free text, not a setting
        field("video_duration", ("string",), media=MediaKind.VIDEO),
        field("sizes", ("array",)),
        field("resolution", ("any",)),
    ],
    ids=lambda f: f"{f.wire_name}:{'/'.join(f.type.kinds)}",
)
def test_content_seeds_and_unnamed_settings_do_not(made: Field) -> None:
    assert not drives_run_time(made)


@given(st.permutations([field("seed"), field("duration"), field("resolution", ("number",))]))
def test_the_timing_inputs_are_sorted_whatever_the_schema_order(fields: list[Field]) -> None:
    assert timing_inputs(fields) == ("duration", "resolution")


def test_generated_modules_carry_their_timing_inputs_into_their_binding() -> None:
    module = importlib.import_module("runcomfy_models.alibaba.happyhorse_1_1.image_to_video")
    assert module.TIMING_INPUTS == ("duration", "resolution")
    assert "TIMING_INPUTS" in module.__all__
    binding = module._BINDING.resolve()
    assert binding.timing_inputs == ("duration", "resolution")
