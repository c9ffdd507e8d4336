"""The one escaping path from schema text to generated source.

Templates may only emit :class:`Source` values; the rendering environment refuses plain strings
(see ``render.py``), so a title, description, default, enum value or property name can only reach
a generated file through one of the functions here.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from typing import Any


class Source(str):
    """Text that is safe to emit verbatim into a generated Python file."""

    __slots__ = ()


class Markdown(str):
    """Text that is safe to emit verbatim into a generated Markdown file."""

    __slots__ = ()


def py_literal(value: Any) -> Source:
    """A Python expression that evaluates to the JSON value ``value``."""
    if value is None or isinstance(value, bool | int):
        return Source(repr(value))
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("NaN and infinities have no JSON form")
        return Source(repr(value))
    if isinstance(value, str):
        return Source(repr(value))
    if isinstance(value, list | tuple):
        inner = ", ".join(py_literal(v) for v in value)
        return Source(f"[{inner}]")
    if isinstance(value, dict):
        inner = ", ".join(f"{py_literal(str(k))}: {py_literal(v)}" for k, v in value.items())
        return Source(f"{{{inner}}}")
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def py_tuple(values: Sequence[str]) -> Source:
    """A tuple literal of strings (``("a",)`` for one), each escaped like :func:`py_literal`."""
    items = ", ".join(py_literal(v) for v in values)
    return Source(f"({items},)" if len(values) == 1 else f"({items})")


def identifier(name: str) -> Source:
    if not name.isidentifier():
        raise ValueError(f"{name!r} is not an identifier")
    return Source(name)


def _escape_char(ch: str) -> str:
    code = ord(ch)
    if ch == "\n":
        return ch
    if ch == "\\":
        return "\\\\"
    category = unicodedata.category(ch)
    if category in ("Cc", "Cs", "Cf", "Zl", "Zp", "Co", "Cn"):
        if code <= 0xFF:
            return f"\\x{code:02x}"
        if code <= 0xFFFF:
            return f"\\u{code:04x}"
        return f"\\U{code:08x}"
    return ch


# Printable ASCII other than the quote and the backslash, and the newline, never need escaping,
# so only the other characters go through ``_escape_char`` (ordinary prose is copied as is).
_DOC_UNSAFE = re.compile(r'(?P<quote>"(?="|\Z))|[^ !#-\[\]-~\n]')


def _escape_doc_match(m: re.Match[str]) -> str:
    return '\\"' if m.group("quote") else _escape_char(m.group())


def docstring(text: str, indent: str = "") -> Source:
    """A triple-quoted literal whose value is ``text``, readable when ``text`` is ordinary prose.

    Backslashes are escaped, and so is every double quote that is followed by another or ends the
    text, so no run of three quotes can end the literal early; control,
    format and surrogate characters become escapes. Continuation lines are indented by ``indent``.
    """
    stripped = text.strip()
    body = _DOC_UNSAFE.sub(_escape_doc_match, stripped)
    lines = [line.rstrip() for line in body.split("\n")]
    if len(lines) == 1:
        return Source(f'"""{lines[0]}"""')
    rest = "\n".join(indent + line if line else "" for line in lines[1:])
    return Source(f'"""{lines[0]}\n{rest}\n{indent}"""')


def docstring_text(text: str) -> Source:
    """``text`` escaped to sit inside a triple-quoted literal between other words (a model id in
    a generated docstring): backslashes, quote runs and control characters are escaped."""
    return Source(_DOC_UNSAFE.sub(_escape_doc_match, text))


_NOT_PRINTABLE_ASCII = re.compile(r"[^ -~]")


def _escape_comment_match(m: re.Match[str]) -> str:
    ch = m.group()
    return "\\n" if ch == "\n" else _escape_char(ch)


def comment(text: str) -> Source:
    """A single ``#`` comment line; line breaks and control characters are escaped."""
    escaped = _NOT_PRINTABLE_ASCII.sub(_escape_comment_match, text)
    return Source("# " + escaped)


# Markdown needs only a few escapes in running text: characters that start emphasis, code,
# links, tables or strike-through anywhere, ``_`` at the edge of a word, ``<`` that could open a
# tag (or ``>`` that could end a comment), ``&`` that could spell an entity, and a few characters
# that start a block at the start.
_MD_UNSAFE = re.compile(
    r"[\\`*\[\]|~]"
    r"|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])"
    r"|<(?=[A-Za-z/!?])|(?<=--)>"
    r"|&(?=#?[A-Za-z0-9]+;)"
    r"|^[#>+=-]"
    r"|[^ -~]"
)


_ORDERED_LIST_START = re.compile(r"^(\d{1,9})([.)])")
"""``1. `` or ``12) `` at the start would make an ordered list (in a list item)."""


def _escape_md_match(m: re.Match[str]) -> str:
    ch = m.group()
    if ch == "&":
        return "&amp;"
    if ch.isascii() and not ch.isalnum() and ch.isprintable():
        return "\\" + ch
    if unicodedata.category(ch) in ("Cc", "Cf", "Cs"):
        return f"U+{ord(ch):04X}"
    return ch


def md_text(text: str) -> Markdown:
    """Inline Markdown text that renders as ``text``: only what Markdown would read as markup is
    escaped, so it reads as plain text too; line breaks become spaces. Safe in a table cell."""
    flat = " ".join(text.split())
    escaped = _MD_UNSAFE.sub(_escape_md_match, flat)
    return Markdown(_ORDERED_LIST_START.sub(r"\1\\\2", escaped, count=1))


_BACKTICKS = re.compile("`+")


def _code_point_if_control(m: re.Match[str]) -> str:
    ch = m.group()
    # Line and paragraph separators too: they end a line for Python, so a table row read as text
    # would break (Markdown itself only breaks lines at CR and LF). Format characters too: a bidi
    # override (U+202E) would show the code in another order than it is.
    category = unicodedata.category(ch)
    return f"U+{ord(ch):04X}" if category in ("Cc", "Cf", "Cs", "Zl", "Zp") else ch


def md_code(text: str, *, table: bool = False) -> Markdown:
    """An inline code span that cannot be broken out of (fence longer than any backtick run).

    ``table=True`` escapes ``|``, which ends a table cell even inside a code span.
    """
    flat = " ".join(text.split()) if "\n" in text else text
    if table:
        flat = flat.replace("|", "\\|")
    flat = _NOT_PRINTABLE_ASCII.sub(_code_point_if_control, flat)
    longest = max((len(run) for run in _BACKTICKS.findall(flat)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") or not flat.strip() else ""
    return Markdown(f"{fence}{pad}{flat}{pad}{fence}")
