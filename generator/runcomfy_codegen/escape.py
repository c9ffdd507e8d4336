"""The one escaping path from schema text to generated source.

Templates may only emit :class:`Source` values; the rendering environment refuses plain strings
(see ``render.py``), so a title, description, default, enum value or property name can only reach
a generated file through one of the functions here.
"""

from __future__ import annotations

import math
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


def docstring(text: str, indent: str = "") -> Source:
    """A triple-quoted literal whose value is ``text``, readable when ``text`` is ordinary prose.

    Backslashes are escaped, and so is every double quote that is followed by another or ends the
    text, so no run of three quotes can end the literal early; control,
    format and surrogate characters become escapes. Continuation lines are indented by ``indent``.
    """
    stripped = text.strip()
    body = "".join(
        ('\\"' if i + 1 == len(stripped) or stripped[i + 1] == '"' else '"')
        if ch == '"'
        else _escape_char(ch)
        for i, ch in enumerate(stripped)
    )
    lines = [line.rstrip() for line in body.split("\n")]
    if len(lines) == 1:
        return Source(f'"""{lines[0]}"""')
    rest = "\n".join(indent + line if line else "" for line in lines[1:])
    return Source(f'"""{lines[0]}\n{rest}\n{indent}"""')


def comment(text: str) -> Source:
    """A single ``#`` comment line; line breaks and control characters are escaped."""
    escaped = "".join(
        "\\n" if ch == "\n" else _escape_char(ch) if ch not in ('"', "\\") else ch for ch in text
    )
    return Source("# " + escaped)


_MD_SPECIAL = set("\\`*_{}[]()<>#+-.!|~")


def md_text(text: str) -> Markdown:
    """Inline Markdown text: special characters backslash-escaped, line breaks to spaces."""
    flat = " ".join(text.split())
    out = []
    for ch in flat:
        if ch in _MD_SPECIAL:
            out.append("\\" + ch)
        elif ch == "&":
            out.append("&amp;")
        elif unicodedata.category(ch) in ("Cc", "Cf", "Cs"):
            out.append(f"U+{ord(ch):04X}")
        else:
            out.append(ch)
    return Markdown("".join(out))


def md_code(text: str) -> Markdown:
    """An inline code span that cannot be broken out of (fence longer than any backtick run)."""
    flat = " ".join(text.split()) if "\n" in text else text
    flat = "".join(
        f"U+{ord(c):04X}" if unicodedata.category(c) in ("Cc", "Cs") else c for c in flat
    )
    longest = 0
    run = 0
    for ch in flat:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") or not flat.strip() else ""
    return Markdown(f"{fence}{pad}{flat}{pad}{fence}")
