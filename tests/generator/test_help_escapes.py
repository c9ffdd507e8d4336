"""Terminal escape sequences and bidi controls in a catalog's names, descriptions or enum values
never reach the terminal from ``runcomfy-models run MODEL --help``, ``run --help``, ``models`` or
shell completion: they are shown as escapes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from .support import run_cli

MODEL_ID = "acme/loud/text-to-image"
ESC = "\x1b]0;owned\x07\x1b[2J\x1b[31m"
HOSTILE = f"Red {ESC}name\u202e txt.exe \x9b1m \x00"


@pytest.fixture(scope="module")
def loud_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("loud")
    entry = {
        "model_id": MODEL_ID,
        "display_name": HOSTILE,
        "input_schema": {
            "type": "object",
            "required": ["prompt"],
            "properties": {
                "prompt": {"type": "string", "description": f"What to draw {HOSTILE}"},
                "style": {"type": "string", "enum": [f"a{ESC}b", "plain"], "title": HOSTILE},
                "many": {
                    "type": "string",
                    "enum": [f"value-{i}-{ESC}" for i in range(12)],
                    "description": HOSTILE,
                },
            },
        },
    }
    schemas = base / "schemas"
    path = schemas / f"{MODEL_ID}.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(entry), encoding="utf-8")
    out = base / "out"
    result = run_cli("generate", "--schemas", schemas, "--out", out)
    assert result.exit_code == 0, result.stderr
    return out


def _cli(tree: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree), "COLUMNS": "100", "NO_COLOR": "1"}
    env.update({"_RUNCOMFY_MODELS_COMPLETE": ""} if not args else {})
    return subprocess.run(
        [sys.executable, "-m", "runcomfy_models._runtime.cli", *args],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def _hidden(text: str) -> list[str]:
    return [
        f"U+{ord(ch):04X}"
        for ch in text
        if ch not in "\n" and unicodedata.category(ch) in ("Cc", "Cf")
    ]


@pytest.mark.parametrize(
    "args",
    [("run", MODEL_ID, "--help"), ("run", "--help"), ("models",), ("models", "--json")],
)
def test_no_control_character_reaches_the_terminal(loud_tree: Path, args: tuple[str, ...]) -> None:
    proc = _cli(loud_tree, *args)
    assert proc.returncode == 0, proc.stderr
    assert MODEL_ID in proc.stdout
    assert not _hidden(proc.stdout + proc.stderr), proc.stdout
    if args == ("models", "--json"):  # the same data, escaped as JSON
        assert json.loads(proc.stdout)[0]["display_name"] == HOSTILE
        assert "\\u001b" in proc.stdout
    else:  # shown, not dropped: the user sees that something is odd
        assert "\\x1b" in proc.stdout
    if args[-1] == "--help" and len(args) == 3:
        assert "\\u202e" in proc.stdout and "What to draw" in proc.stdout


def test_shell_completion_shows_names_escaped(loud_tree: Path) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": str(loud_tree),
        "_RUNCOMFY_MODELS_COMPLETE": "zsh_complete",
        "COMP_WORDS": "runcomfy-models run acme/",
        "COMP_CWORD": "2",
    }
    proc = subprocess.run(
        [sys.executable, "-c", "from runcomfy_models._runtime.cli import main; main()"],
        cwd=loud_tree,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert MODEL_ID in proc.stdout, proc.stdout + proc.stderr
    assert not _hidden(proc.stdout), proc.stdout
