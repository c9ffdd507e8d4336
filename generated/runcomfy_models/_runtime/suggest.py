"""What to say about a wrong value or name: the closest few choices, and "did you mean" when one
is close. A short list of choices is shown whole; a long one never is.

Pure functions on strings; this module imports nothing heavy.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["closest", "suggestion"]

SHORT = 8
"""Lists of choices up to this long are shown whole."""
SHOWN = 3
"""How many of the closest choices a longer list shows."""
_CLOSE = 0.6
_TOKEN = re.compile(r"[^\s()\[\]{},;|]+")


def _score(wrong: str, choice: str) -> float:
    """How close ``wrong`` is to ``choice``, from 0 to 1 (case does not count)."""
    w, c = wrong.strip().lower(), choice.lower()
    if w == c:
        return 1.0
    score = difflib.SequenceMatcher(None, w, c, autojunk=False).ratio()
    if w and w in _TOKEN.findall(c):
        score = max(score, 0.9)  # "4:3" names "1152:864 (4:3)"
    elif len(w) >= 2 and w in c:
        score = max(score, 0.7)
    return score


def closest(wrong: Any, choices: Iterable[Any], n: int = SHOWN) -> list[tuple[Any, float]]:
    """The ``n`` choices closest to ``wrong`` with their scores, closest first (ties: list order)."""
    text = str(wrong)
    scored = [(choice, _score(text, str(choice))) for choice in choices]
    return sorted(scored, key=lambda pair: -pair[1])[:n]


def suggestion(wrong: Any, choices: Sequence[Any], *, noun: str = "allowed values") -> str:
    """``did you mean 'x'? `` (when one is close) and the choices: all of a short list, else the
    closest few, e.g. ``did you mean '1152:864 (4:3)'? The closest of the 69 allowed values:
    '1152:864 (4:3)', '1152:896 (9:7)', '1152:832 (18:13)'``."""
    if not choices:
        return f"there are no {noun}"
    ranked = closest(wrong, choices, n=len(choices) if len(choices) <= SHORT else SHOWN)
    best, score = ranked[0]
    hint = f"did you mean {best!r}? " if score >= _CLOSE else ""
    if len(choices) <= SHORT:
        return hint + f"{noun[0].upper()}{noun[1:]}: " + ", ".join(repr(c) for c in choices)
    shown = ", ".join(repr(choice) for choice, _ in ranked)
    return hint + f"The closest of the {len(choices)} {noun}: {shown}"
