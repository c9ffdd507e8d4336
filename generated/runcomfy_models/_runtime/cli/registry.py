"""The generated models, read from the package's registry without importing any model.

A model's command module (its options) and model module (its pydantic types)
are imported only when that one model is used, so startup and shell
completion stay fast however many models are generated.
"""

from __future__ import annotations

import difflib
import functools
import importlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any

import click
from click.shell_completion import CompletionItem

from ..lazy_binding import LazyBinding
from ..pricing import Price
from .style import terminal_text

if TYPE_CHECKING:
    from ..binding import ModelBinding

__all__ = [
    "ROOT_PACKAGE",
    "ModelCommands",
    "ModelInfo",
    "UnknownModelError",
    "all_models",
    "complete_model_id",
    "find_model",
    "load_commands",
    "model_info",
]

# The generated package this runtime was copied into (``<root>._runtime.cli``).
ROOT_PACKAGE = __name__.rsplit("._runtime", 1)[0]


@dataclass(frozen=True, slots=True)
class ModelInfo:
    model_id: str
    module: str
    command_module: str
    display_name: str
    price: Price = Price()
    """The price in RunComfy's catalog as generated (``usd`` None: unknown)."""
    categories: tuple[str, ...] = ()
    """The categories of the catalog entry, as the registry carries them."""
    output_kind: str = ""
    """What the model makes: ``image``, ``video``, ``audio``, or empty when unknown."""
    kind: str | None = None
    """The catalog entry's ``kind`` (what the model makes, unless the entry says otherwise)."""

    def in_category(self, category: str) -> bool:
        wanted = category.casefold()
        return any(item.casefold() == wanted for item in self.categories)


class UnknownModelError(click.UsageError):
    """A model id that is not generated in this package."""

    def __init__(self, model_id: str, ctx: click.Context | None = None) -> None:
        close = difflib.get_close_matches(model_id, list(all_models()), n=3, cutoff=0.5)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        super().__init__(
            f"Unknown model {model_id!r}.{hint} List the models with 'runcomfy-models models'.",
            ctx,
        )


@functools.cache
def _entries() -> Mapping[str, Any]:
    registry = importlib.import_module(f"{ROOT_PACKAGE}._registry")
    entries: Mapping[str, Any] = registry.MODELS
    return entries


@functools.cache
def all_models() -> Mapping[str, ModelInfo]:
    """Every generated model by id, sorted; read from ``<package>._registry`` only."""
    return {model_id: _info(model_id, entry) for model_id, entry in sorted(_entries().items())}


def model_info(model_id: str) -> ModelInfo | None:
    """One model's entry, without building the others' (``run MODEL`` needs only its own)."""
    entry = _entries().get(model_id)
    return None if entry is None else _info(model_id, entry)


def _info(model_id: str, entry: Any) -> ModelInfo:
    return ModelInfo(
        model_id=model_id,
        module=str(entry.module),
        command_module=str(entry.command_module),
        display_name=str(entry.display_name),
        price=_price_of(entry),
        categories=_categories_of(entry),
        output_kind=_kind_of(entry, "output_kind") or "",
        kind=_kind_of(entry, "kind"),
    )


def _price_of(entry: Any) -> Price:
    price = getattr(entry, "price", None)
    return price if isinstance(price, Price) else Price()


def _categories_of(entry: Any) -> tuple[str, ...]:
    categories = getattr(entry, "categories", ())
    if isinstance(categories, str) or not isinstance(categories, Sequence):
        return ()
    return tuple(str(item) for item in categories)


def _kind_of(entry: Any, name: str) -> str | None:
    kind = getattr(entry, name, None)
    return kind if isinstance(kind, str) and kind else None


def find_model(model_id: str, ctx: click.Context | None = None) -> ModelInfo:
    info = model_info(model_id)
    if info is None:
        raise UnknownModelError(model_id, ctx)
    return info


def complete_model_id(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """Shell completion of model ids, from the registry alone."""
    return model_completions(incomplete)


def model_completions(incomplete: str) -> list[CompletionItem]:
    return [
        CompletionItem(model_id, help=terminal_text(info.display_name))
        for model_id, info in all_models().items()
        if model_id.startswith(incomplete)
    ]


@dataclass(frozen=True)
class ModelCommands:
    """A model's generated command module: its options and option -> wire name map."""

    info: ModelInfo
    params: Sequence[click.Parameter]
    fields: Mapping[str, str]

    def binding(self) -> ModelBinding[Any, Any]:
        """The model's binding (imports the model module: pydantic types and all)."""
        return load_binding(self.info)


def _import(name: str) -> ModuleType:
    return importlib.import_module(name)


def load_commands(info: ModelInfo) -> ModelCommands:
    module = _import(info.command_module)
    params = module.params()
    fields = module.FIELDS
    if not isinstance(params, list) or not isinstance(fields, Mapping):
        raise click.ClickException(f"{info.command_module} is not a generated command module")
    return ModelCommands(info=info, params=params, fields=dict(fields))


def load_binding(info: ModelInfo) -> ModelBinding[Any, Any]:
    module = _import(info.module)
    binding = vars(module).get("_BINDING")
    if not isinstance(binding, LazyBinding):
        raise click.ClickException(f"{info.module} has no model binding")
    return binding.resolve()
