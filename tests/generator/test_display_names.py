"""Every model has a display name: the catalog's, else one derived from the model id."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from runcomfy_codegen.pipeline.naming import display_name
from runcomfy_models._runtime.cli import cli

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("model_id", "expected"),
    [
        ("bytedance/seedance-2.5/text-to-video/720p", "Seedance 2.5 Text to Video 720p"),
        ("kling/kling-video-o3/4K/text-to-video", "Kling Video O3 4K Text to Video"),
        ("wan-ai/wan-2.7/edit", "Wan 2.7 Edit"),
        ("acme/to-and-fro", "To and Fro"),
        ("solo", "Solo"),
    ],
)
def test_a_name_derived_from_the_model_id(model_id: str, expected: str) -> None:
    assert display_name(model_id) == expected


def test_every_shipped_model_shows_a_display_name_in_models_help_and_docs() -> None:
    listed = CliRunner().invoke(cli, ["models", "--json"])
    assert listed.exit_code == 0, listed.output
    models = json.loads(listed.stdout)
    assert len(models) >= 60
    for model in models:
        model_id, name = model["model_id"], model["display_name"]
        assert name and name != model_id, model_id
        entry = json.loads((ROOT / "schemas" / f"{model_id}.json").read_text(encoding="utf-8"))
        assert name == (entry.get("display_name") or display_name(model_id))
        page = ROOT / "generated" / "docs" / f"{model_id}.md"
        heading = page.read_text(encoding="utf-8").splitlines()[1]
        assert heading.replace("\\", "") == f"# {name}", page  # Markdown escapes removed
    help_text = CliRunner().invoke(cli, ["run", "--help"]).stdout
    assert "Seedance 2.5 Text to Video 720p" in help_text
