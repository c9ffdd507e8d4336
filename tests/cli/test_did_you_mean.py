"""A wrong value, keyword, option, key or column gets the closest few choices and a "did you mean"
when one is close, never every value of a long list: in Python, on the command line and in batches.
"""

from __future__ import annotations

import json
import typing
from pathlib import Path

import pytest
from runcomfy_models._runtime import InvalidInputError
from runcomfy_models._runtime.suggest import SHOWN, closest, suggestion
from runcomfy_models.ideogram.ideogram_v3 import reframe

from .support import FLUX, IMAGE_URL, REFRAME, SQUARE, invoke, write_jsonl

RESOLUTIONS = typing.get_args(reframe.Resolution)
IMAGE = "https://example.com/cat.png"


def test_a_close_value_gets_did_you_mean_and_only_the_closest_few() -> None:
    text = suggestion("4:3", RESOLUTIONS)
    assert text.startswith("did you mean '1152:864 (4:3)'? The closest of the 69 allowed values: ")
    assert text.count("'") == 2 * (1 + SHOWN)
    assert suggestion("turbo", ["TURBO", "BALANCED", "QUALITY"]) == (
        "did you mean 'TURBO'? Allowed values: 'TURBO', 'BALANCED', 'QUALITY'"
    )


def test_a_value_close_to_nothing_gets_no_guess() -> None:
    assert not suggestion("banana", RESOLUTIONS).startswith("did you mean")
    assert suggestion("x", ["TURBO", "BALANCED"]) == "Allowed values: 'TURBO', 'BALANCED'"
    assert len(closest("banana", RESOLUTIONS)) == SHOWN


def test_python_wrong_value() -> None:
    with pytest.raises(InvalidInputError) as info:
        reframe.submit(image=IMAGE, resolution="4:3")  # type: ignore[arg-type]
    message = str(info.value)
    assert "resolution: '4:3' is not allowed; did you mean '1152:864 (4:3)'?" in message
    assert "of the 69 allowed values" in message
    assert len(message) < 300  # not the 2,500 characters of every value
    with pytest.raises(
        InvalidInputError, match="did you mean 'QUALITY'\\? Allowed values: 'TURBO'"
    ):
        reframe.Input  # noqa: B018 - loads the binding's classes
        reframe._BINDING.resolve().build_input(
            {"image": IMAGE, "resolution": SQUARE, "rendering_speed": "quality"}
        )


def test_python_unknown_keyword() -> None:
    # Type checkers refuse it (see tests/packaging/test_type_checkers.py); at run time the
    # keyword arguments are checked before anything is sent.
    with pytest.raises(InvalidInputError) as info:
        reframe.submit(image=IMAGE, resolution=SQUARE, rendering_sped="TURBO")  # type: ignore[call-arg]
    assert "unknown parameter 'rendering_sped'; did you mean 'rendering_speed'?" in str(info.value)
    binding = reframe._BINDING.resolve()
    with pytest.raises(InvalidInputError) as info:
        binding.build_input({"image": IMAGE, "resolution": SQUARE, "rendering_sped": "TURBO"})
    assert "unknown parameter 'rendering_sped'; did you mean 'rendering_speed'?" in str(info.value)


def test_cli_wrong_choice() -> None:
    result = invoke(["run", REFRAME, "--image", IMAGE_URL, "--resolution", "4:3"])
    assert result.exit_code == 65  # bad input
    assert "'4:3' is not allowed; did you mean '1152:864 (4:3)'?" in result.stderr
    assert "512:1536 (1:3)" not in result.stderr  # far from "4:3": not listed


def test_cli_misspelled_option() -> None:
    result = invoke(
        ["run", REFRAME, "--image", IMAGE_URL, "--resolution", SQUARE, "--rendering-sped", "TURBO"]
    )
    assert result.exit_code == 65
    assert "No such option '--rendering-sped'. Did you mean '--rendering-speed'?" in result.stderr


def test_cli_input_file_unknown_key(tmp_path: Path) -> None:
    inputs = tmp_path / "in.json"
    inputs.write_text(json.dumps({"image": IMAGE_URL, "resolution": SQUARE, "sed": 1}))
    result = invoke(["run", REFRAME, "--input-file", str(inputs)])
    assert result.exit_code == 65
    assert "sed: not an input of ideogram/ideogram-v3/reframe; did you mean 'seed'?" in (
        result.stderr
    )


def test_batch_unknown_key_and_wrong_value(tmp_path: Path) -> None:
    rows = [
        {"image": IMAGE_URL, "resolution": SQUARE, "rendering_sped": "TURBO"},
        {"image": IMAGE_URL, "resolution": "4:3"},
    ]
    inputs = write_jsonl(tmp_path / "in.jsonl", rows)
    result = invoke(["batch", REFRAME, str(inputs), "--dry-run"])
    assert result.exit_code == 65
    assert "line 1: rendering_sped: not an input of" in result.stderr
    assert "did you mean 'rendering_speed'?" in result.stderr
    assert "line 2: resolution: '4:3' is not allowed; did you mean '1152:864 (4:3)'?" in (
        result.stderr
    )


def test_batch_unknown_csv_column(tmp_path: Path) -> None:
    inputs = tmp_path / "in.csv"
    inputs.write_text("promt,seed\na cat,1\n", encoding="utf-8")
    result = invoke(["batch", FLUX, str(inputs), "--dry-run"])
    assert result.exit_code == 65
    assert "column 'promt' is not an input of" in result.stderr
    assert "did you mean 'prompt'?" in result.stderr


def test_cli_help_shows_each_list_of_choices_once() -> None:
    result = invoke(["run", REFRAME, "--help"])
    assert result.exit_code == 0, result.stderr
    text = " ".join(result.stdout.split())  # undo the help's line wrapping
    assert "--resolution CHOICE" in text  # a long list goes to the help text...
    listed = [text.count(json.dumps(value)) for value in RESOLUTIONS if value != "1152:864 (4:3)"]
    assert set(listed) == {1}  # ...once (the default is named once more)
    assert "--rendering-speed [TURBO|BALANCED|QUALITY]" in text and text.count("QUALITY") == 1
