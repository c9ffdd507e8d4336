"""The generator accepts only model ids the runtime accepts, and every id the runtime accepts
that has an owner and a name; ``validate`` of a sub-folder reads ids from the schemas folder."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from runcomfy_codegen.pipeline import naming
from runcomfy_models._runtime.errors import InvalidInputError
from runcomfy_models._runtime.wire import MAX_MODEL_ID_LENGTH, validate_model_id

from .support import HYPOTHESIS, SCHEMAS, run_cli


def _runtime_accepts(model_id: str) -> bool:
    try:
        validate_model_id(model_id)
    except InvalidInputError:
        return False
    return True


SEGMENT = st.text(
    st.characters(codec="utf-8", exclude_characters="/")
    | st.sampled_from(list(" .-_?#%\\\u202e\x1b\t")),
    max_size=8,
)
IDS = st.lists(SEGMENT, min_size=1, max_size=6).map("/".join) | st.text(max_size=20)


@HYPOTHESIS
@given(IDS)
@example("minimax/Hailuo Video 01 Live")
@example("kling/kling-video-o3/4K/text-to-video")
@example("a/b/c/d/e/f")
@example("a/" + "x" * 600)
@example("a/ b")
@example("a/./b")
@example("a/b%20c")
@example("a/\u202eb")
def test_the_generator_and_the_runtime_agree(model_id: str) -> None:
    generator_accepts = not naming.model_id_problem(model_id)
    if generator_accepts:
        assert _runtime_accepts(model_id), model_id
    elif "/" in model_id and _runtime_accepts(model_id):
        pytest.fail(f"the runtime accepts {model_id!r}: {naming.model_id_problem(model_id)}")


def test_the_length_limits_are_the_same() -> None:
    assert naming.MAX_MODEL_ID_LENGTH == MAX_MODEL_ID_LENGTH
    longest = "a/" + "b" * (MAX_MODEL_ID_LENGTH - 2)
    assert not naming.model_id_problem(longest) and _runtime_accepts(longest)
    assert naming.model_id_problem(longest + "c") and not _runtime_accepts(longest + "c")


@pytest.mark.parametrize(
    "folder", ["schemas/ideogram/ideogram-v3", "schemas/kling", "schemas/kling/kling-video-o3/4K"]
)
def test_validate_of_a_sub_folder(
    folder: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(SCHEMAS, tmp_path / "schemas")
    monkeypatch.chdir(tmp_path)
    result = run_cli("validate", folder)
    assert result.exit_code == 0, result.stdout + result.stderr
    count = len(list((tmp_path / folder).rglob("*.json")))
    assert f"{count} schema(s) valid" in result.stdout


def test_validate_of_a_sub_folder_still_checks_the_place(tmp_path: Path) -> None:
    folder = tmp_path / "schemas" / "acme"
    folder.mkdir(parents=True)
    entry = json.loads((SCHEMAS / "ideogram" / "ideogram-v3" / "reframe.json").read_text())
    (folder / "moved.json").write_text(json.dumps(entry), encoding="utf-8")
    result = run_cli("validate", folder)
    assert result.exit_code == 1
    assert "does not match the file's place (acme/moved.json)" in result.stderr
