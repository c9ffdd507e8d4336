"""Integer enums are choices; completion keeps values with spaces and parentheses whole."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .support import REFRAME, RecordingApi, cli_command, cli_env, invoke

KLING = "kling/kling-video-o3/pro/text-to-video"
BIN = str(Path(sys.executable).parent)


def test_an_integer_enum_is_a_choice_sent_as_an_integer(recorder: RecordingApi) -> None:
    shown = invoke(["run", KLING, "--help"])
    assert "--duration [5|10]" in shown.stdout
    refused = invoke(["run", KLING, "--prompt", "a cat", "--duration", "7"])
    assert refused.exit_code == 65
    assert "'7' is not allowed; Allowed values: '5', '10'" in refused.stderr
    sent = invoke(
        ["run", KLING, "--prompt", "a cat", "--duration", "10", "--no-wait"],
        base_url=recorder.base_url,
    )
    assert sent.exit_code == 0, sent.stderr
    assert recorder.last()["duration"] == 10


def _complete(shell: str, words: str, cword: str) -> str:
    env = {
        **cli_env("http://127.0.0.1:9"),
        "_RUNCOMFY_MODELS_COMPLETE": f"{shell}_complete",
        "COMP_WORDS": words,
        "COMP_CWORD": cword,
    }
    done = subprocess.run(cli_command(), env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


WORDS = f"runcomfy-models run {REFRAME} --resolution 1152"


def test_zsh_and_fish_get_each_value_whole() -> None:
    zsh = _complete("zsh", WORDS, "4").splitlines()
    assert "1152:864 (4:3)" in zsh
    fish = _complete("fish", WORDS, "1152").splitlines()  # fish passes the word being typed
    assert "plain,1152:864 (4:3)" in fish


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_bash_inserts_each_value_as_one_quoted_word() -> None:
    script = f"""
eval "$(_RUNCOMFY_MODELS_COMPLETE=bash_source runcomfy-models)"
COMP_WORDS=(runcomfy-models run {REFRAME} --resolution "$1"); COMP_CWORD=4
_runcomfy_models_completion runcomfy-models
for reply in "${{COMPREPLY[@]}}"; do eval "set -- $reply"; echo "$#|$1"; done
"""
    env = {**os.environ, "PATH": BIN + os.pathsep + os.environ.get("PATH", "")}
    for typed in ("1152", "'1152"):
        done = subprocess.run(
            ["bash", "-c", script, "bash", typed],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        lines = done.stdout.splitlines()
        assert "1|1152:864 (4:3)" in lines  # one word, parentheses and all
        assert all(line.startswith("1|1152:") for line in lines)
