"""Which inputs drive a model's run time: the rule behind ``ModelSpec.timing_inputs``.

The runtime keeps job run times per model *and* the values of these inputs (a
5 s and a 10 s video of one model run for very different times), so the rule
errs on the side of few, clearly time-driving inputs. An input drives run time
when both hold:

- it is a setting, not content: its type is ``integer``, ``number`` or
  ``boolean``, or a ``string`` with an ``enum`` (never media, a prompt or free text);
- its name, split into words at ``_``, ``-``, spaces and case changes, contains one
  of :data:`TIME_WORDS`: a duration or length, frames or frame rate, a resolution or
  size, a number of steps, a count of outputs, a quality or speed setting.

Seeds, guidance scales, aspect ratios and prompts do not match and are left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

from .ir import Field

__all__ = ["TIME_WORDS", "drives_run_time", "timing_inputs"]

TIME_WORDS: Final = frozenset(
    {
        "duration",
        "length",
        "seconds",
        "frames",
        "fps",
        "resolution",
        "width",
        "height",
        "size",
        "steps",
        "num",
        "number",
        "count",
        "quality",
        "speed",
    }
)

_WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


def _words(name: str) -> set[str]:
    return {word.lower() for word in _WORD.findall(name)}


def drives_run_time(field: Field) -> bool:
    """Whether ``field`` is an input whose value drives the run time (see the module doc)."""
    if field.media is not None:
        return False
    kinds = set(field.type.kinds) - {"null"}
    setting = bool(kinds) and (
        kinds <= {"integer", "number", "boolean"}
        or (kinds == {"string"} and field.type.enum is not None)
    )
    return setting and not TIME_WORDS.isdisjoint(_words(field.wire_name))


def timing_inputs(inputs: Iterable[Field]) -> tuple[str, ...]:
    """The wire names of the inputs that drive run time, sorted."""
    return tuple(sorted(f.wire_name for f in inputs if drives_run_time(f)))
