"""The frozen intermediate representation: everything downstream of validation reads only this."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

JsonScalar = str | int | float | bool | None

TypeKind = Literal["string", "integer", "number", "boolean", "array", "object", "null", "any"]


class MediaKind(StrEnum):
    IMAGE = "image"
    VIDEO = "video"
    AUDIO = "audio"


@dataclass(frozen=True)
class Validation:
    """One entry of RunComfy's ``validations`` extension (checked by the server)."""

    rule: str
    value_json: str
    error: str


@dataclass(frozen=True)
class FieldType:
    kinds: tuple[TypeKind, ...]
    """Allowed JSON types (``("any",)`` when the schema does not say)."""
    enum: tuple[JsonScalar, ...] | None = None
    item: FieldType | None = None
    has_properties: bool = False
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: float | None = None
    exclusive_maximum: float | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    min_items: int | None = None
    max_items: int | None = None

    @property
    def literal_ok(self) -> bool:
        """Whether the enum can be a ``typing.Literal`` (str, int, bool and None only)."""
        return self.enum is not None and all(
            v is None or isinstance(v, str | int | bool) for v in self.enum
        )


@dataclass(frozen=True)
class Field:
    wire_name: str
    python_name: str
    cli_option: str
    pointer: str
    required: bool
    type: FieldType
    default_json: str | None
    """The schema's default as canonical JSON, or ``None`` when there is none."""
    title: str
    description: str
    media: MediaKind | None
    many: bool
    """A media field that takes a list (the ``*_uris`` formats), or a list output of files."""
    validations: tuple[Validation, ...]
    schema_json: str
    """The property's normalised schema (canonical JSON) as handed to the model generator."""
    is_file: bool = False
    """An output field whose values are downloadable files."""
    accepts_null: bool = False
    """Whether the schema accepts ``null`` (or may: an untyped one); otherwise ``None`` means
    "not set" and is never sent."""


@dataclass(frozen=True)
class LiteralType:
    """A named ``Literal`` type of the model module (``Resolution = Literal[...]``): public API.

    ``same_as`` names an earlier type of the module with the same values (``B = A``).
    """

    name: str
    field: str
    """The Python name of the input field it types (of its items, for a list)."""
    values: tuple[JsonScalar, ...]
    same_as: str | None = None


@dataclass(frozen=True)
class ModelSpec:
    model_id: str
    display_name: str
    source: str
    """Where the schema came from; empty when the entry does not say."""
    categories: tuple[str, ...]
    """The catalog's categories; derived from the id's task word when the entry has none."""
    source_file: str
    schema_sha256: str
    module_parts: tuple[str, ...]
    class_prefix: str
    inputs: tuple[Field, ...]
    outputs: tuple[Field, ...]
    input_extra_json: str
    """Object-level keywords of the input schema other than properties/required (canonical JSON)."""
    nested_aliases: tuple[tuple[str, str], ...]
    """wire name -> Python name for properties of nested objects."""
    original_input_schema_json: str
    output_schema_json: str
    kind: str = ""
    """The catalog's own ``kind``, as the entry states it (empty when it does not)."""
    output_kind: str = ""
    """What the model makes: ``image``, ``video``, ``audio``, or empty when unknown (the rules
    are in :mod:`runcomfy_codegen.pipeline.output_kind`)."""
    base_price_usd: float | None = None
    price_unit: str = ""
    """What ``base_price_usd`` is charged per: ``output`` or ``second`` (as the catalog says)."""
    limitations: tuple[str, ...] = ()
    omitted_inputs: tuple[str, ...] = ()
    """Inputs the live model has that this schema leaves out."""
    note: str = ""
    """A note kept with the schema (how it was curated, what it lacks)."""
    literal_types: tuple[LiteralType, ...] = ()
    """The named types of the enum inputs, in the order of the functions' parameters."""
    timing_inputs: tuple[str, ...] = ()
    """Wire names of the inputs whose values drive the run time (see ``timing``); the
    runtime keeps job run times per model and their values."""

    @property
    def module_name(self) -> str:
        return ".".join(self.module_parts)

    @property
    def catalog_kind(self) -> str:
        """The ``kind`` the package catalog states: the entry's own, else the output kind."""
        return self.kind or self.output_kind

    @property
    def input_class(self) -> str:
        return f"{self.class_prefix}Input"

    @property
    def output_class(self) -> str:
        return f"{self.class_prefix}Output"
