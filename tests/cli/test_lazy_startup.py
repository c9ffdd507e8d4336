"""What ``run MODEL --help`` and shell completion import: the registry and one command module.

Each case runs the real entry point in a fresh interpreter and reads ``sys.modules`` when it
exits, so a top-level import of the HTTP stack, pydantic or a model's types module in any module
on these paths fails here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from runcomfy_models._runtime.cli import app

REFRAME = "ideogram/ideogram-v3/reframe"

# What only a command that calls the API, checks inputs or prints results needs.
HEAVY = (
    "httpx",
    "pydantic",
    "pydantic_core",
    "runcomfy_models._runtime.client",
    "runcomfy_models._runtime.async_client",
    "runcomfy_models._runtime.binding",
    "runcomfy_models._runtime.outputs",
    "runcomfy_models._runtime.cli.inputs",
    "runcomfy_models._runtime.cli.printing",
    "runcomfy_models._runtime.cli.run_cmd",
)

_PROBE = """
import json, sys
out = sys.argv.pop(1)
code = None
try:
    from runcomfy_models._runtime.cli import main
    main()
except SystemExit as exc:
    code = exc.code
with open(out, "w", encoding="utf-8") as f:
    json.dump({"code": code, "modules": sorted(sys.modules)}, f)
"""


def _probe(tmp_path: Path, *args: str, **env: str) -> tuple[int | None, str, set[str]]:
    """Exit code, stdout and the imported modules of ``runcomfy-models ARGS``."""
    out = tmp_path / "probe.json"
    base = {"PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, str(out), *args],
        capture_output=True,
        text=True,
        env={**base, **env},
        timeout=60,
        check=False,
    )
    probe = json.loads(out.read_text(encoding="utf-8"))
    return probe["code"], result.stdout, set(probe["modules"])


def _heavy(modules: set[str]) -> list[str]:
    types = [name for name in modules if name.startswith("runcomfy_models._types")]
    return sorted({*types, *(name for name in HEAVY if name in modules)})


def _complete(words: str, cword: int) -> dict[str, str]:
    return {
        "_RUNCOMFY_MODELS_COMPLETE": "bash_complete",
        "COMP_WORDS": words,
        "COMP_CWORD": str(cword),
    }


def test_model_help_imports_only_its_command_module(tmp_path: Path) -> None:
    code, stdout, modules = _probe(tmp_path, "run", REFRAME, "--help")
    assert code == 0
    assert "--resolution" in stdout
    assert _heavy(modules) == []
    commands = {name for name in modules if name.startswith("runcomfy_models._commands.")}
    assert commands == {
        "runcomfy_models._commands.ideogram",
        "runcomfy_models._commands.ideogram.ideogram_v3",
        "runcomfy_models._commands.ideogram.ideogram_v3.reframe",
    }


@pytest.mark.parametrize(
    ("words", "cword", "expected"),
    [
        ("runcomfy-models ", 1, "plain,batch"),
        ("runcomfy-models run ", 2, f"plain,{REFRAME}"),
        ("runcomfy-models batch --model ideo", 3, f"plain,{REFRAME}"),
        (f"runcomfy-models run {REFRAME} --resolution ", 4, "plain,'1152:864 (4:3)'"),
        (f"runcomfy-models run {REFRAME} --", 3, "plain,--rendering-speed"),
    ],
)
def test_completion_answers_from_the_registry_alone(
    tmp_path: Path, words: str, cword: int, expected: str
) -> None:
    code, stdout, modules = _probe(tmp_path, **_complete(words, cword))
    assert code == 0
    assert expected in stdout.splitlines()
    assert _heavy(modules) == []


@pytest.mark.parametrize("args", [("--help",), ("run", "--help"), ("models",)])
def test_listing_imports_no_http_stack(tmp_path: Path, args: tuple[str, ...]) -> None:
    code, stdout, modules = _probe(tmp_path, *args)
    assert code == 0
    assert REFRAME in stdout or "Commands:" in stdout
    assert _heavy(modules) == []


def test_the_probe_sees_what_a_command_that_calls_the_api_imports(tmp_path: Path) -> None:
    code, _, modules = _probe(tmp_path, "status", "some-request")  # no token: exit 77
    assert code == 77
    assert {"httpx", "runcomfy_models._runtime.client"} <= modules


def test_every_command_is_found_under_its_name() -> None:
    ctx = click.Context(app.cli)
    names = app.cli.list_commands(ctx)
    assert names == sorted({"run", *app._COMMANDS})
    for name in names:
        command = app.cli.get_command(ctx, name)
        assert command is not None
        assert command.name == name
    assert app.cli.get_command(ctx, "no-such-command") is None
