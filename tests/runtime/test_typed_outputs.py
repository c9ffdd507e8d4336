"""Every output class has typed ways to its files: file(), files(), save_all() and asave_all()."""

from __future__ import annotations

from pathlib import Path

import pytest
from runcomfy_models._runtime import (
    GenericOutput,
    ModelOutput,
    RemoteFile,
    UnexpectedOutputError,
)
from runcomfy_models.ideogram.ideogram_v3 import reframe

from .helpers import FileServer


def test_every_generated_output_is_a_model_output() -> None:
    import runcomfy_models

    for model_id in runcomfy_models.list_models():
        assert issubclass(runcomfy_models.get_model(model_id).Output, ModelOutput), model_id
    assert issubclass(GenericOutput, ModelOutput)


def test_file_returns_the_one_file_and_keeps_the_fields_optional() -> None:
    out = reframe.Output.model_validate({"image": "https://cdn.test/a/cat.png"})
    assert out.file() == RemoteFile("https://cdn.test/a/cat.png")
    assert out.files() == [out.file()]
    assert out.video is None and out.images is None  # optional where the schema says so
    # One file named twice (image and images) is still one file.
    twice = reframe.Output.model_validate(
        {"image": "https://cdn.test/a.png", "images": ["https://cdn.test/a.png"]}
    )
    assert twice.file().url == "https://cdn.test/a.png"


def test_file_shows_the_raw_output_when_it_holds_no_file() -> None:
    raw = {"seed": 7, "has_nsfw_concepts": [False], "note": "no media"}
    with pytest.raises(UnexpectedOutputError) as info:
        reframe.Output.model_validate(raw).file()
    message = str(info.value)
    assert message.startswith("expected one file in the output, it holds no file: {")
    assert '"seed": 7' in message and '"has_nsfw_concepts": [false]' in message
    assert info.value.output == raw
    assert info.value.exit_code == 5
    assert isinstance(info.value, ValueError)


def test_file_names_the_files_of_an_output_with_several() -> None:
    out = GenericOutput.model_validate(
        {"images": ["https://cdn.test/1.png", "https://cdn.test/2.png"], "seed": 7}
    )
    with pytest.raises(UnexpectedOutputError, match=r"it holds 2 files: .*cdn.test/2.png"):
        out.file()
    with pytest.raises(UnexpectedOutputError, match=r'"seed": 7.*use files\(\) or save_all'):
        out.file()
    assert [f.filename for f in out.files()] == ["1.png", "2.png"]


def test_a_long_raw_output_is_cut_in_the_message_and_whole_on_the_error() -> None:
    values = {f"field_{i}": "x" * 100 for i in range(100)}
    with pytest.raises(UnexpectedOutputError) as info:
        GenericOutput.model_validate(values).file()
    assert str(info.value).endswith("...") and len(str(info.value)) < 2100
    assert info.value.output == values


def test_save_all_downloads_every_file(tmp_path: Path, file_server: FileServer) -> None:
    a = file_server.serve("/x/a.png", b"A")
    b = file_server.serve("/x/b.png", b"B")
    out = reframe.Output.model_validate({"image": a, "images": [a, b]})
    paths = out.save_all(tmp_path / "out")
    assert [p.read_bytes() for p in paths] == [b"A", b"B"]
    assert reframe.Output().save_all(tmp_path / "none") == []


async def test_asave_all_downloads_every_file(tmp_path: Path, file_server: FileServer) -> None:
    url = file_server.serve("/v.mp4", b"V")
    out = reframe.Output.model_validate({"video": url})
    assert [p.read_bytes() for p in await out.asave_all(tmp_path)] == [b"V"]
