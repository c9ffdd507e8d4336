"""Messages on stderr and colours that respect ``NO_COLOR`` and non-terminals."""

from __future__ import annotations

import json
import os
import sys
import unicodedata
from typing import IO, Any

import click

__all__ = [
    "SafeHelpCommand",
    "color_enabled",
    "error",
    "is_terminal",
    "json_line",
    "note",
    "styled",
    "terminal_text",
    "warning",
]


def is_terminal(stream: IO[Any] | None) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, ValueError):
        return False


def color_enabled(stream: IO[Any] | None) -> bool:
    """Colours only on a terminal, and never when ``NO_COLOR`` is set (https://no-color.org)."""
    return not os.environ.get("NO_COLOR") and is_terminal(stream)


def styled(text: str, stream: IO[Any] | None = None, **styles: Any) -> str:
    """``click.style`` for ``stream`` (stderr by default), or plain text where colour is off."""
    target = sys.stderr if stream is None else stream
    return click.style(text, **styles) if color_enabled(target) else text


def note(message: str) -> None:
    """A message for the user, on stderr (stdout is kept for results)."""
    click.echo(message, err=True)


def warning(message: str) -> None:
    click.echo(f"{styled('Warning:', fg='yellow', bold=True)} {message}", err=True)


def error(message: str) -> None:
    click.echo(f"{styled('Error:', fg='red', bold=True)} {message}", err=True)


_UNSHOWN = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def terminal_text(text: str) -> str:
    """``text`` with control and format characters written as escapes (``\\x1b``,
    ``\\u202e``): a display name or description from a catalog can never move the cursor,
    change colours, retitle the window or reorder what is shown. Newlines and tabs stay."""
    if text.isprintable():
        return text
    out = []
    for ch in text:
        if ch in "\n\t" or unicodedata.category(ch) not in _UNSHOWN:
            out.append(ch)
        else:
            out.append(ascii(ch)[1:-1])
    return "".join(out)


def _json_escape(ch: str) -> str:
    code = ord(ch)
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def json_line(value: Any) -> str:
    """``value`` as one line of JSON, non-ASCII text kept as it is but control and format
    characters escaped (``\\u001b``, ``\\u202e``): the same data, safe on a terminal."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    if text.isprintable():
        return text
    return "".join(_json_escape(ch) if unicodedata.category(ch) in _UNSHOWN else ch for ch in text)


class SafeHelpCommand(click.Command):
    """A command whose help (model names, descriptions, enum values) is shown through
    :func:`terminal_text`."""

    def get_help(self, ctx: click.Context) -> str:
        return terminal_text(super().get_help(ctx))
