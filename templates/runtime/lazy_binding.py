"""``LazyBinding``: a model module's binding, built the first time it is used.

A generated model module must import fast: it is what ``import`` of one model and the
command line pay for. So it holds only this stand-in, which knows the model's id, the
module of its pydantic classes (under ``runcomfy_models._types``) and its media fields.
The classes, pydantic and the HTTP clients are imported on the first call, or when
``Input``/``Output`` is first looked up on the model module.

This module imports nothing heavy: keep it that way.
"""

# The public API names per-call limits `timeout`, like the sync twin.
# ruff: noqa: ASYNC109

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TypeVar

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping

    from pydantic import BaseModel

    from .async_client import AsyncRunComfy
    from .binding import ModelBinding
    from .client import RunComfy
    from .files import MediaKind
    from .jobs import AsyncJob, Job, StatusCallback

__all__ = ["InputT", "LazyBinding", "MediaField", "OutputT"]

InputT = TypeVar("InputT", bound="BaseModel")
OutputT = TypeVar("OutputT", bound="BaseModel")


class MediaField(NamedTuple):
    """One media input field: its kind, and whether it holds a list (``*_uris`` fields)."""

    kind: MediaKind
    many: bool = False


class LazyBinding(Generic[InputT, OutputT]):
    """Stands in for a model's :class:`~.binding.ModelBinding` until it is first needed."""

    __slots__ = ("_binding", "_media", "_nullable", "model_id", "types_module")

    def __init__(
        self,
        model_id: str,
        types_module: str,
        media: Mapping[str, MediaField],
        nullable: Collection[str] = (),
    ) -> None:
        self.model_id = model_id
        self.types_module = types_module
        self._media = dict(media)
        self._nullable = tuple(nullable)
        self._binding: ModelBinding[InputT, OutputT] | None = None

    def __repr__(self) -> str:
        return f"LazyBinding({self.model_id!r})"

    def resolve(self) -> ModelBinding[InputT, OutputT]:
        """The real binding; imports the model's pydantic classes the first time."""
        binding = self._binding
        if binding is None:
            from .binding import ModelBinding

            types = importlib.import_module(self.types_module)
            binding = ModelBinding(
                self.model_id,
                types.Input,
                types.Output,
                media=self._media,
                nullable=self._nullable,
            )
            self._binding = binding
        return binding

    @property
    def module(self) -> str:
        """The model module this binding belongs to (its types live under ``_types``)."""
        return self.types_module.replace("._types.", ".", 1)

    def module_getattr(self, name: str) -> Any:
        """The model module's ``__getattr__``: ``Input``, ``Output`` and the pydantic classes."""
        if not name.startswith("_"):
            types = importlib.import_module(self.types_module)
            value = vars(types).get(name)
            if name in ("Input", "Output") or (
                isinstance(value, type) and value.__module__ == self.types_module
            ):
                return value
        raise AttributeError(f"module {self.module!r} has no attribute {name!r}")

    def module_dir(self) -> list[str]:
        """The model module's ``__dir__``: its own names, and ``Input`` and ``Output``."""
        return sorted({*vars(sys.modules[self.module]), "Input", "Output"})

    # -- what a generated model module calls ---------------------------------------

    def submit(
        self,
        params: Mapping[str, Any],
        *,
        client: RunComfy | None = None,
        timeout: float | None = None,
    ) -> Job[OutputT]:
        return self.resolve().submit(params, client=client, timeout=timeout)

    def run(
        self,
        params: Mapping[str, Any],
        *,
        client: RunComfy | None = None,
        timeout: float | None = None,
        on_update: StatusCallback | None = None,
        cancel_on_timeout: bool = False,
    ) -> OutputT:
        return self.resolve().run(
            params,
            client=client,
            timeout=timeout,
            on_update=on_update,
            cancel_on_timeout=cancel_on_timeout,
        )

    def job(self, request_id: str, *, client: RunComfy | None = None) -> Job[OutputT]:
        return self.resolve().job(request_id, client=client)

    async def submit_async(
        self,
        params: Mapping[str, Any],
        *,
        client: AsyncRunComfy | None = None,
        timeout: float | None = None,
    ) -> AsyncJob[OutputT]:
        return await self.resolve().submit_async(params, client=client, timeout=timeout)

    async def run_async(
        self,
        params: Mapping[str, Any],
        *,
        client: AsyncRunComfy | None = None,
        timeout: float | None = None,
        on_update: StatusCallback | None = None,
        cancel_on_timeout: bool = False,
    ) -> OutputT:
        return await self.resolve().run_async(
            params,
            client=client,
            timeout=timeout,
            on_update=on_update,
            cancel_on_timeout=cancel_on_timeout,
        )

    def job_async(
        self, request_id: str, *, client: AsyncRunComfy | None = None
    ) -> AsyncJob[OutputT]:
        return self.resolve().job_async(request_id, client=client)
