"""What a model makes (its output kind) and, for entries without any, its categories.

The output kind is ``image``, ``video``, ``audio`` or ``""`` (unknown), decided by the first of:

1. the entry's ``output_type_in_catalog`` (``IMAGE``, ``VIDEO``, ``AUDIO``, any case);
2. the first of its ``categories`` that ends in ``audio``, ``image`` or ``video``;
3. the id's task word, read from the last segment to the first: the medium after ``-to-``
   (``text-to-audio``, ``image-to-video``), else a medium the segment names (``video-edit``,
   ``audio-inpaint``; ``music`` and ``speech`` are audio), else for a word that transforms its
   input (``edit``, ``reframe``, ``extend``, ...) the one medium the model's inputs take, and
   ``transition`` or ``first-last-frame`` make a video. ``qwen/qwen-image-2.1/edit`` is an image
   model through its family name; ``bytedance/seedance-2.0/pro`` stays unknown.

An entry without ``categories`` gets them from the same task word: the segment with ``-to-``
(``text-to-video``), else a task segment, prefixed by the kind when it names no medium
(``edit`` of an image model is ``image-edit``); none when the id names no task.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Final

OUTPUT_KINDS: Final = ("image", "video", "audio")

_MEDIUM_WORDS: Final = {
    "image": "image",
    "images": "image",
    "video": "video",
    "videos": "video",
    "audio": "audio",
    "music": "audio",
    "speech": "audio",
    "song": "audio",
    "voice": "audio",
    "tts": "audio",
}
_SAME_AS_INPUT: Final = frozenset(
    {"edit", "reframe", "inpaint", "outpaint", "upscale", "extend", "remix", "restyle"}
)
"""Task words whose output is of the medium the model takes."""
_MAKES_VIDEO: Final = frozenset({"transition", "first-last-frame"})


def _medium(word: str) -> str:
    return _MEDIUM_WORDS.get(word, "")


def _segment_kind(segment: str, input_kinds: frozenset[str]) -> str:
    """The kind one id segment names, or ``""``."""
    text = segment.lower()
    words = text.split("-")
    if "to" in words:
        after = words[len(words) - 1 - words[::-1].index("to") + 1 :]
        found = _medium(after[0]) if after else ""
        if found:
            return found
    for word in words:
        if _medium(word):
            return _medium(word)
    if text in _MAKES_VIDEO:
        return "video"
    if any(word in _SAME_AS_INPUT for word in words) and len(input_kinds) == 1:
        return next(iter(input_kinds))
    return ""


def kind_from_id(model_id: str, input_kinds: Iterable[str] = ()) -> str:
    """The kind the id's task word names (rule 3 above), or ``""``."""
    media = frozenset(input_kinds)
    for segment in reversed(model_id.split("/")[1:]):
        found = _segment_kind(segment, media)
        if found:
            return found
    return ""


def output_kind(
    model_id: str,
    *,
    catalog_type: str = "",
    categories: Sequence[str] = (),
    input_kinds: Iterable[str] = (),
) -> str:
    """The output kind by the rules of this module (``""`` when none decides)."""
    stated = catalog_type.strip().lower()
    if stated in OUTPUT_KINDS:
        return stated
    for category in categories:
        text = category.strip().lower()
        for kind in OUTPUT_KINDS:
            if text.endswith(kind):
                return kind
    return kind_from_id(model_id, input_kinds)


def _is_task(segment: str) -> bool:
    words = segment.lower().split("-")
    return (
        "to" in words[1:-1]
        or segment.lower() in _MAKES_VIDEO
        or any(word in _SAME_AS_INPUT or word == "generation" for word in words)
    )


def categories_from_id(model_id: str, kind: str) -> tuple[str, ...]:
    """Categories for an entry that states none: its task segment (see the module's rules)."""
    for segment in reversed(model_id.split("/")[1:]):
        if not _is_task(segment):
            continue
        text = segment.lower()
        names_medium = any(_medium(word) for word in text.split("-"))
        if names_medium or "to" in text.split("-") or not kind:
            return (text,)
        return (f"{kind}-{text}",)
    return ()
