"""A succeeded job's ``output``, in each shape RunComfy's own clients read (``Shapes.output``)."""

from __future__ import annotations

from typing import Any, Final

from .media import MediaPlan

SEED: Final = 1234567
"""The ``seed`` the emulator reports for every job (in the shapes that carry one)."""


def output_body(shape: str, media: MediaPlan, url: str) -> dict[str, Any]:
    """The ``output`` of a succeeded job whose one file is at ``url``."""
    kind = media.kind
    if shape == "list":
        return {kind + "s": [url]}
    if shape == "extras":
        return {media.output_key: [url] if media.is_list else url, **_extras()}
    if shape == "unknown_key":
        return {f"{kind}_url": url, "seed": SEED}
    if shape == "nested":
        return {"result": {"files": [url], "format": media.extension}, "seed": SEED}
    if shape == "no_file":
        return {"seed": SEED}
    return {media.output_key: [url] if media.is_list else url}


def _extras() -> dict[str, Any]:
    return {"seed": SEED, "has_nsfw_concepts": [False], "timings": {"inference": 1.25}}
