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
    schema_path: str = ""
    """For a Python change to one field: the schema-side path it follows from (``input.style``)."""

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


def _follows(python: Change, schema: Change) -> bool:
    """Whether ``python`` is the Python side of ``schema`` (same model, severity and side
    already matched)."""
    base = python.schema_path
    return schema.path == base or schema.path.startswith((f"{base}.", f"{base}["))


def grouped(changes: Sequence[Change]) -> list[tuple[Change, list[Change]]]:
    """Each counted change with the Python changes it causes, which are listed under it.

    A property removed from the schema is also a keyword argument removed from Python: both
    are shown (they tell different readers what breaks), as one change.
    """
    groups: list[tuple[Change, list[Change]]] = [(change, []) for change in changes]
    schema_side: dict[tuple[str, Severity], list[tuple[Change, list[Change]]]] = {}
    for group in groups:
        if group[0].side in (Side.INPUT, Side.OUTPUT):
            schema_side.setdefault((group[0].model_id, group[0].severity), []).append(group)
    folded: set[int] = set()
    for index, (change, _) in enumerate(groups):
        if change.side is not Side.PYTHON or not change.schema_path:
            continue
        candidates = schema_side.get((change.model_id, change.severity), [])
        home = next((g for g in candidates if _follows(change, g[0])), None)
        if home is not None:
            home[1].append(change)
            folded.add(index)
    return [group for index, group in enumerate(groups) if index not in folded]


def counted(changes: Sequence[Change]) -> list[Change]:
    """The changes a count is made of: one per listed change (see :func:`grouped`)."""
    return [head for head, _ in grouped(changes)]


def count_line(changes: Sequence[Change]) -> str:
    counter = Counter(c.severity for c in counted(changes))
    return ", ".join(f"{counter[s]} {s.value}" for s in Severity)
