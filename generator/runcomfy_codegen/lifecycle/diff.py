"""Schema-level change report between two catalogs, direction-aware.

The input schema is what a user sends: a change that rejects a request that used to be accepted is
breaking. The output schema is what a user reads: a change that hands back something their code
did not expect (a value, a type, a missing key) is breaking. The same edit can be harmless on one
side and breaking on the other, so every rule has one severity per side (see :data:`RULES`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from runcomfy_codegen.lifecycle.changes import Change, Severity, Side
from runcomfy_codegen.pipeline.interpret import canonical_json, json_number
from runcomfy_codegen.pipeline.output_schema import GENERIC_OUTPUT_SCHEMA
from runcomfy_codegen.pipeline.validate import MEDIA_FORMATS

B, W, I = Severity.BREAKING, Severity.WARNING, Severity.INFO  # noqa: E741

RULES: Mapping[str, tuple[Severity, Severity]] = {
    # rule: (severity on the input side, severity on the output side)
    "model-removed": (B, B),
    "model-added": (I, I),
    "display-name-changed": (I, I),
    "categories-changed": (I, I),
    "property-removed": (B, B),
    "property-added-required": (B, I),
    "property-added-optional": (I, I),
    "became-required": (B, I),
    "became-optional": (I, B),
    "enum-value-removed": (B, I),
    "enum-value-added": (I, B),
    "enum-added": (B, I),
    "enum-removed": (I, B),
    "type-narrowed": (B, I),
    "type-widened": (I, B),
    "type-changed": (B, B),
    "range-narrowed": (B, I),
    "range-widened": (I, W),
    "pattern-added": (B, W),
    "pattern-changed": (B, W),
    "pattern-removed": (I, W),
    "media-format-removed": (B, B),
    "media-format-changed": (B, B),
    "media-format-added": (I, I),
    "format-changed": (W, W),
    "default-changed": (W, I),
    "default-added": (I, I),
    "default-removed": (W, I),
    "docs-changed": (I, I),
    "validation-added": (W, W),
    "validation-removed": (I, I),
    "composite-changed": (W, W),
    "closed": (B, I),
    "opened": (I, W),
}

_LOWER_BOUNDS = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
_UPPER_BOUNDS = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")
_OUTPUT_FILE_FORMATS = frozenset({"uri", "url", *MEDIA_FORMATS})
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_-]+")


def show(value: Any) -> str:
    """A value for a message: JSON, so control characters and quotes are escaped."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: keep it escaped
        return json.dumps(value, sort_keys=True)
    return text


def show_name(name: str) -> str:
    return name if _PLAIN_NAME.fullmatch(name) else show(name)


def printable(text: str) -> str:
    """``text`` as it is when it is safe to print, else quoted with escapes (JSON)."""
    return text if text.isprintable() else show(text)


def type_set(schema: Mapping[str, Any]) -> frozenset[str] | None:
    """The JSON types a schema allows (``float`` read as ``number``); ``None`` for any type."""
    declared = schema.get("type")
    names = declared if isinstance(declared, list) else [declared] if declared is not None else []
    kinds = {"number" if t == "float" else str(t) for t in names}
    if not kinds:
        return None
    if schema.get("nullable") is True:
        kinds.add("null")
    return frozenset(kinds)


def _covers(wide: frozenset[str] | None, narrow: frozenset[str] | None) -> bool:
    """Whether every value of type ``narrow`` is also of type ``wide``."""
    if wide is None:
        return True
    if narrow is None:
        return False
    return all(t in wide or (t == "integer" and "number" in wide) for t in narrow)


def _enum(schema: Mapping[str, Any]) -> list[Any] | None:
    if isinstance(schema.get("enum"), list):
        return list(schema["enum"])
    if "const" in schema:
        return [schema["const"]]
    return None


