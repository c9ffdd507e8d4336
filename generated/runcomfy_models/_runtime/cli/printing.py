"""What the commands print: readable text on stdout, or one JSON object with ``--json``.

The same on a terminal and in a pipe (``| grep`` gets text); messages always go
to stderr, so stdout stays parseable.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from pydantic import BaseModel, ValidationError

from ..job_types import CANCEL_DESCRIPTIONS, CancelOutcome, JobResult, JobStatus
from ..outputs import GenericOutput, iter_remote_files, shown_output
from ..pricing import format_usd
from .style import json_line, styled

__all__ = [
    "Printer",
    "cancel_record",
    "explain_no_files",
    "file_urls",
    "result_record",
    "status_record",
    "text_lines",
]


@dataclass(frozen=True)
class Printer:
    """Prints a record as JSON (one line) or as text lines on stdout."""

    json: bool

    @classmethod
    def for_stdout(cls, json_flag: bool) -> Printer:
        """JSON exactly when ``--json`` was given, whatever stdout is."""
        return cls(json=json_flag)

    def emit(self, record: Mapping[str, Any]) -> None:
        if self.json:
            click.echo(json_line(record))
        else:
            for line in text_lines(record):
                click.echo(line)


def file_urls(output: BaseModel | Mapping[str, Any] | None) -> list[str]:
    """Every output file URL, in field order (URLs under keys no schema names too)."""
    if output is None:
        return []
    found: Any = output
    if not isinstance(output, BaseModel):
        try:
            found = GenericOutput.model_validate(dict(output))
        except ValidationError:  # a media key of an odd shape: every URL in it is a file
            found = dict(output)
    urls = isinstance(found, dict)
    return list(dict.fromkeys(remote.url for remote in iter_remote_files(found, urls=urls)))


def explain_no_files(record: dict[str, Any]) -> str:
    """Mark a succeeded job's ``record`` whose output holds no file to download (``--download``)
    and return the message for stderr: the request id and the output as RunComfy returned it."""
    request_id = record.get("request_id", "?")
    record["error"] = "the output holds no file to download"
    record["hint"] = f"Get its output again with: runcomfy-models result {request_id}"
    return (
        f"Request {request_id} succeeded (and is billed), but its output holds no file to "
        f"download. The output as RunComfy returned it: {shown_output(record.get('output'))}"
    )


def _paths(saved: Sequence[Path] | None) -> list[str]:
    return [str(path) for path in saved or ()]


def result_record(
    result: JobResult, *, model_id: str | None = None, saved: Sequence[Path] | None = None
) -> dict[str, Any]:
    record: dict[str, Any] = {"request_id": result.request_id}
    if model_id is not None:
        record["model_id"] = model_id
    record["status"] = result.state
    if result.output is not None:
        record["output"] = result.output
    record["files"] = file_urls(result.output)
    if saved is not None:
        record["saved"] = _paths(saved)
    if result.error_message is not None:
        record["error"] = result.error_message
    if result.cost is not None:
        record["cost"] = result.cost_usd
    if result.created_at is not None:
        record["created_at"] = result.created_at
    if result.finished_at is not None:
        record["finished_at"] = result.finished_at
    return record


def status_record(status: JobStatus) -> dict[str, Any]:
    record: dict[str, Any] = {"request_id": status.request_id, "status": status.state}
    if status.queue_position is not None:
        record["queue_position"] = status.queue_position
    return record


def cancel_record(outcome: CancelOutcome) -> dict[str, Any]:
    return {"request_id": outcome.request_id, "outcome": outcome.outcome}


_GOOD = frozenset({"succeeded", "submitted", "completed"})
_BAD = frozenset({"failed", "cancelled", "timeout", "interrupted"})


def _headline(record: Mapping[str, Any]) -> str:
    request_id = record.get("request_id", "?")
    if "outcome" in record:
        outcome = str(record["outcome"])
        color = "green" if outcome == "cancelled" else "yellow"
        text = CANCEL_DESCRIPTIONS.get(outcome, outcome)
        if record.get("finished"):
            text = "It has already finished: there is nothing to cancel"
        elif record.get("status") == "in_progress":
            text = "It could not be cancelled: it is running, so it will finish and be billed"
        return f"Request {request_id}: " + styled(text, sys.stdout, fg=color, bold=True)
    state = str(record.get("status", "?"))
    color = "green" if state in _GOOD else "red" if state in _BAD else "yellow"
    text = state.replace("_", " ")
    if record.get("queue_position") is not None:
        text += f", queue position {record['queue_position']}"
    return f"Request {request_id}: " + styled(text, sys.stdout, fg=color, bold=True)


def text_lines(record: Mapping[str, Any]) -> Iterable[str]:
    """The readable form of a record printed by :class:`Printer`."""
    yield _headline(record)
    if record.get("model_id"):
        yield f"  model  {record['model_id']}"
    if record.get("error"):
        yield f"  error  {record['error']}"
    for url in record.get("files", ()):
        yield f"  file   {url}"
    for path in record.get("saved", ()):
        yield f"  saved  {path}"
    if "cost" in record:
        yield f"  cost   {format_usd(record['cost'])}"
    if record.get("hint"):
        yield f"  {record['hint']}"
