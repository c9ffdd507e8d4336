"""``run``, ``status``, ``result``, ``cancel`` and ``models`` against the loopback emulator."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from runcomfy_models._runtime.emulator import FAIL_MARKER, FaultRule, RunningEmulator

from .support import (
    FLUX,
    IMAGE_URL,
    PNG,
    REFRAME,
    REFRAME_ARGS,
    SQUARE,
    TOKEN,
    WAN,
    invoke,
    last_json,
)


def test_run_json_output_and_download(emu: RunningEmulator, tmp_path: Path) -> None:
    picture = tmp_path / "cat.png"
    picture.write_bytes(PNG)
    out = tmp_path / "out"
    args = ["run", REFRAME, "--image", str(picture), "--resolution", SQUARE, "--seed", "3"]
    result = invoke([*args, "--json", "--download", str(out)], base_url=emu.base_url)
    assert result.exit_code == 0, result.stderr
    record = last_json(result)
    assert record["status"] == "succeeded"
    assert record["model_id"] == REFRAME
    assert record["request_id"] in result.stderr
    assert record["files"] == [record["output"]["image"]]
    (saved,) = record["saved"]
    assert Path(saved).parent == out
    assert Path(saved).read_bytes().startswith(b"\x89PNG")
    assert emu.stats()["routes"]["submit"] == 1


def test_run_video_model_with_flags(emu: RunningEmulator) -> None:
    args = ["run", WAN, "--prompt", "a cat", "--image-url", IMAGE_URL, "--no-enable-audio"]
    result = invoke(
        [*args, "--duration", "4", "--resolution", "480p", "--json"], base_url=emu.base_url
    )
    assert result.exit_code == 0, result.stderr
    assert last_json(result)["output"]["video"].endswith(".mp4")


def test_failed_job_exits_1(emu: RunningEmulator) -> None:
    args = ["run", FLUX, "--prompt", f"boom {FAIL_MARKER}", "--generate-audio", "--json"]
    result = invoke(args, base_url=emu.base_url)
    assert result.exit_code == 1
    record = last_json(result)
    assert record["status"] == "failed"
    assert "failed" in record["error"]
    assert "Traceback" not in result.stderr


def test_missing_token_exits_77(emu: RunningEmulator) -> None:
    result = invoke(["run", *REFRAME_ARGS], base_url=emu.base_url, token=None)
    assert result.exit_code == 77
    assert "RUNCOMFY_API_TOKEN" in result.stderr
    assert emu.stats()["routes"]["submit"] == 0


def test_wrong_token_exits_77_and_is_never_printed(emu: RunningEmulator) -> None:
    secret = "tok-WRONG-a9f3e1c7"
    result = invoke(["-vv", "run", *REFRAME_ARGS], base_url=emu.base_url, token=secret)
    assert result.exit_code == 77
    assert secret not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_token_is_never_printed(emu: RunningEmulator) -> None:
    result = invoke(["-vv", "run", *REFRAME_ARGS, "--json"], base_url=emu.base_url)
    assert result.exit_code == 0
    assert TOKEN not in result.stdout + result.stderr


def test_rate_limit_storm_exits_75(emu: RunningEmulator) -> None:
    emu.add_fault(FaultRule("submit", "status", status=429, retry_after="5"))
    result = invoke(["run", *REFRAME_ARGS], base_url=emu.base_url)
    assert result.exit_code == 75
    assert "429" in result.stderr
    routes = emu.stats()["routes"]
    assert routes["submit"] == 0
    assert routes["submit_rejected"] == 4  # the first try and 3 retries


def test_server_error_exits_69(emu: RunningEmulator) -> None:
    emu.add_fault(FaultRule("status", "status", status=500))
    result = invoke(["run", *REFRAME_ARGS], base_url=emu.base_url)
    assert result.exit_code == 69
    assert emu.stats()["routes"]["submit"] == 1


def test_timeout_exits_75_and_leaves_the_job(emu: RunningEmulator) -> None:
    emu.set_timings(queue_seconds=60)
    result = invoke(["run", *REFRAME_ARGS, "--timeout", "0.2", "--json"], base_url=emu.base_url)
    assert result.exit_code == 75
    record = last_json(result)
    assert record["status"] == "timeout"
    assert emu.stats()["jobs"]["in_queue"] == 1


def test_status_result_and_cancel(emu: RunningEmulator, tmp_path: Path) -> None:
    emu.set_timings(queue_seconds=60)
    queued = last_json(invoke(["run", *REFRAME_ARGS, "--no-wait", "--json"], base_url=emu.base_url))
    request_id = queued["request_id"]

    status = invoke(["status", request_id, "--json"], base_url=emu.base_url)
    assert status.exit_code == 0
    assert last_json(status) == {
        "request_id": request_id,
        "status": "in_queue",
        "queue_position": 0,
    }

    pending = invoke(["result", request_id, "--json"], base_url=emu.base_url)
    assert pending.exit_code == 0
    assert last_json(pending)["status"] == "in_queue"

    cancel = invoke(["cancel", request_id, "--json"], base_url=emu.base_url)
    assert cancel.exit_code == 0
    assert last_json(cancel) == {"request_id": request_id, "outcome": "cancelled"}
    assert emu.stats()["jobs"]["cancelled"] == 1

    cancelled = invoke(["result", request_id, "--json"], base_url=emu.base_url)
    assert cancelled.exit_code == 1
    assert last_json(cancelled)["status"] == "cancelled"

    emu.set_timings(queue_seconds=0, run_seconds=0)
    done = last_json(invoke(["run", *REFRAME_ARGS, "--no-wait", "--json"], base_url=emu.base_url))
    out = tmp_path / "files"
    result = invoke(
        ["result", done["request_id"], "--download", str(out), "--json"], base_url=emu.base_url
    )
    assert result.exit_code == 0, result.stderr
    record = last_json(result)
    assert record["status"] == "succeeded"
    assert record["cost"] == 0.04
    (saved,) = record["saved"]
    assert Path(saved).read_bytes().startswith(b"\x89PNG")

    too_late = invoke(["cancel", done["request_id"], "--json"], base_url=emu.base_url)
    assert too_late.exit_code == 3
    assert last_json(too_late)["outcome"] == "not_cancellable"


def test_unknown_request_id_exits_65(emu: RunningEmulator) -> None:
    result = invoke(["status", "no-such-request"], base_url=emu.base_url)
    assert result.exit_code == 65
    assert "no-such-request" in result.stderr


def test_models_lists_the_registry() -> None:
    result = invoke(["models", "--json"])
    assert result.exit_code == 0
    models = json.loads(result.stdout)
    ids = [entry["model_id"] for entry in models]
    assert ids == sorted(ids)
    assert REFRAME in ids and WAN in ids
    reframe = next(entry for entry in models if entry["model_id"] == REFRAME)
    assert reframe["display_name"] == "Ideogram V3 Reframe"


def test_version() -> None:
    result = invoke(["--version"])
    assert result.exit_code == 0
    assert result.stdout.startswith("runcomfy-models ")


def test_emulator_command_without_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "runcomfy_models._runtime.emulator", None)
    result = invoke(["emulator"])
    assert result.exit_code == 1
    assert "pip install 'runcomfy-models[emulator]'" in result.stderr
    assert "Traceback" not in result.stderr


def test_emulator_command_rejects_a_bad_fault_spec() -> None:
    result = invoke(["emulator", "--fault", "submit:explode"])
    assert result.exit_code == 65
    assert "--fault" in result.stderr


def test_bare_command_prints_help() -> None:
    result = invoke([])
    assert result.exit_code == 0
    assert "Commands:" in result.stdout
    result = invoke(["run"])
    assert result.exit_code == 0
    assert REFRAME in result.stdout


def test_run_refuses_an_unwritable_download_folder_before_submitting(
    emu: RunningEmulator, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = invoke(
        ["run", *REFRAME_ARGS, "--download", str(blocker / "out")], base_url=emu.base_url
    )
    assert result.exit_code == 65
    assert "the download folder" in result.stderr
    assert "nothing was sent" in result.stderr
    assert "Traceback" not in result.stderr
    assert emu.stats()["routes"]["submit"] == 0


def test_run_still_prints_the_result_when_saving_fails(
    emu: RunningEmulator, tmp_path: Path
) -> None:
    emu.add_fault(FaultRule("files", "status", status=404))
    out = tmp_path / "out"
    result = invoke(["run", *REFRAME_ARGS, "--json", "--download", str(out)], base_url=emu.base_url)
    assert result.exit_code == 69
    record = last_json(result)
    assert record["status"] == "succeeded"
    assert record["request_id"] in result.stderr
    assert record["files"] == [record["output"]["image"]]
    assert record["error"].startswith("files not saved")
    assert f"runcomfy-models result {record['request_id']}" in record["hint"]
    assert "its files were not saved" in result.stderr
    assert emu.stats()["routes"]["submit"] == 1
