"""The sync client, derived from the async one, so that each behaviour is written once.

``templates/runtime/async_client.py`` holds ``AsyncRunComfy`` and ``AsyncJob``. The
generated package's ``client.py`` (``RunComfy`` and ``Job``) is that text with
``async``/``await`` removed and the async names replaced, as httpcore derives its
sync code from its async code. The source is written so that the derived text is
already formatted (magic trailing commas where a call would fit on one line once
``await`` is gone); CI's ``ruff format --check`` on ``generated/`` proves it.
"""

from __future__ import annotations

import re

__all__ = ["DERIVED", "UnasyncError", "unasync"]

DERIVED: dict[str, str] = {"async_client.py": "client.py"}
"""Runtime file -> the sync file derived from it."""

_SYNC_DOCSTRING = '''"""``RunComfy`` and ``Job``: the synchronous client of the RunComfy Model API.

Derived by the generator from ``async_client.py``, the one source of both
clients: edit that file, not this one.
"""'''

# Applied in order; each is a regular expression and its replacement.
_RULES: tuple[tuple[str, str], ...] = (
    (r"# The public API names per-call limits `timeout`, like the sync twin\.\n", ""),
    (r"# ruff: noqa: ASYNC109\n\n", ""),
    (
        r"Asynchronous client with one connection pool; use ``async with`` or "
        r"``await aclose\(\)``\.",
        "Synchronous client with one connection pool; use ``with`` or ``close()``.",
    ),
    (r"^import asyncio$", "import time"),
    (r"\basyncio\.sleep\(", "time.sleep("),
    (r"\b__aenter__\b", "__enter__"),
    (r"\b__aexit__\b", "__exit__"),
    (r"\basync def ", "def "),
    (r"\bawait ", ""),
    (r"\bAsyncRunComfy\b", "RunComfy"),
    (r"\bAsyncJob\b", "Job"),
    (r"\bsend_async\b", "send_sync"),
    (r"\bhttpx\.AsyncClient\b", "httpx.Client"),
    (r"\baclose\b", "close"),
    (r'\A""".*?"""', _SYNC_DOCSTRING.replace("\\", "\\\\")),
)
_LEFTOVER = re.compile(r"\b(async|await|asyncio|Async\w*|aclose)\b")


class UnasyncError(ValueError):
    """The async source uses a construct the rules do not turn into sync code."""


def unasync(source: str) -> str:
    """The sync twin of ``source``; raises UnasyncError if anything async is left."""
    text = source
    for pattern, replacement in _RULES:
        text = re.sub(pattern, replacement, text, flags=re.MULTILINE | re.DOTALL)
    leftover = _LEFTOVER.search(text)
    if leftover is not None:
        line = text.count("\n", 0, leftover.start()) + 1
        raise UnasyncError(
            f"line {line} of the derived sync code still says {leftover.group()!r}: "
            "add a rule to unasync.py or write the async source differently"
        )
    return text
