"""Golden test of one audio model: its module, its pydantic types and its reference page.

The expected files are under ``golden/``; after an intended change to the templates, refresh
them with ``RUNCOMFY_UPDATE_GOLDEN=1 pytest tests/generator/test_audio_golden.py`` and review
the diff.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
from pathlib import Path

import pytest

from .support import SCHEMAS, run_cli, tree

AUDIO_ID = "bytedance/seed-audio-1.0/text-to-audio"
GOLDEN = Path(__file__).parent / "golden"
FILES = {
    "runcomfy_models/bytedance/seed_audio_1_0/text_to_audio.py": "text_to_audio.py.txt",
    "runcomfy_models/_types/bytedance/seed_audio_1_0/text_to_audio.py": "types.py.txt",
    "docs/bytedance/seed-audio-1.0/text-to-audio.md": "text-to-audio.md",
}


@pytest.fixture(scope="module")
def audio_tree(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The audio model alone, generated into a temporary folder."""
    base = tmp_path_factory.mktemp("audio")
    schema = base / "schemas" / f"{AUDIO_ID}.json"
    schema.parent.mkdir(parents=True)
    shutil.copyfile(SCHEMAS / f"{AUDIO_ID}.json", schema)
    result = run_cli("generate", "--schemas", base / "schemas", "--out", base / "generated")
    assert result.exit_code == 0, result.stderr
    return tree(base / "generated")


@pytest.mark.parametrize("path", sorted(FILES))
def test_the_audio_model_matches_its_golden_files(audio_tree: dict[str, bytes], path: str) -> None:
    golden = GOLDEN / FILES[path]
    if os.environ.get("RUNCOMFY_UPDATE_GOLDEN") == "1":
        golden.write_bytes(audio_tree[path])
    assert audio_tree[path].decode() == golden.read_text(encoding="utf-8")


def test_the_audio_module_states_its_kind(audio_tree: dict[str, bytes]) -> None:
    module = ast.parse(audio_tree["runcomfy_models/bytedance/seed_audio_1_0/text_to_audio.py"])
    constants = {
        node.target.id: node.value.value
        for node in module.body
        if isinstance(node, ast.AnnAssign)
        and isinstance(node.target, ast.Name)
        and isinstance(node.value, ast.Constant)
    }
    assert constants["OUTPUT_KIND"] == "audio"
    types = ast.parse(
        audio_tree["runcomfy_models/_types/bytedance/seed_audio_1_0/text_to_audio.py"]
    )
    (output,) = [n for n in types.body if isinstance(n, ast.ClassDef) and n.name.endswith("Output")]
    assert [ast.unparse(b) for b in output.bases] == ["AudioOutput"]
    fields = [
        n.target.id
        for n in output.body
        if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)
    ]
    assert fields[:2] == ["audio", "audios"]


def test_the_audio_page_documents_audio_first(audio_tree: dict[str, bytes]) -> None:
    page = audio_tree["docs/bytedance/seed-audio-1.0/text-to-audio.md"].decode()
    assert "Output kind: audio" in page and "Categories: text-to-audio" in page
    table = page[page.index("## Output") :].splitlines()
    rows = [line for line in table if line.startswith("| `")]
    assert rows[0].startswith("| `audio` | `RemoteFile` |")
    assert rows[1].startswith("| `audios` | `list[RemoteFile]` |")


def test_the_catalog_and_registry_carry_kind_and_categories(audio_tree: dict[str, bytes]) -> None:
    (entry,) = json.loads(audio_tree["runcomfy_models/_catalog.json"])["models"]
    assert (entry["kind"], entry["categories"]) == ("audio", ["text-to-audio"])
    registry = audio_tree["runcomfy_models/_registry.py"].decode()
    assert '("text-to-audio",),\n        "audio",\n        "audio",\n' in registry
