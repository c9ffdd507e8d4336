"""Streaming the input lines of a batch: JSONL (one object a line) or CSV with a header.

Nothing is loaded whole: records are produced one at a time, each with its
line number (for CSV, the line where the record starts; the header is line 1).
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TextIO

__all__ = [
    "InputFileError",
    "InputLine",
    "count_records",
    "csv_columns",
    "detect_format",
    "input_hash",
    "parse_line",
    "read_records",
]

Format = Literal["jsonl", "csv"]

_BOM = b"\xef\xbb\xbf"
_CHUNK = 1 << 20
# What ``surrogateescape`` makes of bytes that are not UTF-8.
_ESCAPED = re.compile("[\udc80-\udcff]")


class InputFileError(Exception):
    """The inputs file cannot be read at all (not one bad line: those are records)."""


@dataclass(frozen=True, slots=True)
class InputLine:
    """One input line: its object, or why it is not one."""

    line: int
    data: dict[str, Any] | None
    error: str | None
    raw: bytes | str

    def hash(self) -> str:
        return input_hash(self.data if self.data is not None else self.raw)


def input_hash(value: Any) -> str:
    """A stable digest of an input (independent of key order and whitespace)."""
    if isinstance(value, bytes):
        text = value.strip()
    elif isinstance(value, str):
        text = value.strip().encode("utf-8", "surrogatepass")
    else:
        text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
            "utf-8", "surrogatepass"
        )
    return hashlib.blake2b(text, digest_size=16).hexdigest()


def detect_format(path: Path) -> Format:
    """CSV for ``.csv``/``.tsv`` names, JSONL for ``.jsonl``/``.ndjson``/``.json``; else by content."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv"):
        return "csv"
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    with path.open("rb") as handle:
        head = handle.read(4096).removeprefix(_BOM).lstrip()
    return "jsonl" if head[:1] in (b"{", b"") else "csv"


def read_records(path: Path, text_keys: frozenset[str] = frozenset()) -> Iterator[InputLine]:
    """The records of ``path``; for CSV, columns in ``text_keys`` are kept as written.

    A line that cannot be decoded or parsed is a record with an error; a file
    that cannot be read (at all, or any more) is InputFileError.
    """
    try:
        records = _csv_records(path, text_keys) if detect_format(path) == "csv" else None
    except OSError as exc:
        raise InputFileError(f"{path}: cannot read the inputs: {exc}") from exc
    return _read_errors(path, records if records is not None else _jsonl_records(path))


def _read_errors(path: Path, records: Iterator[InputLine]) -> Iterator[InputLine]:
    """``records``, with a failure to read the file turned into InputFileError."""
    line = 0
    try:
        for record in records:
            line = record.line
            yield record
    except OSError as exc:
        where = f" after line {line}" if line else ""
        raise InputFileError(f"{path}: cannot read the inputs{where}: {exc}") from exc


def _jsonl_records(path: Path) -> Iterator[InputLine]:
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if number == 1:
                raw = raw.removeprefix(_BOM)
            if not raw.strip():
                continue
            data, problem = parse_line(raw)
            yield InputLine(number, data, problem, raw)


def parse_line(raw: bytes) -> tuple[dict[str, Any] | None, str | None]:
    """One JSONL line as an object of inputs, or why it is not one (with the column).

    Hostile lines are problems, never exceptions: bytes that are not UTF-8, a
    byte order mark, nesting too deep for the parser, integers too long to
    convert, lone surrogates, repeated keys (refused: which value was meant is
    unknowable) and a line that ends before its JSON does.
    """
    try:
        text = raw.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError as exc:
        return None, f"not valid UTF-8 text (column {exc.start + 1})"
    if text.startswith("\ufeff"):
        return None, (
            "starts with a byte order mark (U+FEFF, column 1), allowed only at the start of "
            "the file: were files joined together?"
        )
    try:
        data = json.loads(text)
        if _key_count(data) != len(_KEY_TOKEN.findall(text)):
            # Fewer keys than key tokens: a key may repeat (or a string holds '":'); look closely.
            json.loads(text, object_pairs_hook=_unique_keys)
    except _RepeatedKey as exc:
        column = _column_of(text, json.dumps(exc.key, ensure_ascii=False), second=True)
        return None, f"repeats the key {exc.key!r} (column {column}); each key may appear once"
    except json.JSONDecodeError as exc:
        if exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string"):
            end = len(text.rstrip()) + 1
            return None, f"not valid JSON: the line ends at column {end} before the JSON does"
        return None, f"not valid JSON: {exc.msg} (column {exc.colno})"
    except RecursionError:
        column = _too_deep(text)
        return None, f"not valid JSON: nested too deep (over {_DEPTH} levels at column {column})"
    except ValueError:
        match = _LONG_DIGITS.search(text)
        column = match.start() + 1 if match else 1
        return None, f"not valid JSON: an integer with too many digits (column {column})"
    if not isinstance(data, dict):
        return None, "expected a JSON object of inputs"
    if "\\u" in text and _MAYBE_SURROGATE.search(text) is not None:
        try:
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            match = _LONE_SURROGATE.search(text)
            column = match.start() + 1 if match else 1
            return None, f"a lone surrogate escape (column {column}) is not text"
    return data, None


