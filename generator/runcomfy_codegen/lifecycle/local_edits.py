"""Local annotations (``local_edits``) re-applied on top of a fresh upstream entry.

Each edit is ``{pointer, value, reason}``: set ``value`` at the RFC 6901 ``pointer`` of the entry.
The parent of the pointer must exist upstream; when it does not (the property was removed or
renamed), the edit no longer applies and is reported, never forced in.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

EDITABLE_ROOTS = frozenset({"input_schema", "output_schema", "display_name", "categories"})

_INDEX = re.compile(r"0|[1-9][0-9]*")

Outcome = Literal["applied", "redundant", "stale"]


@dataclass(frozen=True)
class EditResult:
    pointer: str
    outcome: Outcome
    message: str


def parse_pointer(pointer: str) -> list[str] | None:
    """The reference tokens of an RFC 6901 pointer, or ``None`` if it is not one."""
    if not pointer.startswith("/"):
        return None
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")]


def _index(part: str, size: int, *, append: bool) -> int | None:
    if append and part == "-":
        return size
    if not _INDEX.fullmatch(part):
        return None
    index = int(part)
    limit = size + 1 if append else size
    return index if index < limit else None


def _apply_one(entry: dict[str, Any], pointer: str, value: Any) -> EditResult:
    tokens = parse_pointer(pointer)
    if not tokens or tokens[0] not in EDITABLE_ROOTS:
        return EditResult(pointer, "stale", "pointer does not point into the entry's schemas")
    node: Any = entry
    for depth, token in enumerate(tokens[:-1]):
        here = "/" + "/".join(tokens[: depth + 1])
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and (i := _index(token, len(node), append=False)) is not None:
            node = node[i]
        else:
            return EditResult(pointer, "stale", f"{here} does not exist upstream any more")
    last = tokens[-1]
    if isinstance(node, dict):
        if last in node and node[last] == value:
            return EditResult(pointer, "redundant", "upstream now has this value itself")
        node[last] = copy.deepcopy(value)
        return EditResult(pointer, "applied", "re-applied")
    if isinstance(node, list):
        index = _index(last, len(node), append=True)
        if index is None:
            return EditResult(pointer, "stale", f"index {last!r} is out of range upstream")
        if index < len(node) and node[index] == value:
            return EditResult(pointer, "redundant", "upstream now has this value itself")
        if index == len(node):
            node.append(copy.deepcopy(value))
        else:
            node[index] = copy.deepcopy(value)
        return EditResult(pointer, "applied", "re-applied")
    return EditResult(pointer, "stale", "the parent is not an object or array upstream")


def apply_edits(
    entry: dict[str, Any], edits: Sequence[Any]
) -> tuple[dict[str, Any], list[EditResult]]:
    """A copy of ``entry`` with every applicable edit set, and what happened to each edit."""
    result = copy.deepcopy(entry)
    outcomes: list[EditResult] = []
    for edit in edits:
        if (
            not isinstance(edit, dict)
            or not isinstance(edit.get("pointer"), str)
            or "value" not in edit
        ):
            outcomes.append(
                EditResult(str(edit)[:80], "stale", "not a {pointer, value, reason} edit")
            )
            continue
        outcomes.append(_apply_one(result, edit["pointer"], edit["value"]))
    return result, outcomes
