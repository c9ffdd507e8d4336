"""The one escaping path from schema text to generated source.

Templates may only emit :class:`Source` values; the rendering environment refuses plain strings
(see ``render.py``), so a title, description, default, enum value or property name can only reach
a generated file through one of the functions here.
"""

from __future__ import annotations

import math
import re
import unicodedata
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


_NOT_PRINTABLE_ASCII = re.compile(r"[^ -~]")


def _escape_comment_match(m: re.Match[str]) -> str:
    ch = m.group()
    return "\\n" if ch == "\n" else _escape_char(ch)


def comment(text: str) -> Source:
    """A single ``#`` comment line; line breaks and control characters are escaped."""
    escaped = _NOT_PRINTABLE_ASCII.sub(_escape_comment_match, text)
    return Source("# " + escaped)


_MD_SPECIAL = set("\\`*_{}[]()<>#+-.!|~")
_MD_UNSAFE = re.compile("[" + re.escape("".join(sorted(_MD_SPECIAL)) + "&") + "]|[^ -~]")


def _escape_md_match(m: re.Match[str]) -> str:
    ch = m.group()
    if ch in _MD_SPECIAL:
        return "\\" + ch
    if ch == "&":
        return "&amp;"
    if unicodedata.category(ch) in ("Cc", "Cf", "Cs"):
        return f"U+{ord(ch):04X}"
    return ch


def md_text(text: str) -> Markdown:
    """Inline Markdown text: special characters backslash-escaped, line breaks to spaces."""
    flat = " ".join(text.split())
    return Markdown(_MD_UNSAFE.sub(_escape_md_match, flat))


_BACKTICKS = re.compile("`+")


def _code_point_if_control(m: re.Match[str]) -> str:
    ch = m.group()
    return f"U+{ord(ch):04X}" if unicodedata.category(ch) in ("Cc", "Cs") else ch


def md_code(text: str) -> Markdown:
    """An inline code span that cannot be broken out of (fence longer than any backtick run)."""
    flat = " ".join(text.split()) if "\n" in text else text
    flat = _NOT_PRINTABLE_ASCII.sub(_code_point_if_control, flat)
    longest = max((len(run) for run in _BACKTICKS.findall(flat)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") or not flat.strip() else ""
    return Markdown(f"{fence}{pad}{flat}{pad}{fence}")
