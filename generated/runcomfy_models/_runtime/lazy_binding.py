"""``LazyBinding``: a model module's binding, built the first time it is used.

A generated model module must import fast: it is what ``import`` of one model and the
command line pay for. So it holds only this stand-in, which knows the model's id, the
module of its pydantic classes (under ``runcomfy_models._types``) and its media fields.
The classes, pydantic and the HTTP clients are imported on the first call, or when
``Input``/``Output`` is first looked up on the model module.

This module imports nothing heavy: keep it that way.
"""

from __future__ import annotations

import importlib
import sys
import threading
from collections.abc import Collection, Mapping, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any, Final, Generic

from .model_types import InputT, MediaField, MediaKind, OutputT

if TYPE_CHECKING:
    from .binding import ModelBinding

__all__ = ["InputT", "LazyBinding", "MediaField", "MediaKind", "OutputT"]

# The runtime names a model module's signatures mention; it imports them for type checkers
# only, and gets them once its binding is first used (so ``typing.get_type_hints`` works then).
_SIGNATURE_NAMES: Final = (
    "AsyncJob",
    "AsyncRunComfy",
    "Job",
    "JobStatus",
    "MediaInput",
    "RunComfy",
)

# Re-entrant: loading one model's classes may, through imports, load another's.
_LOCK = threading.RLock()


class LazyBinding(Generic[InputT, OutputT]):
    """Stands in for a model's :class:`~.binding.ModelBinding` until it is first needed.

    ``types_module`` is ``runcomfy_models._types.<path>``; the model module it serves is
    ``runcomfy_models.<path>``. On first use the model module also receives the names its
    annotations use (its classes and the runtime's), so that ``typing.get_type_hints`` and
    ``inspect.signature(..., eval_str=True)`` work on its functions from then on.
    """

    __slots__ = (
        "_binding",
        "_media",
        "_nullable",
        "_timing_inputs",
        "_types",
        "model_id",
        "module",
        "types_module",
    )

    def __init__(
        self,
        model_id: str,
        types_module: str,
        media: Mapping[str, MediaField],
        nullable: Collection[str] = (),
        timing_inputs: Sequence[str] = (),
    ) -> None:
        self.model_id = model_id
        self.types_module = types_module
        self.module = types_module.replace("._types.", ".", 1)
        self._media = dict(media)
        self._nullable = tuple(nullable)
        self._timing_inputs = tuple(timing_inputs)
        self._types: ModuleType | None = None
        self._binding: ModelBinding[InputT, OutputT] | None = None

    def __repr__(self) -> str:
        return f"LazyBinding({self.model_id!r})"

    def _load(self) -> ModuleType:
        """The types module, imported once; the model module gets its annotations' names."""
        types = self._types
        if types is not None:
            return types
        with _LOCK:
            if self._types is None:
                loaded = importlib.import_module(self.types_module)
                runtime = importlib.import_module(__name__.rsplit(".", 1)[0])
                model = sys.modules.get(self.module)
                if model is not None:
                    names = vars(model)
                    for name in _SIGNATURE_NAMES:
                        names.setdefault(name, getattr(runtime, name))
                    for name in loaded.__all__:
                        names.setdefault(name, getattr(loaded, name))
                self._types = loaded
            return self._types

    def resolve(self) -> ModelBinding[InputT, OutputT]:
        """The real binding; imports the model's pydantic classes the first time."""
        binding = self._binding
        if binding is None:
            from .binding import ModelBinding

            types = self._load()
            with _LOCK:
                if self._binding is None:
                    self._binding = ModelBinding(
                        self.model_id,
                        types.Input,
                        types.Output,
                        media=self._media,
                        nullable=self._nullable,
                        timing_inputs=self._timing_inputs,
                    )
                binding = self._binding
        return binding

    def module_getattr(self, name: str) -> Any:
        """The model module's ``__getattr__``: ``Input``, ``Output`` and the pydantic classes.

        Only capitalised names can be classes (module names are lower case), so a lookup of a
        submodule, as ``from package import child`` makes, never loads pydantic.
        """
        if name[:1].isupper():
            types = self._load()
            if name in types.__all__:
                return getattr(types, name)
        raise AttributeError(f"module {self.module!r} has no attribute {name!r}")

    def module_dir(self) -> list[str]:
        """The model module's ``__dir__``: its own names, and ``Input`` and ``Output``."""
        model = sys.modules.get(self.module)
        return sorted({*(vars(model) if model is not None else ()), "Input", "Output"})
