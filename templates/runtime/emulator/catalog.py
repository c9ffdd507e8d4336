"""The model catalog the emulator serves: loading, lookup, filtering and paging."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Final

from ..pricing import PRICE_UNITS, price_from_entry
from .kinds import entry_kind

CATALOG_PACKAGE: Final = "runcomfy_models"
CATALOG_RESOURCE: Final = "_catalog.json"

# The output schema RunComfy documents for every model that publishes none (with the audio
# keys its own clients read).
GENERIC_OUTPUT_SCHEMA: Final[dict[str, Any]] = {
    "type": "object",
    "properties": {
        "image": {"type": "string", "format": "uri"},
        "video": {"type": "string", "format": "uri"},
        "audio": {"type": "string", "format": "uri"},
        "images": {"type": "array", "items": {"type": "string", "format": "uri"}},
        "videos": {"type": "array", "items": {"type": "string", "format": "uri"}},
        "audios": {"type": "array", "items": {"type": "string", "format": "uri"}},
    },
}


# RunComfy's catalog prices every model; an entry without a price gets one of these, so
# that clients which need a price (RunComfy's own do) work against the emulator. As there,
# non-image models are priced per second.
STAND_IN_PRICES: Final[dict[str, tuple[float, str]]] = {
    "image": (0.04, "output"),
    "video": (0.1, "second"),
    "audio": (0.02, "second"),
}
# A per-second job that asks for no duration is billed as this many seconds.
DEFAULT_BILLED_SECONDS: Final = 5.0


class CatalogNotFoundError(FileNotFoundError):
    """No catalog file where one was expected."""


def load_catalog(path: str | Path | None = None) -> list[dict[str, Any]]:
    """The catalog entries, from `path` or from the generated package's `_catalog.json`.

    Both `{"models": [...]}` and a bare list of entries are accepted.
    """
    if path is not None:
        source = Path(path)
        try:
            text = source.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise CatalogNotFoundError(f"catalog file not found: {source}") from None
        return _entries_from_text(text, str(source))
    try:
        resource = resources.files(CATALOG_PACKAGE) / CATALOG_RESOURCE
        text = resource.read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        raise CatalogNotFoundError(
            f"{CATALOG_PACKAGE}/{CATALOG_RESOURCE} not found: generate the package first "
            "(`runcomfy-codegen generate`) or pass a catalog explicitly"
        ) from None
    return _entries_from_text(text, f"{CATALOG_PACKAGE}/{CATALOG_RESOURCE}")


def _entries_from_text(text: str, origin: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{origin}: not valid JSON: {exc}") from None
    if isinstance(data, Mapping):
        data = data.get("models")
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise ValueError(f"{origin}: expected {{'models': [...]}} or a list of model entries")
    return data


@dataclass(frozen=True, slots=True)
class CatalogPage:
    entries: list[dict[str, Any]]
    total: int


class Catalog:
    """Catalog entries by model id, normalised to `{model_id, display_name, categories,
    input_schema, output_schema, ...}` (a `kind` or `description` is kept as it is).

    Entries in the published-file shape (`input`/`output` instead of
    `input_schema`/`output_schema`) are accepted too; a missing output schema
    becomes the generic one.
    """

    def __init__(self, entries: Iterable[Mapping[str, Any]]) -> None:
        self._by_id: dict[str, dict[str, Any]] = {}
        for raw in entries:
            entry = _normalise_entry(raw)
            model_id = entry["model_id"]
            if model_id in self._by_id:
                raise ValueError(f"duplicate model_id in catalog: {model_id!r}")
            self._by_id[model_id] = entry
        self._ordered = [self._by_id[key] for key in sorted(self._by_id)]

    def __contains__(self, model_id: object) -> bool:
        return model_id in self._by_id

    def __len__(self) -> int:
        return len(self._by_id)

    def get(self, model_id: str) -> dict[str, Any] | None:
        """The entry itself (shared, do not modify), or None."""
        return self._by_id.get(model_id)

    def page(
        self,
        *,
        limit: int,
        offset: int,
        category: str | None = None,
        search: str | None = None,
        kind: str | None = None,
        include_schema: bool = False,
    ) -> CatalogPage:
        matching = [
            entry
            for entry in self._ordered
            if _in_category(entry, category)
            and _matches_search(entry, search)
            and _of_kind(entry, kind)
        ]
        window = matching[offset : offset + limit]
        return CatalogPage([public_entry(entry, include_schema) for entry in window], len(matching))

    def categories(self) -> list[str]:
        """Every category some entry carries, sorted (``GET /v1/models/categories``)."""
        return sorted({str(item) for entry in self._ordered for item in entry["categories"]})


def public_entry(entry: Mapping[str, Any], include_schema: bool = True) -> dict[str, Any]:
    """A copy of an entry as the API answers it; without schemas unless asked."""
    result = copy.deepcopy(dict(entry))
    if not include_schema:
        result.pop("input_schema", None)
        result.pop("output_schema", None)
    return result


def _normalise_entry(raw: Mapping[str, Any]) -> dict[str, Any]:
    model_id = raw.get("model_id")
    if not isinstance(model_id, str) or not model_id:
        raise ValueError(f"catalog entry without a model_id: {sorted(raw)!r}")
    entry = {key: value for key, value in raw.items() if key not in ("input", "output")}
    input_schema = raw.get("input_schema", raw.get("input"))
    output_schema = raw.get("output_schema", raw.get("output"))
    if not isinstance(input_schema, Mapping):
        raise ValueError(f"catalog entry {model_id!r} has no input schema")
    entry["input_schema"] = copy.deepcopy(dict(input_schema))
    entry["output_schema"] = copy.deepcopy(
        dict(output_schema) if isinstance(output_schema, Mapping) else GENERIC_OUTPUT_SCHEMA
    )
    entry.setdefault("display_name", model_id)
    if not _is_price(entry.get("base_price_usd")) or entry.get("price_unit") not in PRICE_UNITS:
        entry["base_price_usd"], entry["price_unit"] = _stand_in_price(entry)
    categories = entry.get("categories")
    entry["categories"] = (
        list(categories)
        if isinstance(categories, Sequence) and not isinstance(categories, str)
        else []
    )
    return entry


def _in_category(entry: Mapping[str, Any], category: str | None) -> bool:
    if not category:
        return True
    wanted = category.casefold()
    return any(str(item).casefold() == wanted for item in entry["categories"])


def _of_kind(entry: Mapping[str, Any], kind: str | None) -> bool:
    """Whether the entry makes ``kind`` (image, video, audio) as its own ``kind`` says."""
    return not kind or str(entry.get("kind", "")).casefold() == kind.casefold()


def _matches_search(entry: Mapping[str, Any], search: str | None) -> bool:
    if not search:
        return True
    needle = search.casefold()
    return any(
        needle in str(entry.get(key) or "").casefold()
        for key in ("model_id", "display_name", "description")
    )


def _is_price(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value >= 0


def _stand_in_price(entry: Mapping[str, Any]) -> tuple[float, str]:
    return STAND_IN_PRICES[entry_kind(entry)]


def job_cost(entry: Mapping[str, Any], inputs: Mapping[str, Any]) -> float:
    """What a succeeded job costs: the rule of :mod:`..pricing` (per output asked for, or per
    second of the requested duration); a per-second job whose seconds cannot be read is billed
    as :data:`DEFAULT_BILLED_SECONDS`."""
    price = price_from_entry(entry)
    cost = price.estimate(inputs)
    if cost is not None:
        return cost
    return round(float(entry["base_price_usd"]) * DEFAULT_BILLED_SECONDS, 6)
