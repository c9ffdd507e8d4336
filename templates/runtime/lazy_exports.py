"""``LazyExports``: a package's ``__getattr__`` and ``__dir__`` for names defined elsewhere.

``runcomfy_models`` and its runtime re-export many names (``RunComfy``, the errors, ...).
Importing them eagerly would make every ``import`` of a model pay for httpx, pydantic
and asyncio; with this, each name is imported from its module when first looked up,
then kept in the package like an ordinary attribute.

This module imports nothing heavy: keep it that way.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Mapping
from typing import Any

__all__ = ["LazyExports"]


class LazyExports:
    """Name -> the module that defines it, served as the attributes of ``package``."""

    __slots__ = ("_package", "_sources")

    def __init__(self, package: str, sources: Mapping[str, str]) -> None:
        self._package = package
        self._sources = dict(sources)

    def getattr(self, name: str) -> Any:
        """For ``__getattr__ = exports.getattr`` in the package."""
        source = self._sources.get(name)
        if source is None:
            raise AttributeError(f"module {self._package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(source), name)
        vars(sys.modules[self._package])[name] = value
        return value

    def dir(self) -> list[str]:
        """For ``__dir__ = exports.dir`` in the package."""
        return sorted({*vars(sys.modules[self._package]), *self._sources})