def _properties(schema: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    props = schema.get("properties")
    if not isinstance(props, dict):
        return {}
    return {k: v if isinstance(v, dict) else {} for k, v in props.items()}


def _required(schema: Mapping[str, Any]) -> set[str]:
    required = schema.get("required")
    return {r for r in required if isinstance(r, str)} if isinstance(required, list) else set()


def _child(path: str, name: str) -> str:
    return f"{path}.{show_name(name)}"


class _Walker:
    """Compares one side (input or output) of one model and collects the changes."""

    def __init__(self, model_id: str, side: Side) -> None:
        self.model_id = model_id
        self.side = side
        self.changes: list[Change] = []

    def add(self, path: str, rule: str, message: str) -> None:
        on_input, on_output = RULES[rule]
        severity = on_output if self.side is Side.OUTPUT else on_input
        self.changes.append(Change(self.model_id, self.side, path, rule, severity, message))

    def object(self, path: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        old_props, new_props = _properties(old), _properties(new)
        old_req, new_req = _required(old), _required(new)
        for name in sorted(old_props.keys() | new_props.keys()):
            here = _child(path, name)
            if name not in new_props:
                self.add(here, "property-removed", "property removed")
            elif name not in old_props:
                if name in new_req:
                    self.add(here, "property-added-required", "new required property")
                else:
                    self.add(here, "property-added-optional", "new optional property")
            else:
                if name in new_req and name not in old_req:
                    self.add(here, "became-required", "became required")
                elif name in old_req and name not in new_req:
                    self.add(here, "became-optional", "became optional")
                self.schema(here, old_props[name], new_props[name])
        old_extra, new_extra = old.get("additionalProperties"), new.get("additionalProperties")
        if old_extra is not False and new_extra is False:
            self.add(path, "closed", "no longer accepts properties beyond the listed ones")
        elif old_extra is False and new_extra is not False:
            self.add(path, "opened", "now allows properties beyond the listed ones")

    def schema(self, path: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        self._types(path, old, new)
        self._enums(path, old, new)
        self._bounds(path, old, new)
        self._pattern(path, old, new)
        self._format(path, old, new)
        self._default(path, old, new)
        self._docs(path, old, new)
        self._validations(path, old, new)
        for key in ("anyOf", "oneOf", "allOf"):
            if canonical_json(old.get(key)) != canonical_json(new.get(key)):
                self.add(path, "composite-changed", f"{key} changed (review by hand)")
        if _properties(old) or _properties(new) or "additionalProperties" in (old.keys() | new):
            self.object(path, old, new)
        old_items, new_items = old.get("items"), new.get("items")
        if isinstance(old_items, dict) or isinstance(new_items, dict):
            self.schema(
                f"{path}[]",
                old_items if isinstance(old_items, dict) else {},
                new_items if isinstance(new_items, dict) else {},
            )

    def _types(self, path: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        before, after = type_set(old), type_set(new)
        wider, narrower = _covers(after, before), _covers(before, after)
        if wider and narrower:
            return
        text = f"type changed from {_show_types(before)} to {_show_types(after)}"
        if wider:
            self.add(path, "type-widened", text)
        elif narrower:
            self.add(path, "type-narrowed", text)
        else:
            self.add(path, "type-changed", text)

    def _enums(self, path: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        before, after = _enum(old), _enum(new)
        if before is None and after is None:
            return
        if before is None:
            self.add(path, "enum-added", f"now limited to {len(after or [])} value(s)")
            return
        if after is None:
            self.add(path, "enum-removed", "no longer limited to a list of values")
            return
        old_keys = {canonical_json(v): v for v in before}
        new_keys = {canonical_json(v): v for v in after}
        for key in old_keys.keys() - new_keys.keys():
            self.add(path, "enum-value-removed", f"enum value {show(old_keys[key])} removed")
        for key in new_keys.keys() - old_keys.keys():
            self.add(path, "enum-value-added", f"enum value {show(new_keys[key])} added")

    def _bounds(self, path: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        for key in (*_LOWER_BOUNDS, *_UPPER_BOUNDS, "multipleOf"):
            before, after = json_number(old.get(key)), json_number(new.get(key))
            if before == after:
                continue
            if before is None:
                self.add(path, "range-narrowed", f"{key} {show(after)} added")
            elif after is None:
                self.add(path, "range-widened", f"{key} {show(before)} removed")
            else:
                if key == "multipleOf":
                    narrowed = after == 0 or before % after != 0
                else:
                    narrowed = (after > before) == (key in _LOWER_BOUNDS)
                verb = "raised" if after > before else "lowered"
                self.add(
                    path,
                    "range-narrowed" if narrowed else "range-widened",
                    f"{key} {verb} from {show(before)} to {show(after)}",
                )
        if old.get("uniqueItems") is not True and new.get("uniqueItems") is True:
            self.add(path, "range-narrowed", "items must now be unique")
        elif old.get("uniqueItems") is True and new.get("uniqueItems") is not True:
            self.add(path, "range-widened", "items need no longer be unique")

    def _pattern(self, path: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        before, after = old.get("pattern"), new.get("pattern")
        if before == after:
            return
        if before is None:
            self.add(path, "pattern-added", f"pattern {show(after)} added")
        elif after is None:
            self.add(path, "pattern-removed", f"pattern {show(before)} removed")
        else:
            self.add(
                path, "pattern-changed", f"pattern changed from {show(before)} to {show(after)}"
            )

    def _media(self, fmt: Any) -> bool:
        if not isinstance(fmt, str):
            return False
        return fmt in (_OUTPUT_FILE_FORMATS if self.side is Side.OUTPUT else MEDIA_FORMATS)

    def _format(self, path: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        before, after = old.get("format"), new.get("format")
        if before == after:
            return
        text = f"format changed from {show(before)} to {show(after)}"
        if self._media(before):
            rule = "media-format-changed" if self._media(after) else "media-format-removed"
            self.add(path, rule, text)
        elif self._media(after):
            self.add(path, "media-format-added", text)
        else:
            self.add(path, "format-changed", text)

    def _default(self, path: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        if "default" not in old and "default" not in new:
            return
        if "default" not in old:
            self.add(path, "default-added", f"default {show(new['default'])} added")
        elif "default" not in new:
            self.add(path, "default-removed", f"default {show(old['default'])} removed")
        elif canonical_json(old["default"]) != canonical_json(new["default"]):
            self.add(
                path,
                "default-changed",
                f"default changed from {show(old['default'])} to {show(new['default'])}",
            )

    def _docs(self, path: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        for key in ("title", "description"):
            if old.get(key) != new.get(key):
                self.add(path, "docs-changed", f"{key} changed")

    def _validations(self, path: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        def items(schema: Mapping[str, Any]) -> dict[str, Any]:
            value = schema.get("validations")
            return {canonical_json(v): v for v in value} if isinstance(value, list) else {}

        before, after = items(old), items(new)
        for key in sorted(after.keys() - before.keys()):
            self.add(path, "validation-added", f"server-side validation {key} added")
        for key in sorted(before.keys() - after.keys()):
            self.add(path, "validation-removed", f"server-side validation {key} removed")


def _show_types(types: frozenset[str] | None) -> str:
    if types is None:
        return "any"
    return "|".join(sorted(types))


def _side_schema(entry: Mapping[str, Any], side: Side) -> Mapping[str, Any]:
    if side is Side.INPUT:
        schema = entry.get("input_schema", entry.get("input"))
    else:
        schema = entry.get("output_schema", entry.get("output"))
        if schema is None:
            schema = GENERIC_OUTPUT_SCHEMA
    return schema if isinstance(schema, dict) else {}


def _model_change(model_id: str, rule: str, message: str) -> Change:
    return Change(model_id, Side.MODEL, "model", rule, RULES[rule][0], message)


def diff_entry(model_id: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """Every change between two versions of one catalog entry."""
    changes: list[Change] = []
    old_name, new_name = old.get("display_name"), new.get("display_name")
    if old_name != new_name:
        changes.append(
            _model_change(
                model_id,
                "display-name-changed",
                f"display name changed from {show(old_name)} to {show(new_name)}",
            )
        )
    old_cats, new_cats = old.get("categories") or [], new.get("categories") or []
    if canonical_json(sorted(map(str, old_cats))) != canonical_json(sorted(map(str, new_cats))):
        changes.append(
            _model_change(
                model_id,
                "categories-changed",
                f"categories changed from {show(old_cats)} to {show(new_cats)}",
            )
        )
    for side in (Side.INPUT, Side.OUTPUT):
        walker = _Walker(model_id, side)
        walker.schema(side.value, _side_schema(old, side), _side_schema(new, side))
        changes.extend(walker.changes)
    return sorted(changes, key=Change.sort_key)


def diff_catalogs(
    old: Mapping[str, Mapping[str, Any]], new: Mapping[str, Mapping[str, Any]]
) -> list[Change]:
    """Every change between two catalogs keyed by model id."""
    changes: list[Change] = []
    for model_id in sorted(old.keys() | new.keys()):
        if model_id not in new:
            changes.append(_model_change(model_id, "model-removed", "model removed"))
        elif model_id not in old:
            changes.append(_model_change(model_id, "model-added", "model added"))
        else:
            changes.extend(diff_entry(model_id, old[model_id], new[model_id]))
    return sorted(changes, key=Change.sort_key)
