"""One rule for every command: text on stdout, in a pipe as on a terminal; JSON only with
``--json``."""

from __future__ import annotations

import json
import subprocess

import pytest
from runcomfy_models._runtime.emulator import RunningEmulator

from .support import REFRAME, REFRAME_ARGS, cli_command, cli_env, invoke, last_json


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def test_models_in_a_pipe_prints_lines_that_grep_can_filter(emu: RunningEmulator) -> None:
    piped = subprocess.run(
        cli_command("models"), env=cli_env(emu.base_url), stdout=subprocess.PIPE, text=True,
        timeout=60, check=True,
    )  # fmt: skip
    lines = piped.stdout.splitlines()
    assert len(lines) > 10 and not any(_is_json(line) for line in lines)
    assert any(line.split()[0] == REFRAME for line in lines)
    assert all(len(line) < 200 for line in lines)
    as_json = subprocess.run(
        cli_command("models", "--json"), env=cli_env(emu.base_url), stdout=subprocess.PIPE,
        text=True, timeout=60, check=True,
    )  # fmt: skip
    assert {entry["model_id"] for entry in json.loads(as_json.stdout)} >= {REFRAME}


@pytest.mark.parametrize("command", ["status", "result", "cancel", "wait"])
def test_every_request_command_prints_text_unless_asked_for_json(
    emu: RunningEmulator, command: str
) -> None:
    emu.set_timings(queue_seconds=0.0, run_seconds=0.0)
    started = last_json(
        invoke(["run", *REFRAME_ARGS, "--no-wait", "--json"], base_url=emu.base_url)
    )
    request_id = started["request_id"]
    text = invoke([command, request_id], base_url=emu.base_url)
    assert text.stdout.startswith(f"Request {request_id}: "), text.stderr
    assert not any(_is_json(line) for line in text.stdout.splitlines())
    as_json = invoke([command, request_id, "--json"], base_url=emu.base_url)
    assert last_json(as_json)["request_id"] == request_id
    assert len(as_json.stdout.splitlines()) == 1


def test_run_prints_text_unless_asked_for_json(emu: RunningEmulator) -> None:
    text = invoke(["run", *REFRAME_ARGS], base_url=emu.base_url)
    assert text.exit_code == 0, text.stderr
    assert text.stdout.startswith("Request ") and "  file   http" in text.stdout
    record = last_json(invoke(["run", *REFRAME_ARGS, "--json"], base_url=emu.base_url))
    assert record["status"] == "succeeded"
