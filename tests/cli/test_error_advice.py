"""Errors on the command line say what, where and what to do, with command-line advice."""

from __future__ import annotations

import subprocess

from runcomfy_models._runtime.emulator import RunningEmulator

from .support import REFRAME_ARGS, TOKEN, cli_command, cli_env

PYTHON_ADVICE = ("allow_insecure_http", "client.job(", "token=...", "job.result()")


def _run(base_url: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        cli_command("--max-retries", "0", *args),
        env=cli_env(base_url, **env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "Traceback" not in done.stderr
    for advice in PYTHON_ADVICE:
        assert advice not in done.stdout + done.stderr
    return done


def test_connection_refused_names_the_url_tried() -> None:
    done = _run("http://127.0.0.1:9", "run", *REFRAME_ARGS)
    assert done.returncode == 69
    assert "cannot reach http://127.0.0.1:9" in done.stderr
    assert "--base-url" in done.stderr


def test_an_unknown_host_names_the_url_tried() -> None:
    done = _run("https://no-such-host.invalid", "run", *REFRAME_ARGS)
    assert done.returncode == 69
    assert "cannot reach https://no-such-host.invalid" in done.stderr


def test_plain_http_to_another_host_gives_command_line_advice() -> None:
    done = _run("http://example.com", "status", "abc")
    assert done.returncode == 65
    assert "use https in --base-url (or RUNCOMFY_BASE_URL)" in done.stderr


def test_a_refused_token_names_the_variable_it_came_from(emu: RunningEmulator) -> None:
    env = cli_env(emu.base_url)
    del env["RUNCOMFY_API_TOKEN"]
    done = subprocess.run(
        cli_command("status", "abc"),
        env={**env, "RUNCOMFY_TOKEN": TOKEN + "-wrong"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 77, done.stderr
    assert "the RUNCOMFY_TOKEN environment variable" in done.stderr
    assert TOKEN not in done.stderr


def test_a_timeout_says_how_to_follow_the_job_from_the_command_line(
    emu: RunningEmulator,
) -> None:
    emu.set_timings(queue_seconds=600.0)
    done = _run(emu.base_url, "run", *REFRAME_ARGS, "--timeout", "0.3", "--json")
    assert done.returncode == 75, done.stderr
    assert "runcomfy-models wait " in done.stderr