_DEPTH = 500
_KEY_TOKEN = re.compile(r'"\s*:')
_LONG_DIGITS = re.compile(r"\d{4000,}")
_MAYBE_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile(
    r"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F])"
    r"|(?<![0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}"
)


class _RepeatedKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _key_count(value: Any) -> int:
    """How many object keys ``value`` holds, nested ones included."""
    if isinstance(value, dict):
        return len(value) + sum(
            _key_count(item) for item in value.values() if type(item) in _NESTED
        )
    if isinstance(value, list):
        return sum(_key_count(item) for item in value if type(item) in _NESTED)
    return 0


_NESTED = (dict, list)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data = dict(pairs)
    if len(data) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _RepeatedKey(key)
            seen.add(key)
    return data


def _column_of(text: str, needle: str, *, second: bool) -> int:
    first = text.find(needle)
    at = text.find(needle, first + 1) if second and first >= 0 else first
    return (at if at >= 0 else 0) + 1


def _too_deep(text: str, limit: int = _DEPTH) -> int:
    """The column where ``text`` is first nested ``limit`` levels deep (strings skipped)."""
    depth = 0
    in_string = escaped = False
    for index, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth >= limit:
                return index + 1
        elif char in "]}":
            depth -= 1
    return 1


def _cell(value: str, as_text: bool) -> Any:
    if as_text:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _delimiter(path: Path) -> str:
    return "\t" if path.suffix.lower() == ".tsv" else ","


def _open_csv(path: Path) -> TextIO:
    """The CSV file as text; bytes that are not UTF-8 become lone surrogates (see ``_undecodable``)."""
    return path.open("r", encoding="utf-8-sig", errors="surrogateescape", newline="")


def _undecodable(cells: list[str]) -> bool:
    """Whether a row read with ``surrogateescape`` held bytes that are not UTF-8."""
    return any(_ESCAPED.search(cell) for cell in cells)


def _read_header(reader: Iterator[list[str]], path: Path) -> list[str] | None:
    """The checked column names of a CSV file (None when the file is empty).

    The one check of a header, for :func:`csv_columns` and the record reader
    alike: InputFileError for a header that cannot be read, is not UTF-8, or
    has empty or repeated column names.
    """
    try:
        header = next(reader)
    except StopIteration:
        return None
    except csv.Error as exc:
        raise InputFileError(f"{path}: cannot read the CSV header: {exc}") from exc
    if _undecodable(header):
        raise InputFileError(f"{path}: cannot read the CSV header: not valid UTF-8 text")
    columns = [name.strip() for name in header]
    if "" in columns:
        raise InputFileError(f"{path}: the CSV header has an empty column name")
    repeated = sorted({name for name in columns if columns.count(name) > 1})
    if repeated:
        raise InputFileError(
            f"{path}: the CSV header repeats column name(s) {', '.join(map(repr, repeated))}"
        )
    return columns


def _csv_records(path: Path, text_keys: frozenset[str]) -> Iterator[InputLine]:
    delimiter = _delimiter(path)
    with _open_csv(path) as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        columns = _read_header(reader, path)
        if columns is None:
            return
        text = [name in text_keys for name in columns]
        start = reader.line_num + 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield InputLine(start, None, f"not valid CSV: {exc}", "")
                start = reader.line_num + 1
                continue
            number, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in row):
                continue
            raw = delimiter.join(row)
            if _undecodable(row):
                yield InputLine(
                    number, None, "not valid UTF-8 text", raw.encode("utf-8", "surrogateescape")
                )
                continue
            if len(row) != len(columns):
                yield InputLine(
                    number, None, f"has {len(row)} cells, the header has {len(columns)}", raw
                )
                continue
            data = {
                name: _cell(cell, as_text)
                for name, cell, as_text in zip(columns, row, text, strict=True)
                if cell != ""
            }
            yield InputLine(number, data, None, raw)


def csv_columns(path: Path) -> list[str]:
    """The checked column names of a CSV file (empty for JSONL); InputFileError for a bad header."""
    if detect_format(path) != "csv":
        return []
    with _open_csv(path) as handle:
        return _read_header(csv.reader(handle, delimiter=_delimiter(path)), path) or []


def count_records(path: Path) -> int:
    """About how many records ``path`` holds (lines, less a CSV header); for the progress bar."""
    lines = 0
    last = b"\n"
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    if last != b"\n":
        lines += 1
    if detect_format(path) == "csv":
        lines -= 1
    return max(lines, 0)
