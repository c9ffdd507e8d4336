"""``run``: every kind of option becomes exactly the right request body (and nothing more)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from runcomfy_models._runtime.config import PollPolicy

from .support import (
    IMAGE_URL,
    PNG,
    REFERENCE,
    REFRAME,
    REFRAME_ARGS,
    SEEDREAM,
    SQUARE,
    WAN,
    RecordingApi,
    invoke,
    last_json,
)


def test_only_given_options_are_sent(recorder: RecordingApi) -> None:
    result = invoke(["run", *REFRAME_ARGS], base_url=recorder.base_url)
    assert result.exit_code == 0, result.stderr
    assert recorder.last() == {"image": IMAGE_URL, "resolution": SQUARE}
    assert recorder.models == [REFRAME]


def test_enum_range_and_json_object_options(recorder: RecordingApi) -> None:
    args = [
        "run",
        *REFRAME_ARGS,
        "--rendering-speed",
        "TURBO",
        "--seed",
        "2147483647",
        "--style",
        '{"preset": "film", "weight": 0.5}',
        "--color-palette",
        '{"members": [{"color": "#ff0000"}]}',
    ]
    result = invoke(args, base_url=recorder.base_url)
    assert result.exit_code == 0, result.stderr
    assert recorder.last() == {
        "image": IMAGE_URL,
        "resolution": SQUARE,
        "rendering_speed": "TURBO",
        "seed": 2147483647,
        "style": {"preset": "film", "weight": 0.5},
        "color_palette": {"members": [{"color": "#ff0000"}]},
    }


@pytest.mark.parametrize(
    ("flags", "sent"),
    [
        ([], {}),
        (["--enable-audio"], {"enable_audio": True}),
        (["--no-enable-audio", "--prompt-extend"], {"enable_audio": False, "prompt_extend": True}),
    ],
)
def test_boolean_flags_are_tristate(
    recorder: RecordingApi, flags: list[str], sent: dict[str, bool]
) -> None:
    args = ["run", WAN, "--prompt", "a cat", "--image-url", IMAGE_URL, *flags]
    result = invoke(args, base_url=recorder.base_url)
    assert result.exit_code == 0, result.stderr
    assert recorder.last() == {"prompt": "a cat", "image_url": IMAGE_URL, **sent}


def test_repeatable_media_list_mixes_urls_and_files(recorder: RecordingApi, tmp_path: Path) -> None:
    picture = tmp_path / "ref.png"
    picture.write_bytes(PNG)
    args = [
        "run",
        REFERENCE,
        "--prompt",
        "dance",
        "--images",
        IMAGE_URL,
        "--images",
        str(picture),
        "--duration",
        "6",
        "--no-generate-audio",
    ]
    result = invoke(args, base_url=recorder.base_url)
    assert result.exit_code == 0, result.stderr
    body = recorder.last()
    assert body["images"][0] == IMAGE_URL
    assert body["images"][1] == "data:image/png;base64," + base64.b64encode(PNG).decode()
    assert body["duration"] == 6
    assert body["generate_audio"] is False
    assert "videos" not in body and "audios" not in body


def test_media_path_is_sent_as_data_uri(recorder: RecordingApi, tmp_path: Path) -> None:
    picture = tmp_path / "cat.png"
    picture.write_bytes(PNG)
    result = invoke(
        ["run", REFRAME, "--image", str(picture), "--resolution", SQUARE],
        base_url=recorder.base_url,
    )
    assert result.exit_code == 0, result.stderr
    assert recorder.last()["image"] == "data:image/png;base64," + base64.b64encode(PNG).decode()


def test_input_file_with_options_overriding_its_keys(
    recorder: RecordingApi, tmp_path: Path
) -> None:
    (tmp_path / "pics").mkdir()
    (tmp_path / "pics" / "a.png").write_bytes(PNG)
    source = tmp_path / "input.json"
    source.write_text(
        json.dumps(
            {
                "prompt": "from the file",
                "image": ["pics/a.png", IMAGE_URL],
                "resolution": "1K",
                "aspect_ratio": "16:9",
            }
        )
    )
    args = ["run", SEEDREAM, "--input-file", str(source), "--resolution", "2K"]
    result = invoke(args, base_url=recorder.base_url)
    assert result.exit_code == 0, result.stderr
    body = recorder.last()
    assert body["prompt"] == "from the file"
    assert body["resolution"] == "2K"
    assert body["aspect_ratio"] == "16:9"
    assert body["image"][0].startswith("data:image/png;base64,")
    assert body["image"][1] == IMAGE_URL


def test_input_file_from_stdin(recorder: RecordingApi) -> None:
    stdin = json.dumps({"image": IMAGE_URL, "resolution": SQUARE, "seed": 7})
    result = invoke(["run", REFRAME, "--input-file", "-"], base_url=recorder.base_url, stdin=stdin)
    assert result.exit_code == 0, result.stderr
    assert recorder.last() == {"image": IMAGE_URL, "resolution": SQUARE, "seed": 7}


def test_no_wait_prints_the_request_id_as_json(recorder: RecordingApi) -> None:
    text = invoke(["run", *REFRAME_ARGS, "--no-wait"], base_url=recorder.base_url)
    assert text.exit_code == 0, text.stderr
    assert text.stdout.startswith("Request rec-1: submitted")  # text, though not a terminal
    result = invoke(["run", *REFRAME_ARGS, "--no-wait", "--json"], base_url=recorder.base_url)
    assert result.exit_code == 0, result.stderr
    record = last_json(result)
    assert record["request_id"] == "rec-2"
    assert record["status"] == "submitted"


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--seed", "-1"], "--seed"),
        (["--seed", "abc"], "--seed"),
        (["--rendering-speed", "FAST"], "--rendering-speed"),
        (["--style", "{not json"], "--style"),
        (["--style", "[1, 2]"], "--style"),
        (["--color-palette", '"just a string"'], "--color-palette"),
    ],
)
def test_bad_values_exit_65_naming_the_option(
    recorder: RecordingApi, args: list[str], option: str
) -> None:
    result = invoke(["run", *REFRAME_ARGS, *args], base_url=recorder.base_url)
    assert result.exit_code == 65, (result.stdout, result.stderr)
    assert option in result.stderr
    assert "Traceback" not in result.stderr
    assert recorder.bodies == []


def test_missing_required_option_names_it(recorder: RecordingApi) -> None:
    result = invoke(["run", REFRAME, "--image", IMAGE_URL], base_url=recorder.base_url)
    assert result.exit_code == 65
    assert "--resolution: required" in result.stderr
    assert recorder.bodies == []


def test_media_that_is_neither_url_nor_file(recorder: RecordingApi, tmp_path: Path) -> None:
    missing = tmp_path / "missing.png"
    args = ["run", REFRAME, "--image", str(missing), "--resolution", SQUARE]
    result = invoke(args, base_url=recorder.base_url)
    assert result.exit_code == 65
    assert "'--image'" in result.stderr
    assert "missing.png" in result.stderr


def test_too_many_list_items_name_the_option(recorder: RecordingApi) -> None:
    args = ["run", REFERENCE, "--prompt", "x"]
    for _ in range(4):
        args += ["--videos", "https://example.com/v.mp4"]
    result = invoke(args, base_url=recorder.base_url)
    assert result.exit_code == 65
    assert "--videos" in result.stderr


def test_input_file_problems(recorder: RecordingApi, tmp_path: Path) -> None:
    source = tmp_path / "input.json"
    source.write_text('{"image": "https://example.com/a.png", "resolutoin": "x"}')
    result = invoke(["run", REFRAME, "--input-file", str(source)], base_url=recorder.base_url)
    assert result.exit_code == 65
    assert "resolutoin: not an input" in result.stderr
    source.write_text("[1]")
    result = invoke(["run", REFRAME, "--input-file", str(source)], base_url=recorder.base_url)
    assert result.exit_code == 65
    assert "--input-file" in result.stderr
    source.write_text("{oops")
    result = invoke(["run", REFRAME, "--input-file", str(source)], base_url=recorder.base_url)
    assert result.exit_code == 65
    assert "not valid JSON" in result.stderr


def test_unknown_model_suggests_close_ids() -> None:
    result = invoke(["run", "ideogram/ideogram-v3/refame"])
    assert result.exit_code == 65
    assert "Did you mean: ideogram/ideogram-v3/reframe" in result.stderr


def test_help_shows_types_choices_and_defaults() -> None:
    result = invoke(["run", REFRAME, "--help"])
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    assert "--rendering-speed [TURBO|BALANCED|QUALITY]" in text
    assert 'Default (applied by RunComfy when not given): "BALANCED"' in text
    assert "--seed INTEGER RANGE" in text
    assert "--style JSON" in text
    assert "--image URL|FILE" in text
    assert "--resolution CHOICE" in text


def test_a_required_option_with_a_schema_default_is_not_shown_as_defaulted() -> None:
    result = invoke(["run", REFRAME, "--help"])
    assert result.exit_code == 0
    help_text = " ".join(result.stdout.split())
    resolution = help_text.split("--resolution CHOICE", 1)[1].split("Allowed values", 1)[0]
    assert resolution.startswith(" [required] ")
    assert "Default" not in resolution
    assert (
        'Suggested value (the schema\'s default; still required): "1152:864 (4:3)".' in resolution
    )
    speed = help_text.split("--rendering-speed", 1)[1].split("--resolution", 1)[0]
    assert 'Default (applied by RunComfy when not given): "BALANCED".' in speed


def test_the_poll_interval_help_states_the_real_default() -> None:
    # Read from PollPolicy, so the help can never drift from what the client does.
    policy = PollPolicy()
    help_text = " ".join(invoke(["--help"]).stdout.split())
    assert (
        "Longest wait between two status checks, the first one included (default "
        f"{policy.max_interval:g}; without timing history every {policy.initial:g} s)."
    ) in help_text
