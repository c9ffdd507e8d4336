"""The cache's file format: JSON, read back into a fixed set of the generator's own classes.

Unlike a pickle, reading it cannot run code: a JSON object ``{"$c": name, "f": [values]}``
becomes an instance of one of the dataclasses the codec was given, built from its field values;
every other value is plain JSON, turned into the tuples, enums and classes the fields' type hints
name. An unknown class, a wrong number of fields or a value that does not fit its type makes the
whole file unreadable, which the cache treats as empty. The file is also signed (see
:mod:`runcomfy_codegen.cache`), so a cache the generator did not write is never decoded at all.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import types
import typing
from collections.abc import Callable, Iterable
from typing import Any

Convert = Callable[[Any], Any]


class CacheFormatError(ValueError):
    """The data is not a cache this codec wrote."""


class Codec:
    """Encode and decode values built of JSON values and instances of ``classes`` (frozen
    dataclasses, told apart by class name; their fields' types say where tuples and enums are)."""

    def __init__(self, classes: Iterable[type]) -> None:
        self._classes: dict[str, type] = {}
        self._fields: dict[str, tuple[str, ...]] = {}
        self._converters: dict[str, tuple[Convert | None, ...]] = {}
        for cls in classes:
            if not dataclasses.is_dataclass(cls):
                raise TypeError(f"{cls.__name__} is not a dataclass")
            self._classes[cls.__name__] = cls
        for name, cls in self._classes.items():
            hints = typing.get_type_hints(cls)
            fields = tuple(f.name for f in dataclasses.fields(cls) if f.init)
            self._fields[name] = fields
            self._converters[name] = tuple(self._converter(hints[f]) for f in fields)

    def dumps(self, value: Any) -> bytes:
        """Compact JSON; NaN or infinity raises ValueError (the caller then saves nothing)."""
        text = json.dumps(
            value, default=self._default, allow_nan=False, ensure_ascii=False, separators=(",", ":")
        )
        return text.encode("utf-8", "surrogatepass")

    def loads(self, data: bytes, expected: type) -> Any:
        """The value in ``data``, which must be an instance of ``expected``."""
        try:
            value = json.loads(data.decode("utf-8", "surrogatepass"), object_hook=self._hook)
        except (ValueError, TypeError, KeyError, RecursionError) as exc:
            raise CacheFormatError(f"not a cache of this generator: {exc}") from exc
        if not isinstance(value, expected):
            raise CacheFormatError(f"not a {expected.__name__}")
        return value

    def _default(self, value: Any) -> Any:
        name = type(value).__name__
        if self._classes.get(name) is not type(value):
            raise TypeError(f"{name} cannot be stored in the cache")
        return {"$c": name, "f": [getattr(value, f) for f in self._fields[name]]}

    def _hook(self, obj: dict[str, Any]) -> Any:
        if "$c" not in obj:
            return obj
        name, values = obj["$c"], obj.get("f")
        cls = self._classes.get(name) if isinstance(name, str) else None
        if cls is None or len(obj) != 2 or not isinstance(values, list):
            raise CacheFormatError(f"unknown class {name!r}")
        converters = self._converters[name]
        if len(values) != len(converters):
            raise CacheFormatError(f"{name}: {len(values)} values for {len(converters)} fields")
        return cls(*[v if c is None else c(v) for c, v in zip(converters, values, strict=True)])

    def _converter(self, hint: Any) -> Convert | None:
        """How to turn the JSON of a ``hint``-typed value back into it (None: as it is)."""
        origin, args = typing.get_origin(hint), typing.get_args(hint)
        if isinstance(hint, type) and issubclass(hint, enum.Enum):
            return hint
        if isinstance(hint, type) and dataclasses.is_dataclass(hint):
            return _instance_of(hint)
        if origin in (typing.Union, types.UnionType):
            inner = [self._converter(a) for a in args if a is not type(None)]
            if all(c is None for c in inner):
                return None
            if len(inner) != 1:
                raise TypeError(f"cannot store a union of classes: {hint}")
            convert = inner[0]
            assert convert is not None
            return lambda v: None if v is None else convert(v)
        if origin is tuple:
            if len(args) == 2 and args[1] is Ellipsis:
                item = self._converter(args[0])
                return (lambda v: tuple(v)) if item is None else (lambda v: tuple(map(item, v)))
            each = [self._converter(a) for a in args]
            return lambda v: tuple(x if c is None else c(x) for c, x in zip(each, v, strict=True))
        if origin in (list, dict):
            value = self._converter(args[-1]) if args else None
            if value is None:
                return None
            if origin is list:
                return lambda v: [value(x) for x in v]
            return lambda v: {k: value(x) for k, x in v.items()}
        return None  # str, int, float, bool, None, Literal, Any: plain JSON


def _instance_of(cls: type) -> Convert:
    def check(value: Any) -> Any:
        if not isinstance(value, cls):
            raise CacheFormatError(f"expected a {cls.__name__}")
        return value

    return check
