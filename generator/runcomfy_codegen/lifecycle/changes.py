"""What a change between two sets of schemas is: a model, a place, a severity and a message."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    BREAKING = "breaking"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """0 for the most severe."""
        return _RANK[self]


_RANK = {Severity.BREAKING: 0, Severity.WARNING: 1, Severity.INFO: 2}


class Side(StrEnum):
    """Where a change is seen: the request a user sends, the response they read, or neither."""

    MODEL = "model"
    INPUT = "input"
    OUTPUT = "output"
    PYTHON = "python"


@dataclass(frozen=True, order=True)
class Change:
    """One classified difference; ``path`` is e.g. ``input.style.colors[]`` or ``Input``."""

    model_id: str
    side: Side
    path: str
    rule: str
    severity: Severity
    message: str

    def sort_key(self) -> tuple[str, int, str, str, str]:
        return (self.model_id, self.severity.rank, self.side.value, self.path, self.message)


@dataclass
class DiffReport:
    """Every change between two sides, plus notes on what could not be compared."""

    changes: list[Change] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def sorted_changes(self) -> list[Change]:
        return sorted(self.changes, key=Change.sort_key)

    def counts(self) -> dict[Severity, int]:
        """Changes per severity, each counted once (see :func:`counted`)."""
        counter = Counter(c.severity for c in counted(self.changes))
        return {s: counter[s] for s in Severity}

    def models(self) -> list[str]:
        return sorted({c.model_id for c in self.changes})

    def worst(self) -> Severity | None:
        return min((c.severity for c in self.changes), key=lambda s: s.rank, default=None)

    def fails(self, threshold: Severity | None) -> bool:
        """Whether a change at least as severe as ``threshold`` is present."""
        worst = self.worst()
        return threshold is not None and worst is not None and worst.rank <= threshold.rank


def by_model(changes: Iterable[Change]) -> dict[str, list[Change]]:
    """Changes grouped by model id (sorted), each group sorted most severe first."""
    groups: dict[str, list[Change]] = {}
    for change in sorted(changes, key=Change.sort_key):
        groups.setdefault(change.model_id, []).append(change)
    return groups


def _key(name: str) -> str:
    return "".join(char for char in name.lower() if char.isalnum())


def counted(changes: Sequence[Change]) -> list[Change]:
    """The changes a count is made of: a schema change and the Python change it causes are one.

    A property removed from the schema is also a keyword argument removed from Python; both
    are listed (they tell different readers what breaks), but the change is counted once.
    """
    schema_fields = {
        (c.model_id, c.severity, _key(c.path.split(".")[1]))
        for c in changes
        if c.side in (Side.INPUT, Side.OUTPUT) and "." in c.path
    }
    return [
        c
        for c in changes
        if not (
            c.side is Side.PYTHON
            and "." in c.path
            and (c.model_id, c.severity, _key(c.path.split(".")[-1])) in schema_fields
        )
    ]


def count_line(changes: Sequence[Change]) -> str:
    counter = Counter(c.severity for c in counted(changes))
    return ", ".join(f"{counter[s]} {s.value}" for s in Severity)
