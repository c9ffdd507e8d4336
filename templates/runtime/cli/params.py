"""Option types used by the generated command modules: ``Choice``, ``JSON_VALUE`` and ``MEDIA``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from click.shell_completion import CompletionItem

from ..suggest import suggestion

__all__ = ["JSON_VALUE", "MEDIA", "Choice", "IntChoice", "JsonValue", "Media", "is_media_reference"]

if TYPE_CHECKING:
    _ParamType = click.ParamType[Any]
else:  # click < 8.4: ParamType is not generic
    _ParamType = click.ParamType


def is_media_reference(text: str) -> bool:
    """True for an http(s) URL with a host or a ``data:`` URI: sent as it is."""
    value = text.strip()
    head = value[:8].lower()
    if head.startswith("https://"):
        rest = value[8:]
    elif head.startswith("http://"):
        rest = value[7:]
    else:
        return head.startswith("data:")
    return bool(rest) and rest[0] not in "/?#"


class Choice(click.Choice):  # type: ignore[type-arg]  # generic from click 8.2 on
    """``click.Choice`` whose error shows the closest few choices and a "did you mean", never
    every choice of a long list."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter:
            self.fail(f"{value!r} is not allowed; {suggestion(value, self.choices)}", param, ctx)


class JsonValue(_ParamType):
    """A JSON document given inline, such as ``'{"colors": ["#fff"]}'``."""

    name = "json"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            shown = value if len(value) <= 60 else value[:57] + "..."
            self.fail(
                f"not valid JSON ({exc.msg} at column {exc.colno}): {shown!r}. "
                'Quote it for the shell, e.g. \'{"key": "value"}\'.',
                param,
                ctx,
            )


class Media(_ParamType):
    """A media input: an http(s) URL or ``data:`` URI (sent as is), or a local file.

    A local file becomes a ``pathlib.Path``, which the runtime sends as a
    ``data:`` URI; a value that is neither a URL nor an existing file is refused.
    """

    name = "url|file"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, Path) or not isinstance(value, str):
            return value
        if is_media_reference(value):
            return value.strip()
        path = Path(value).expanduser()
        if path.is_file():
            return path
        if path.is_dir():
            self.fail(f"{value!r} is a folder, not a file", param, ctx)
        self.fail(
            f"{value!r} is neither an http(s) URL, a data: URI nor an existing file",
            param,
            ctx,
        )

    def shell_complete(
        self, ctx: click.Context, param: click.Parameter, incomplete: str
    ) -> list[CompletionItem]:
        return [CompletionItem(incomplete, type="file")]


class IntChoice(Choice):
    """One of a fixed set of integers: shown and completed as ``[2|4]``, passed on as ``int``."""

    name = "integer choice"

    def __init__(self, values: Sequence[int]) -> None:
        super().__init__([str(value) for value in values])

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        return int(super().convert(value, param, ctx))


JSON_VALUE = JsonValue()
MEDIA = Media()
