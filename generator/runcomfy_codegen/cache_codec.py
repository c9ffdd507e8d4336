"""The cache's file format: JSON, read back into a fixed set of the generator's own classes.

Unlike a pickle, reading it cannot run code: every JSON object names one of the classes the
codec was given (frozen dataclasses and enums, built from their fields as keyword arguments) or
is a tagged tuple or mapping; anything else makes the whole file unreadable, which the cache
treats as empty. The file is also signed (see :mod:`runcomfy_codegen.cache`), so a cache the
generator did not write is never decoded at all.
"""

from __future__ import annotations

import dataclasses
import enum
import json
from collections.abc import Iterable
from typing import Any


class CacheFormatError(ValueError):
    """The data is not a cache this codec wrote."""


class Codec:
    """Encode and decode values made of JSON scalars, lists, tuples, string-keyed dicts and
    instances of ``classes`` (dataclasses or enums, told apart by class name)."""

    def __init__(self, classes: Iterable[type]) -> None:
        self._classes = {cls.__name__: cls for cls in classes}

    def dumps(self, value: Any) -> bytes:
        """Compact JSON; NaN or infinity raises ValueError (the caller then saves nothing)."""
        return json.dumps(
            self._encode(value), allow_nan=False, ensure_ascii=False, separators=(",", ":")
        ).encode("utf-8", "surrogatepass")

    def loads(self, data: bytes) -> Any:
        try:
            raw = json.loads(data.decode("utf-8", "surrogatepass"))
        except (ValueError, RecursionError) as exc:
            raise CacheFormatError(f"not JSON: {exc}") from exc
        return self._decode(raw)

    def _encode(self, value: Any) -> Any:
        if isinstance(value, enum.Enum):
            return {"$e": self._name(type(value)), "v": value.value}
        if value is None or isinstance(value, bool | int | float | str):
            return value
        if isinstance(value, tuple):
            return {"$t": [self._encode(v) for v in value]}
        if isinstance(value, list):
            return [self._encode(v) for v in value]
        if isinstance(value, dict):
            if not all(isinstance(k, str) for k in value):
                raise TypeError("cache mappings must have string keys")
            return {"$d": {k: self._encode(v) for k, v in value.items()}}
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            fields = {
                f.name: self._encode(getattr(value, f.name)) for f in dataclasses.fields(value)
            }
            return {"$c": self._name(type(value)), "f": fields}
        raise TypeError(f"{type(value).__name__} cannot be stored in the cache")

    def _name(self, cls: type) -> str:
        if self._classes.get(cls.__name__) is not cls:
            raise TypeError(f"{cls.__name__} is not a class the cache stores")
        return cls.__name__

    def _class(self, name: Any) -> type:
        cls = self._classes.get(name) if isinstance(name, str) else None
        if cls is None:
            raise CacheFormatError(f"unknown class {name!r}")
        return cls

    def _decode(self, raw: Any) -> Any:
        if isinstance(raw, list):
            return [self._decode(v) for v in raw]
        if not isinstance(raw, dict):
            return raw
        if raw.keys() == {"$t"} and isinstance(raw["$t"], list):
            return tuple(self._decode(v) for v in raw["$t"])
        if raw.keys() == {"$d"} and isinstance(raw["$d"], dict):
            return {k: self._decode(v) for k, v in raw["$d"].items()}
        if raw.keys() == {"$e", "v"}:
            cls = self._class(raw["$e"])
            if not issubclass(cls, enum.Enum):
                raise CacheFormatError(f"{cls.__name__} is not an enum")
            try:
                return cls(raw["v"])
            except ValueError as exc:
                raise CacheFormatError(str(exc)) from exc
        if raw.keys() == {"$c", "f"} and isinstance(raw["f"], dict):
            cls = self._class(raw["$c"])
            if not dataclasses.is_dataclass(cls):
                raise CacheFormatError(f"{cls.__name__} is not a dataclass")
            names = {f.name for f in dataclasses.fields(cls) if f.init}
            if set(raw["f"]) != names:
                raise CacheFormatError(f"{cls.__name__}: fields {sorted(raw['f'])} do not match")
            return cls(**{k: self._decode(v) for k, v in raw["f"].items()})
        raise CacheFormatError("an object of no known shape")
