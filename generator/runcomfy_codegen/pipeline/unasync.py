"""Sync code derived from async code, so that each behaviour is written once.

``templates/runtime/async_client.py`` holds ``AsyncRunComfy`` and ``AsyncJob``; its sync twin
``client.py`` (``RunComfy`` and ``Job``) is that text with ``async``/``await`` removed and the
async names replaced, as httpcore derives its sync code from its async code. The catalog calls
(``async_catalog_api.py`` -> ``catalog_api.py``) and the download loops (``async_fetch.py`` ->
``fetch.py``) are derived the same way. The twins are
committed beside their sources, so the runtime folder can be read, linted and type-checked where
it is written; ``runcomfy-codegen derive`` rewrites them and ``generate`` refuses a twin that has
drifted.

The sources are written so that the derived text is already formatted (magic trailing commas
where a call would fit on one line once ``await`` is gone); ``ruff format --check`` proves it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DERIVED", "Twin", "UnasyncError", "derive_twins", "stale_twins", "unasync"]


@dataclass(frozen=True)
class Twin:
    """A sync file derived from an async source file in the same folder."""

    target: str
    docstring: str


DERIVED: dict[str, Twin] = {
    "async_client.py": Twin(
        "client.py",
        '''"""``RunComfy`` and ``Job``: the synchronous client of the RunComfy Model API.

Derived by the generator from ``async_client.py``, the one source of both
clients: edit that file, not this one.
"""''',
    ),
    "async_catalog_api.py": Twin(
        "catalog_api.py",
        '''"""``CatalogApi``: the synchronous client's catalog, price and balance calls.

Derived by the generator from ``async_catalog_api.py``: edit that file, not this one.
"""''',
    ),
    "async_fetch.py": Twin(
        "fetch.py",
        '''"""Downloads and in-memory fetches of output files, sync: one attempt and the retry loop.

Derived by the generator from ``async_fetch.py``, the one source of both transfer loops: edit
that file, not this one.
"""''',
    ),
}
"""Runtime source file -> the sync twin derived from it (in the same folder)."""

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
    (r"\bfrom \.async_(client|catalog_api|fetch) import\b", r"from .\1 import"),
    (r"\basyncio\.sleep\(", "time.sleep("),
    (r"\b__aenter__\b", "__enter__"),
    (r"\b__aexit__\b", "__exit__"),
    (r"\basync def ", "def "),
    (r"\basync for ", "for "),
    (r"\bawait ", ""),
    (r"\bAsyncRunComfy\b", "RunComfy"),
    (r"\bAsyncJob\b", "Job"),
    (r"\bAsyncCatalogApi\b", "CatalogApi"),
    (r"\b(\w+)_async\b", r"\1_sync"),
    (r"\bhttpx\.AsyncClient\b", "httpx.Client"),
    (r"\baiter_bytes\b", "iter_bytes"),
    (r"\baclose\b", "close"),
)
_DOCSTRING = re.compile(r'\A""".*?"""', re.DOTALL)
_LEFTOVER = re.compile(r"\b(async|await|asyncio|Async\w*|aclose|aiter_\w+)\b")


class UnasyncError(ValueError):
    """The async source uses a construct the rules do not turn into sync code."""


def unasync(source: str, docstring: str = "") -> str:
    """The sync twin of ``source``, its module docstring replaced by ``docstring`` if given.

    Raises UnasyncError if anything async is left.
    """
    text = _DOCSTRING.sub(lambda _: docstring, source, count=1) if docstring else source
    for pattern, replacement in _RULES:
        text = re.sub(pattern, replacement, text, flags=re.MULTILINE)
    leftover = _LEFTOVER.search(text)
    if leftover is not None:
        line = text.count("\n", 0, leftover.start()) + 1
        raise UnasyncError(
            f"line {line} of the derived sync code still says {leftover.group()!r}: "
            "add a rule to unasync.py or write the async source differently"
        )
    return text


def _derived(folder: Path) -> dict[Path, str]:
    """Twin path -> the text its source derives, for every source in ``folder``: imports sorted
    and formatted by the pinned ruff with the generated package's own configuration (renaming
    ``async_catalog_api`` to ``catalog_api`` moves an import)."""
    from runcomfy_codegen.pipeline.formatting import format_python
    from runcomfy_codegen.pipeline.render import Templates
    from runcomfy_codegen.pipeline.render_package import render_pyproject

    texts = {
        twin.target: unasync((folder / source).read_text(encoding="utf-8"), twin.docstring)
        for source, twin in sorted(DERIVED.items())
    }
    pyproject = render_pyproject(Templates(), "")
    tidy = format_python({name: text.encode() for name, text in texts.items()}, pyproject)
    return {folder / name: tidy[name].decode() for name in texts}


def _differs(path: Path, text: str) -> bool:
    return not path.is_file() or path.read_text(encoding="utf-8") != text


def stale_twins(folder: Path) -> list[Path]:
    """The twins in ``folder`` that are missing or differ from what their sources derive."""
    return [path for path, text in _derived(folder).items() if _differs(path, text)]


def derive_twins(folder: Path) -> list[Path]:
    """Rewrite the stale twins in ``folder``; returns the files written."""
    written = []
    for path, text in _derived(folder).items():
        if _differs(path, text):
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written
