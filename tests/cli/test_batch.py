"""``batch``: faults, resuming from the journal, reruns, invalid lines, CSV, dry runs."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from runcomfy_models._runtime.cli.batch import execute
from runcomfy_models._runtime.cli.batch.journal import Journal
from runcomfy_models._runtime.cli.batch.reader import InputFileError, InputLine
from runcomfy_models._runtime.emulator import FAIL_MARKER, FaultRule, RunningEmulator

from .support import (
    FLUX,
    IMAGE_URL,
    REFRAME,
    SQUARE,
    WAN,
    invoke,
    read_results,
    reframe_line,
    write_jsonl,
)


def _batch(emu: RunningEmulator, *args: str, retries: int = 3) -> tuple[int, str]:
    result = invoke(["--max-retries", str(retries), "batch", *args], base_url=emu.base_url)
    assert "Traceback" not in result.stderr, result.stderr
    return result.exit_code, result.stderr


@pytest.mark.slow
def test_several_hundred_jobs_through_faults_submit_each_line_once(
    emu: RunningEmulator, tmp_path: Path
) -> None:
    lines = 300
    inputs = write_jsonl(tmp_path / "in.jsonl", [reframe_line(i) for i in range(lines)])
    for rule in (
        FaultRule("submit", "status", status=429, retry_after="1", times=30),
        FaultRule("submit", "status", status=429, times=20),
        FaultRule("result", "slow", delay=0.05, times=20),
        FaultRule("result", "drop_after", times=20),
        FaultRule("result", "status", status=503, times=20),
        FaultRule("result", "drop_before", times=20),
        FaultRule("result", "status", status=429, times=10),
        FaultRule("files", "status", status=503, times=5),
    ):
        emu.add_fault(rule)
    out = tmp_path / "out"
    code, stderr = _batch(
        emu, REFRAME, str(inputs), "--concurrency", "16", "--download", str(out), retries=12
    )
    assert code == 0, stderr
    stats = emu.stats()
    assert stats["routes"]["submit"] == lines
    assert stats["routes"]["status"] == 0
    assert stats["jobs"]["succeeded"] == lines
    assert sum(stats["faults"].values()) == 145
    results = read_results(tmp_path / "in.jsonl.results.jsonl")
    assert [record["line"] for record in results] == list(range(1, lines + 1))
    assert {record["state"] for record in results} == {"done"}
    assert len({record["request_id"] for record in results}) == lines
    for record in results:
        (path,) = record["paths"]
        assert Path(path).name.startswith(f"{record['line']}-")
        assert Path(path).read_bytes().startswith(b"\x89PNG")
    assert f"{lines} lines: {lines} done" in stderr
    assert "cost $12" in stderr


def test_jobs_are_followed_through_result_alone_until_they_end(
    emu: RunningEmulator, tmp_path: Path
) -> None:
    lines = 6
    emu.set_timings(queue_seconds=0.1, run_seconds=0.2)
    inputs = write_jsonl(tmp_path / "in.jsonl", [reframe_line(i) for i in range(lines)])
    journal = tmp_path / "runs.db"
    code, stderr = _batch(
        emu, REFRAME, str(inputs), "--journal", str(journal), "--concurrency", str(lines)
    )
    assert code == 0, stderr
    routes = emu.stats()["routes"]
    assert routes["submit"] == lines
    assert routes["status"] == 0
    # All in flight at once, before any finished (so the batch knows nothing of their
    # duration): polled every 0.02 s, a job of 0.3 s is asked about before its end too.
    assert routes["result"] > lines
    db = Journal(journal, REFRAME)
    try:
        rows = list(db.rows(lines))
    finally:
        db.close()
    assert [row.state for row in rows] == ["done"] * lines
    assert len({row.request_id for row in rows}) == lines
    assert all(row.cost == 0.04 and row.output for row in rows)
    assert f"{lines} lines: {lines} done" in stderr


def test_an_undocumented_state_on_result_is_followed_to_the_job_timeout(
    emu: RunningEmulator, tmp_path: Path
) -> None:
    inputs = write_jsonl(tmp_path / "in.jsonl", [reframe_line(i) for i in range(2)])
    emu.add_fault(FaultRule("result", "unknown_status"))
    code, stderr = _batch(emu, REFRAME, str(inputs), "--job-timeout", "0.5")
    assert code == 1
    assert stderr.count("undocumented status 'paused'") == 2  # reported once per line
    assert "did not finish within 0.5s (last status 'paused')" in stderr
    routes = emu.stats()["routes"]
    assert routes["submit"] == 2
    assert routes["result"] >= 2 * 2  # followed, not given up on at the first odd word
    states = [record["state"] for record in read_results(tmp_path / "in.jsonl.results.jsonl")]
    assert states == ["running", "running"]

    emu.clear_faults()
    code, stderr = _batch(emu, REFRAME, str(inputs))
    assert code == 0, stderr
    assert emu.stats()["routes"]["submit"] == 2  # followed, not sent again
    states = [record["state"] for record in read_results(tmp_path / "in.jsonl.results.jsonl")]
    assert states == ["done", "done"]


@pytest.mark.parametrize("kind", ["status_after", "drop_after"])
def test_submits_answered_5xx_after_the_job_was_made_are_unknown_never_resent(
    emu: RunningEmulator, tmp_path: Path, kind: str
) -> None:
    lines = 12
    inputs = write_jsonl(tmp_path / "in.jsonl", [reframe_line(i) for i in range(lines)])
    for status in (500, 502, 503, 504):
        emu.add_fault(FaultRule("submit", kind, status=status, times=1))  # type: ignore[arg-type]
    code, stderr = _batch(emu, REFRAME, str(inputs), "--concurrency", "4")
    assert code == 1
    stats = emu.stats()
    # Every line reached RunComfy exactly once and made exactly one job.
    assert stats["routes"]["submit"] == lines and stats["jobs"]["succeeded"] == lines
    results = read_results(tmp_path / "in.jsonl.results.jsonl")
    assert sorted(r["state"] for r in results) == ["done"] * (lines - 4) + ["unknown"] * 4
    assert stderr.count("may exist and be billed, so it was not sent again") == 4
    assert "billed twice" in stderr

    code, stderr = _batch(emu, REFRAME, str(inputs))  # a rerun without the flag sends nothing
    assert code == 1
    assert emu.stats()["routes"]["submit"] == lines
    code, stderr = _batch(emu, REFRAME, str(inputs), "--resubmit-unknown")
    assert code == 0, stderr
    assert emu.stats()["routes"]["submit"] == lines + 4  # sent again, on purpose


def test_an_input_that_cannot_be_encoded_is_an_invalid_line_and_the_rest_go_on(
    emu: RunningEmulator, tmp_path: Path
) -> None:
    good = reframe_line(0)
    bad = '{"image": "https://example.com/a\\ud800.png", "resolution": ' + json.dumps(SQUARE) + "}"
    text = json.dumps(good) + "\n" + bad + "\n"
    inputs = tmp_path / "in.jsonl"
    inputs.write_text(text + json.dumps(reframe_line(2)) + "\n", encoding="utf-8")
    code, stderr = _batch(emu, REFRAME, str(inputs), "--skip-invalid")
    assert code == 1
    assert "line 2" in stderr and "lone surrogate" in stderr
    assert emu.stats()["routes"]["submit"] == 2
    states = [record["state"] for record in read_results(tmp_path / "in.jsonl.results.jsonl")]
    assert states == ["done", "invalid", "done"]


def test_rerunning_a_finished_batch_sends_nothing(emu: RunningEmulator, tmp_path: Path) -> None:
    inputs = write_jsonl(tmp_path / "in.jsonl", [reframe_line(i) for i in range(20)])
    journal = tmp_path / "runs.db"
    assert _batch(emu, REFRAME, str(inputs), "--journal", str(journal))[0] == 0
    emu.reset()
    code, stderr = _batch(emu, REFRAME, str(inputs), "--journal", str(journal))
    assert code == 0, stderr
    routes = emu.stats()["routes"]
    assert routes["submit"] == routes["status"] == routes["result"] == 0
    assert "20 lines: 20 done" in stderr


def test_invalid_lines_are_reported_and_skipped(emu: RunningEmulator, tmp_path: Path) -> None:
    rows: list[object] = [reframe_line(i) for i in range(6)]
    rows[1] = "{not json"
    rows[3] = reframe_line(3, seed=-5)
    rows[4] = {"image": IMAGE_URL}
    rows.insert(5, "")  # blank lines are ignored
    inputs = write_jsonl(tmp_path / "in.jsonl", rows)  # type: ignore[arg-type]
    code, stderr = _batch(emu, REFRAME, str(inputs), "--skip-invalid")
    assert code == 1
    # Each invalid line is listed once (by the check before sending), not again as it is skipped.
    assert stderr.count("line 2: not valid JSON") == 1
    assert stderr.count("line 4: seed: Input should be greater than or equal to 0") == 1
    assert stderr.count("line 5: resolution: required, not given") == 1
    assert emu.stats()["routes"]["submit"] == 3
    states = {
        record["line"]: record["state"]
        for record in read_results(tmp_path / "in.jsonl.results.jsonl")
    }
    assert states == {1: "done", 2: "invalid", 3: "done", 4: "invalid", 5: "invalid", 7: "done"}


@pytest.mark.parametrize("legacy", [[], ["--all-or-nothing"]])
def test_an_invalid_line_anywhere_means_nothing_is_sent(
    emu: RunningEmulator, tmp_path: Path, legacy: list[str]
) -> None:
    rows: list[dict[str, object] | str] = [reframe_line(i) for i in range(60)]
    rows[40] = {**reframe_line(40), "resolution": "3:2"}
    rows[45] = '{"image": "https://example.com/x.png", "resolution": '
    inputs = write_jsonl(tmp_path / "in.jsonl", rows)
    code, stderr = _batch(emu, REFRAME, str(inputs), *legacy)
    assert code == 65
    assert "line 41: resolution:" in stderr
    assert "line 46: not valid JSON: the line ends at column 53" in stderr
    assert "nothing was sent" in stderr and "--skip-invalid" in stderr
    assert emu.stats()["routes"]["submit"] == 0
    assert not (tmp_path / "in.jsonl.journal.db").exists()
    code, stderr = _batch(emu, REFRAME, str(inputs), "--skip-invalid")
    assert code == 1
    assert emu.stats()["routes"]["submit"] == 58
    assert "2 invalid" in stderr
    states = _journal_states(tmp_path / "in.jsonl.journal.db")
    assert states[41] == states[46] == "invalid"


def test_dry_run_validates_only(emu: RunningEmulator, tmp_path: Path) -> None:
    inputs = write_jsonl(tmp_path / "in.jsonl", [reframe_line(i) for i in range(50)])
    code, stderr = _batch(emu, REFRAME, str(inputs), "--dry-run")
    assert code == 0
    assert "50 lines: 50 valid, 0 invalid" in stderr
    # The schema has no price: the one read of the catalog entry gives the emulator's.
    assert (
        "Estimated cost of the valid lines: $2 for 50 line(s) at $0.04 per output; "
        "balance: $1,000,000 USD." in stderr
    )
    write_jsonl(inputs, [reframe_line(1), {"image": "no-such-file.png", "resolution": SQUARE}])
    code, stderr = _batch(emu, REFRAME, str(inputs), "--dry-run")
    assert code == 65
    assert "line 2: image: file not found" in stderr
    # With --skip-invalid the run would skip the line: a dry run of that is no error.
    code, stderr = _batch(emu, REFRAME, str(inputs), "--dry-run", "--skip-invalid")
    assert code == 0, stderr
    assert "line 2: image: file not found" in stderr
    assert "With --skip-invalid, the 1 invalid line(s) would not be sent." in stderr
    routes = emu.stats()["routes"]
    assert routes.pop("catalog") == 3
    assert routes.pop("balance") == 3  # shown beside each estimate
    assert sum(routes.values()) == 0
    assert not (tmp_path / "in.jsonl.journal.db").exists()


def test_the_estimate_before_sending_leaves_out_the_invalid_lines(
    emu: RunningEmulator, tmp_path: Path
) -> None:
    # --skip-invalid sends the valid lines only: the estimate beside the balance says so too.
    inputs = write_jsonl(
        tmp_path / "in.jsonl",
        [reframe_line(1), {"image": "no-such-file.png", "resolution": SQUARE}, reframe_line(3)],
    )
    code, stderr = _batch(emu, REFRAME, str(inputs), "--skip-invalid")
    assert code == 1, stderr  # not every line is done: the invalid one is reported at the end
    assert "Estimated cost of the lines to send: $0.08 for 2 line(s) at $0.04 per output" in stderr
    assert emu.stats()["routes"]["submit"] == 2


def test_csv_input(emu: RunningEmulator, tmp_path: Path) -> None:
    (tmp_path / "pics").mkdir()
    (tmp_path / "pics" / "a.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 16)
    inputs = tmp_path / "in.csv"
    inputs.write_text(
        "prompt,image_url,duration,enable_audio,seed\n"
        f"a cat,{IMAGE_URL},4,true,\n"
        '"a dog, running",pics/a.png,6,false,12\n'
        f"42,{IMAGE_URL},,,\n"
        f"bad duration,{IMAGE_URL},four,,\n",
        encoding="utf-8",
    )
    code, stderr = _batch(emu, WAN, str(inputs), "--skip-invalid")
    assert code == 1
    assert "line 5: duration: Input should be a valid integer" in stderr
    results = read_results(tmp_path / "in.csv.results.jsonl")
    assert [(record["line"], record["state"]) for record in results] == [
        (2, "done"),
        (3, "done"),
        (4, "done"),
        (5, "invalid"),
    ]
    assert emu.stats()["routes"]["submit"] == 3


def test_csv_with_an_unknown_column_is_refused(emu: RunningEmulator, tmp_path: Path) -> None:
    inputs = tmp_path / "in.csv"
    inputs.write_text("prompt,colour\na,b\n", encoding="utf-8")
    code, stderr = _batch(emu, FLUX, str(inputs))
    assert code == 65
    assert "'colour'" in stderr
    assert emu.stats()["routes"]["submit"] == 0


def test_failed_lines_are_resubmitted_only_with_retry_failed(
    emu: RunningEmulator, tmp_path: Path
) -> None:
    rows = [{"prompt": f"clip {i}" + (f" {FAIL_MARKER}" if i % 4 == 0 else "")} for i in range(8)]
    inputs = write_jsonl(tmp_path / "in.jsonl", rows)
    code, stderr = _batch(emu, FLUX, str(inputs))
    assert code == 1
    assert "8 lines: 6 done, 2 failed" in stderr
    emu.reset()
    assert _batch(emu, FLUX, str(inputs))[0] == 1
    assert emu.stats()["routes"]["submit"] == 0
    code, stderr = _batch(emu, FLUX, str(inputs), "--retry-failed")
    assert emu.stats()["routes"]["submit"] == 2
    assert "8 lines: 6 done, 2 failed" in stderr


def test_changed_lines_are_reported_not_mixed(emu: RunningEmulator, tmp_path: Path) -> None:
    rows = [reframe_line(i) for i in range(4)]
    inputs = write_jsonl(tmp_path / "in.jsonl", rows)
    assert _batch(emu, REFRAME, str(inputs))[0] == 0
    emu.reset()
    rows[2]["seed"] = 999
    write_jsonl(inputs, rows)
    code, stderr = _batch(emu, REFRAME, str(inputs))
    assert code == 1
    assert "line 3: the input changed" in stderr
    assert emu.stats()["routes"]["submit"] == 0
    states = [record["state"] for record in read_results(tmp_path / "in.jsonl.results.jsonl")]
    assert states == ["done", "done", "changed", "done"]


def test_unknown_submit_outcome_is_not_resent_unless_asked(
    emu: RunningEmulator, tmp_path: Path
) -> None:
    inputs = write_jsonl(tmp_path / "in.jsonl", [reframe_line(i) for i in range(3)])
    emu.add_fault(FaultRule("submit", "drop_after", times=1))
    code, stderr = _batch(emu, REFRAME, str(inputs), "--concurrency", "1")
    assert code == 1
    assert "3 lines: 2 done, 1 unknown" in stderr
    assert emu.stats()["routes"]["submit"] == 3  # the dropped answer's job exists
    emu.reset()
    assert _batch(emu, REFRAME, str(inputs))[0] == 1
    assert emu.stats()["routes"]["submit"] == 0
    code, stderr = _batch(emu, REFRAME, str(inputs), "--resubmit-unknown")
    assert code == 0, stderr
    assert emu.stats()["routes"]["submit"] == 1


def test_a_journal_left_mid_submit_reports_unknown(emu: RunningEmulator, tmp_path: Path) -> None:
    inputs = write_jsonl(tmp_path / "in.jsonl", [reframe_line(i) for i in range(2)])
    journal = tmp_path / "in.jsonl.journal.db"
    assert _batch(emu, REFRAME, str(inputs))[0] == 0
    db = sqlite3.connect(journal)
    with db:
        db.execute("UPDATE lines SET state = 'submitting', request_id = NULL WHERE line = 2")
    db.close()
    emu.reset()
    code, stderr = _batch(emu, REFRAME, str(inputs))
    assert code == 1
    assert "line 2: an earlier run stopped while submitting" in stderr
    assert emu.stats()["routes"]["submit"] == 0


def test_a_journal_in_use_is_refused(emu: RunningEmulator, tmp_path: Path) -> None:
    inputs = write_jsonl(tmp_path / "in.jsonl", [reframe_line(1)])
    journal = Journal(tmp_path / "in.jsonl.journal.db", REFRAME)
    try:
        code, stderr = _batch(emu, REFRAME, str(inputs))
    finally:
        journal.close()
    assert code == 75
    assert "in use by another batch run" in stderr
    assert emu.stats()["routes"]["submit"] == 0


def test_a_journal_of_another_model_is_refused(emu: RunningEmulator, tmp_path: Path) -> None:
    inputs = write_jsonl(tmp_path / "in.jsonl", [{"prompt": "x"}])
    journal = tmp_path / "shared.db"
    assert _batch(emu, FLUX, str(inputs), "--journal", str(journal))[0] == 0
    write_jsonl(inputs, [reframe_line(1)])
    code, stderr = _batch(emu, REFRAME, str(inputs), "--journal", str(journal))
    assert code == 65
    assert "belongs to model" in stderr


def test_missing_token_stops_before_anything(emu: RunningEmulator, tmp_path: Path) -> None:
    inputs = write_jsonl(tmp_path / "in.jsonl", [reframe_line(1)])
    result = invoke(["batch", REFRAME, str(inputs)], base_url=emu.base_url, token=None)
    assert result.exit_code == 77
    assert sum(emu.stats()["routes"].values()) == 0


def test_results_file_option_and_json_lines(emu: RunningEmulator, tmp_path: Path) -> None:
    inputs = write_jsonl(tmp_path / "in.jsonl", [reframe_line(1)])
    results = tmp_path / "elsewhere" / "results.jsonl"
    assert _batch(emu, REFRAME, str(inputs), "--results", str(results))[0] == 0
    (record,) = read_results(results)
    assert set(record) == {
        "line",
        "state",
        "request_id",
        "files",
        "paths",
        "output",
        "error",
        "cost",
        "estimate",
        "earlier",
    }
    assert record["files"] == [record["output"]["image"]]
    assert record["earlier"] == []
    assert json.dumps(record)


def _journal_states(journal: Path) -> dict[int, str]:
    db = sqlite3.connect(journal)
    try:
        return dict(db.execute("SELECT line, state FROM lines").fetchall())
    finally:
        db.close()


def test_csv_with_a_repeated_column_is_refused_before_anything(
    emu: RunningEmulator, tmp_path: Path
) -> None:
    inputs = tmp_path / "dup.csv"
    inputs.write_text(f"image,image,resolution\n{IMAGE_URL},{IMAGE_URL},{SQUARE}\n")
    code, stderr = _batch(emu, REFRAME, str(inputs))
    assert code == 65
    assert "repeats column name(s) 'image'" in stderr
    assert sum(emu.stats()["routes"].values()) == 0
    assert not (tmp_path / "dup.csv.journal.db").exists()


def test_a_csv_line_that_is_not_utf8_is_an_invalid_line(
    emu: RunningEmulator, tmp_path: Path
) -> None:
    inputs = tmp_path / "in.csv"
    rows = [f"https://example.com/{i}.png,{SQUARE},{i}\n".encode() for i in range(40)]
    rows[30] = b"https://example.com/caf\xe9.png," + SQUARE.encode() + b",30\n"
    inputs.write_bytes(b"image,resolution,seed\n" + b"".join(rows))
    code, stderr = _batch(emu, REFRAME, str(inputs), "--concurrency", "8", "--skip-invalid")
    assert code == 1
    assert "line 32: not valid UTF-8 text" in stderr
    assert "40 lines: 39 done, 1 invalid" in stderr
    results = read_results(tmp_path / "in.csv.results.jsonl")
    assert [record["line"] for record in results] == list(range(2, 42))
    assert [record["line"] for record in results if record["state"] != "done"] == [32]
    assert emu.stats()["routes"]["submit"] == 39
    assert "submitting" not in _journal_states(tmp_path / "in.csv.journal.db").values()


def test_an_inputs_file_that_fails_midway_stops_gracefully(
    emu: RunningEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inputs = write_jsonl(tmp_path / "in.jsonl", [reframe_line(i) for i in range(6)])
    real = execute.read_records
    reads: list[Path] = []

    def failing(path: Path, text_keys: frozenset[str] = frozenset()) -> Iterator[InputLine]:
        # The first reads (validating every line, estimating the lines to send) succeed;
        # the file fails while sending.
        reads.append(path)
        for record in real(path, text_keys):
            if record.line == 5 and len(reads) > 2:
                raise InputFileError(f"{path}: cannot read the inputs after line 4: I/O error")
            yield record

    monkeypatch.setattr(execute, "read_records", failing)
    emu.add_fault(FaultRule("submit", "slow", delay=0.3))
    # One worker: a submit is in flight when the producer meets the error.
    code, stderr = _batch(emu, REFRAME, str(inputs), "--concurrency", "1")
    assert code == 65
    assert "cannot read the inputs after line 4" in stderr
    assert "Stopped reading the inputs after line 4" in stderr
    assert "lines:" in stderr  # the summary
    states = _journal_states(tmp_path / "in.jsonl.journal.db")
    assert "submitting" not in states.values()
    results = read_results(tmp_path / "in.jsonl.results.jsonl")
    assert [record["line"] for record in results] == sorted(states)
    sent = [record for record in results if record["request_id"]]
    assert len(sent) == emu.stats()["routes"]["submit"] >= 2
    assert "running" in {record["state"] for record in sent}  # finished its submit, journaled
    # A rerun with the file readable again follows the jobs sent, never sends them twice.
    monkeypatch.setattr(execute, "read_records", real)
    emu.clear_faults()
    code, stderr = _batch(emu, REFRAME, str(inputs))
    assert code == 0, stderr
    assert emu.stats()["routes"]["submit"] == 6


def test_an_unwritable_results_folder_is_refused_before_anything(
    emu: RunningEmulator, tmp_path: Path
) -> None:
    inputs = write_jsonl(tmp_path / "in.jsonl", [reframe_line(1)])
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    code, stderr = _batch(emu, REFRAME, str(inputs), "--results", str(blocker / "r.jsonl"))
    assert code == 65
    assert "the folder of the results file" in stderr
    assert "nothing was sent" in stderr
    assert sum(emu.stats()["routes"].values()) == 0
    assert not (tmp_path / "in.jsonl.journal.db").exists()


def test_an_unwritable_download_folder_is_refused_before_anything(
    emu: RunningEmulator, tmp_path: Path
) -> None:
    inputs = write_jsonl(tmp_path / "in.jsonl", [reframe_line(1)])
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    code, stderr = _batch(emu, REFRAME, str(inputs), "--download", str(blocker / "out"))
    assert code == 65
    assert "the download folder" in stderr
    assert sum(emu.stats()["routes"].values()) == 0


def test_a_journal_in_a_missing_folder_or_not_a_journal_exits_65(
    emu: RunningEmulator, tmp_path: Path
) -> None:
    inputs = write_jsonl(tmp_path / "in.jsonl", [reframe_line(1)])
    missing = tmp_path / "no-such-folder" / "runs.db"
    code, stderr = _batch(emu, REFRAME, str(inputs), "--journal", str(missing))
    assert code == 65
    assert "journal" in stderr
    not_sqlite = tmp_path / "notes.db"
    not_sqlite.write_bytes(b"these are not the droids you are looking for\n" * 100)
    code, stderr = _batch(emu, REFRAME, str(inputs), "--journal", str(not_sqlite))
    assert code == 65
    assert "is not a batch journal" in stderr
    assert sum(emu.stats()["routes"].values()) == 0
