"""Errors as data: every problem found in a schema is a Diagnostic, never an exception."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Level(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
    """Worth knowing, never a problem: ``--strict`` leaves it alone."""


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem: which file, where in it (a JSON pointer), and what."""

    file: str
    pointer: str
    level: Level
    message: str

    def __str__(self) -> str:
        where = f"{self.file}#{self.pointer}" if self.pointer else self.file
        return f"{where}: {self.level.value}: {self.message}"


def json_pointer(*parts: str | int) -> str:
    """Build an RFC 6901 pointer, escaping ``~`` and ``/`` inside each part."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


class Collector:
    """Accumulates diagnostics for one file."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.items: list[Diagnostic] = []

    def error(self, pointer: str, message: str) -> None:
        self.items.append(Diagnostic(self.file, pointer, Level.ERROR, message))

    def warning(self, pointer: str, message: str) -> None:
        self.items.append(Diagnostic(self.file, pointer, Level.WARNING, message))

    def info(self, pointer: str, message: str) -> None:
        self.items.append(Diagnostic(self.file, pointer, Level.INFO, message))

    @property
    def has_errors(self) -> bool:
        return has_errors(self.items)


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.level is Level.ERROR for d in diagnostics)


def promote_warnings(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """``--strict``: every warning becomes an error."""
    return [
        Diagnostic(d.file, d.pointer, Level.ERROR, d.message) if d.level is Level.WARNING else d
        for d in diagnostics
    ]
