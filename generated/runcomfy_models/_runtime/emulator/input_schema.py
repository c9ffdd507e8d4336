"""Submit-body validation against a model's input schema, in RunComfy's dialect.

The published schemas are not plain JSON Schema: `type: "float"` means
number, media fields carry custom formats (`image_uri`, `video_uris`, ...)
and a `validations` extension lists checks that need the media itself. A
copy of each schema is normalised before compiling; the compiled validator
is cached per model.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit

import jsonschema
from jsonschema.protocols import Validator

# Keywords whose value is a single subschema.
_SCHEMA_KEYWORDS: Final = frozenset(
    {
        "additionalItems",
        "additionalProperties",
        "contains",
        "else",
        "if",
        "items",
        "not",
        "propertyNames",
        "then",
        "unevaluatedItems",
        "unevaluatedProperties",
    }
)
# Keywords whose value is a list of subschemas.
_SCHEMA_LIST_KEYWORDS: Final = frozenset({"allOf", "anyOf", "oneOf", "prefixItems", "items"})
# Keywords whose value maps names to subschemas.
_SCHEMA_MAP_KEYWORDS: Final = frozenset(
    {"$defs", "definitions", "dependentSchemas", "patternProperties", "properties"}
)
# RunComfy extensions that describe checks on the media itself; not JSON Schema.
_EXTENSION_KEYWORDS: Final = frozenset({"validations"})

_TYPE_ALIASES: Final = {"float": "number"}

_MAX_MESSAGE: Final = 300

_DATA_URI: Final = re.compile(r"^data:(?P<meta>[^,]*),(?P<data>.*)$", re.DOTALL)


@dataclass(frozen=True, slots=True)
class InputIssue:
    """One reason a submit body does not match the schema."""

    path: str  # JSON pointer into the body; "" is the body itself
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message}


def normalise_schema(schema: Mapping[str, Any]) -> tuple[dict[str, Any], set[str]]:
    """A plain-JSON-Schema copy of `schema` and the media formats it uses."""
    media_formats: set[str] = set()
    return _normalise(schema, media_formats), media_formats


def _normalise(schema: Any, media_formats: set[str]) -> Any:
    if not isinstance(schema, Mapping):
        return schema
    result: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _EXTENSION_KEYWORDS:
            continue
        if key == "type":
            result[key] = _normalise_type(value)
        elif key == "format" and isinstance(value, str):
            result[key] = value
            if is_media_format(value):
                media_formats.add(value)
        elif key in _SCHEMA_MAP_KEYWORDS and isinstance(value, Mapping):
            result[key] = {name: _normalise(sub, media_formats) for name, sub in value.items()}
        elif key in _SCHEMA_LIST_KEYWORDS and isinstance(value, list):
            result[key] = [_normalise(sub, media_formats) for sub in value]
        elif key in _SCHEMA_KEYWORDS:
            result[key] = _normalise(value, media_formats)
        else:
            result[key] = value
    return result


def _normalise_type(value: Any) -> Any:
    if isinstance(value, str):
        return _TYPE_ALIASES.get(value, value)
    if isinstance(value, list):
        return [_TYPE_ALIASES.get(item, item) if isinstance(item, str) else item for item in value]
    return value


def is_media_format(name: str) -> bool:
    """`image_uri`, `video_uris`, ...: a media input given as URL(s)."""
    return name.endswith(("_uri", "_uris"))


def is_media_reference(value: str) -> bool:
    """An http(s) URL with a host, or a well-formed `data:` URI."""
    if value.startswith("data:"):
        match = _DATA_URI.match(value)
        if match is None:
            return False
        if match["meta"].endswith(";base64"):
            try:
                base64.b64decode(match["data"], validate=True)
            except binascii.Error:
                return False
        return True
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _check_media(instance: object) -> bool:
    if isinstance(instance, str):
        return is_media_reference(instance)
    if isinstance(instance, list):
        return all(not isinstance(item, str) or is_media_reference(item) for item in instance)
    return True


def _format_checker(media_formats: set[str]) -> jsonschema.FormatChecker:
    checker = jsonschema.FormatChecker(formats=())
    for name in sorted(media_formats):
        checker.checks(name)(_check_media)
    return checker


def compile_validator(schema: Mapping[str, Any]) -> Validator:
    """A validator for a RunComfy input schema; raises `jsonschema.SchemaError` if broken."""
    plain, media_formats = normalise_schema(schema)
    cls = jsonschema.validators.validator_for(plain, default=jsonschema.Draft202012Validator)
    cls.check_schema(plain)
    validator: Validator = cls(plain, format_checker=_format_checker(media_formats))
    return validator


def _pointer(path: Any) -> str:
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def _error_path(error: jsonschema.ValidationError) -> str:
    """Where the error is; a missing required property points at the property itself."""
    path = list(error.absolute_path)
    if error.validator == "required" and isinstance(error.validator_value, list):
        for name in error.validator_value:
            if error.message == f"{name!r} is a required property":
                path.append(name)
                break
    return _pointer(path)


def _describe(error: jsonschema.ValidationError) -> str:
    """The message, kept short: messages quote the offending value, which may be a whole file."""
    if error.validator == "format" and is_media_format(str(error.validator_value)):
        message = f"{error.instance!r} is not an http(s) URL or a data: URI"
    else:
        message = error.message
    if len(message) > _MAX_MESSAGE:
        message = message[: _MAX_MESSAGE - 3] + "..."
    return message


class InputValidator:
    """Validates submit bodies per model; compiles each schema once."""

    def __init__(self) -> None:
        self._compiled: dict[str, Validator] = {}

    def issues(self, model_id: str, schema: Mapping[str, Any], body: Any) -> list[InputIssue]:
        validator = self._compiled.get(model_id)
        if validator is None:
            validator = compile_validator(schema)
            self._compiled[model_id] = validator
        if not isinstance(body, dict):
            return [InputIssue("", "the request body must be a JSON object of model inputs")]
        try:
            found = [
                InputIssue(_error_path(error), _describe(error))
                for error in validator.iter_errors(body)
            ]
        except (RecursionError, ValueError):
            # Nesting deep enough to exhaust the validator, or a number too long to show.
            return [InputIssue("", "the input is nested too deep or holds a number too large")]
        return sorted(found, key=lambda issue: (issue.path, issue.message))
