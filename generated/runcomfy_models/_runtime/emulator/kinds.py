"""What a catalog entry's model makes: image, video or audio.

Read as RunComfy's own clients read it: ``output_type_in_catalog`` (``IMAGE``, ``VIDEO``,
``AUDIO``; the partner nodes' catalog), then a category ending in the kind, then the entry's
``kind``, then the media keys its output schema names, then the words of its id.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final, Literal, get_args

MediaKind = Literal["image", "video", "audio"]
KINDS: Final[tuple[MediaKind, ...]] = get_args(MediaKind)

_ID_WORDS: Final[dict[str, MediaKind]] = {
    "video": "video",
    "audio": "audio",
    "music": "audio",
    "speech": "audio",
    "image": "image",
}
_WORD: Final = re.compile(r"[a-z]+")


def _as_kind(value: Any) -> MediaKind | None:
    text = value.strip().lower() if isinstance(value, str) else ""
    for kind in KINDS:
        if text == kind:
            return kind
    return None


def entry_kind(entry: Mapping[str, Any]) -> MediaKind:
    """The kind of file the model of ``entry`` makes (``image`` when nothing says)."""
    stated = _as_kind(entry.get("output_type_in_catalog"))
    if stated is not None:
        return stated
    categories = entry.get("categories")
    for category in categories if isinstance(categories, list) else ():
        text = category.strip().lower() if isinstance(category, str) else ""
        for kind in KINDS:
            if text.endswith(kind):
                return kind
    own = _as_kind(entry.get("kind"))
    if own is not None:
        return own
    schema = entry.get("output_schema")
    properties = schema.get("properties") if isinstance(schema, Mapping) else None
    named = [
        kind
        for kind in KINDS
        if isinstance(properties, Mapping) and (kind in properties or kind + "s" in properties)
    ]
    if len(named) == 1:
        return named[0]
    model_id = str(entry.get("model_id", "")).lower()
    for segment in reversed(model_id.split("/")):
        words = _WORD.findall(segment)
        after_to = words[len(words) - words[::-1].index("to") :] if "to" in words else []
        for word in [*after_to, *words]:
            if word in _ID_WORDS:
                return _ID_WORDS[word]
    return "image"
