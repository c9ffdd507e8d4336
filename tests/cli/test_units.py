"""Small pieces of the command line: the live line, the progress line, the input reader."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from runcomfy_models._runtime import JobStatus
from runcomfy_models._runtime.cli.batch.journal import Journal
from runcomfy_models._runtime.cli.batch.progress import Progress
from runcomfy_models._runtime.cli.batch.reader import (
    InputFileError,
    count_records,
    csv_columns,
    input_hash,
    read_records,
)
from runcomfy_models._runtime.cli.live import LiveLine, format_elapsed
from runcomfy_models._runtime.cli.printing import text_lines
from runcomfy_models._runtime.cli.settings import Settings


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_live_line_shows_state_position_and_elapsed_time() -> None:
    now = [100.0]
    stream = FakeTerminal()
    live = LiveLine("req-1", stream=stream, clock=lambda: now[0])
    assert live.enabled
    now[0] += 75
    live.update(JobStatus("req-1", "in_queue", queue_position=3))
    assert stream.getvalue().startswith("\r")
    assert "in queue, position 3  1m15s  request req-1\x1b[K" in stream.getvalue()
    live.update(JobStatus("req-1", "in_progress"))
    assert "running  1m15s" in stream.getvalue()
    live.clear()
    assert stream.getvalue().endswith("\r\x1b[K")


def test_live_line_is_silent_off_a_terminal() -> None:
    stream = io.StringIO()
    live = LiveLine("req-1", stream=stream)
    with live:
        live.update(JobStatus("req-1", "in_queue", queue_position=0))
    assert stream.getvalue() == ""


def test_live_line_respects_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    colored = FakeTerminal()
    LiveLine("r", stream=colored).update(JobStatus("r", "in_progress"))
    assert "\x1b[36m" in colored.getvalue()
    monkeypatch.setenv("NO_COLOR", "1")
    plain = FakeTerminal()
    LiveLine("r", stream=plain).update(JobStatus("r", "in_progress"))
    assert "\x1b[36m" not in plain.getvalue()


@pytest.mark.parametrize(
    ("seconds", "text"), [(0.4, "0s"), (59.9, "59s"), (61, "1m01s"), (3723, "1h02m03s")]
)
def test_format_elapsed(seconds: float, text: str) -> None:
    assert format_elapsed(seconds) == text


def test_progress_line_counts_states_with_an_eta() -> None:
    stream = FakeTerminal()
    progress = Progress(10, stream=stream)
    assert progress.enabled
    progress.finished("done")
    progress.started()
    progress.finished("failed")
    progress.message("line 3: something")
    progress.close()
    text = stream.getvalue()
    assert "batch" in text
    assert "1 done" in text and "1 failed" in text and "1 running" in text
    assert "line 3: something" not in text  # messages go through click.echo (stderr)


def test_progress_is_off_without_a_terminal() -> None:
    stream = io.StringIO()
    progress = Progress(10, stream=stream)
    progress.finished("done")
    progress.close()
    assert not progress.enabled
    assert stream.getvalue() == ""


def test_csv_reader(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes(
        b"\xef\xbb\xbfprompt,seed,tags,extra\n"
        b'007,42,"[""a"", ""b""]",\n'
        b"\n"
        b'"two\nlines",x,{"k": 1},null\n'
        b"short,1\n"
    )
    records = list(read_records(source, frozenset({"prompt"})))
    assert [record.line for record in records] == [2, 4, 6]
    assert records[0].data == {"prompt": "007", "seed": 42, "tags": ["a", "b"]}
    assert records[1].data == {"prompt": "two\nlines", "seed": "x", "tags": {"k": 1}, "extra": None}
    assert records[2].data is None
    assert records[2].error == "has 2 cells, the header has 4"
    assert count_records(source) == 5


def test_csv_header_is_checked_once_for_columns_and_records(tmp_path: Path) -> None:
    for header, problem in (
        (b"image, image,seed\n", r"repeats column name\(s\) 'image'"),
        (b"image,,seed\n", "empty column name"),
        (b"im\xffage,seed\n", "not valid UTF-8"),
    ):
        source = tmp_path / "in.csv"
        source.write_bytes(header + b"a,b,c\n")
        with pytest.raises(InputFileError, match=problem):
            csv_columns(source)
        with pytest.raises(InputFileError, match=problem):
            list(read_records(source))
    source.write_bytes(b"\xef\xbb\xbfimage,seed\n")
    assert csv_columns(source) == ["image", "seed"]


def test_csv_row_that_is_not_utf8_is_an_invalid_record(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes(b'prompt,seed\na,1\n"two\nlines",2\ncaf\xe9,3\nd,4\n')
    records = list(read_records(source))
    assert [(record.line, record.error) for record in records] == [
        (2, None),
        (3, None),
        (5, "not valid UTF-8 text"),
        (6, None),
    ]
    assert records[2].raw == b"caf\xe9,3"
    assert records[3].data == {"prompt": "d", "seed": 4}


def test_jsonl_reader(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_bytes(b'\xef\xbb\xbf{"a": 1}\n\n[1]\n{"b": "\xff"}\n{"c": 2}')
    records = list(read_records(source))
    assert [(record.line, record.error) for record in records] == [
        (1, None),
        (3, "expected a JSON object of inputs"),
        (4, "not valid UTF-8 text (column 8)"),
        (5, None),
    ]
    assert count_records(source) == 5


def test_input_hash_ignores_key_order_and_spacing() -> None:
    assert input_hash({"a": 1, "b": [1, 2]}) == input_hash({"b": [1, 2], "a": 1})
    assert input_hash({"a": 1}) != input_hash({"a": 2})


def test_text_lines_of_a_result() -> None:
    lines = list(
        text_lines(
            {
                "request_id": "r1",
                "status": "succeeded",
                "files": ["https://cdn/x.png"],
                "saved": ["out/x.png"],
                "cost": 0.04,
            }
        )
    )
    assert lines == [
        "Request r1: succeeded",
        "  file   https://cdn/x.png",
        "  saved  out/x.png",
        "  cost   $0.04",
    ]


def test_settings_build_small_policies() -> None:
    settings = Settings(max_retries=5, retry_max_delay=0.01, poll_interval=0.02)
    retry = settings.retry_policy()
    assert (retry.max_retries, retry.cap, retry.retry_after_cap, retry.base) == (
        5,
        0.01,
        0.01,
        0.01,
    )
    poll = settings.poll_policy()
    assert (poll.initial, poll.max_interval) == (0.02, 0.02)
    assert Settings().retry_policy(default_retries=8).max_retries == 8


def test_journal_records_a_success_with_nothing_to_save_as_done_at_once(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "runs.db", "a/b")
    try:
        for line in (1, 2):
            journal.mark_submitting(line, f"hash-{line}")
            journal.mark_submitted(line, f"req-{line}")
        journal.mark_succeeded(1, '{"image": "u"}', '["u"]', 0.04)
        journal.mark_succeeded(2, '{"image": "v"}', '["v"]', None, done=True)
        first, second = journal.rows(2)
    finally:
        journal.close()
    assert (first.state, first.request_id, first.output, first.files, first.cost) == (
        "succeeded",
        "req-1",
        '{"image": "u"}',
        '["u"]',
        0.04,
    )
    assert (second.state, second.request_id, second.output, second.files, second.paths) == (
        "done",
        "req-2",
        '{"image": "v"}',
        '["v"]',
        None,
    )
