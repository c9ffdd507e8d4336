"""The pydantic classes of many models from few datamodel-code-generator calls.

Each call of the library costs a few milliseconds before it reads a schema, about as much as
the classes of a model take. So models go to it in groups: one schema whose ``$defs`` hold the
input and output classes of every model of the group (the first model's input stays at the
root, as when it is generated alone), and the module that comes back is cut into one module
per model. A model's classes are the same either way, when the group is put together so that
nothing of one model can change another's:

- no class name of a model is a prefix of another's (nested classes are named after their
  path from their root class: two models whose roots are not prefixes of each other cannot
  name a class alike, so the library never renames one);
- a property name is renamed the same way in every model of the group, or in none (the
  library's aliases are one mapping for the whole call).

Most output classes are alike (the six media keys of a kind): an output class without nested
classes that this process has already generated for another model (or that an earlier model of
the group has) is not generated again but copied from that model's, renamed (the library
writes a class's name only in its ``class`` line, and puts a model's output class last).

A group the library fails on, or whose module does not cut cleanly, is generated again one
model at a time, so errors still name their model.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from runcomfy_codegen.pipeline.ir import ModelSpec
from runcomfy_codegen.pipeline.pydantic_source import (
    ModelGenerationError,
    ModelSource,
    field_aliases,
    generator_schema,
    model_source,
    model_source_from,
    run_generator,
)

__all__ = ["GROUP_SIZE", "model_sources"]

GROUP_SIZE = 100
"""The most models per library call (past a hundred, a larger group saves nothing more); the
models of one call to :func:`model_sources` are spread evenly over as few groups as that
allows."""


def _property_names(schema: Any) -> Iterator[str]:
    """Every property name of a JSON Schema, at any depth."""
    if isinstance(schema, dict):
        properties = schema.get("properties")
        if isinstance(properties, dict):
            yield from properties
        for value in schema.values():
            yield from _property_names(value)
    elif isinstance(schema, list):
        for value in schema:
            yield from _property_names(value)


def _roots(spec: ModelSpec) -> tuple[str, str]:
    """The classes every other class of the model is named after."""
    return (spec.input_class, spec.output_class)


@dataclass
class _Group:
    specs: list[ModelSpec] = field(default_factory=list)
    indexes: list[int] = field(default_factory=list)
    """Where each model is in the specs asked for."""
    schemas: list[dict[str, Any]] = field(default_factory=list)
    roots: list[str] = field(default_factory=list)
    aliases: dict[str, str] = field(default_factory=dict)
    plain: set[str] = field(default_factory=set)
    """Property names no model of the group renames."""
    copies: dict[int, str] = field(default_factory=dict)
    """Model -> the key of the output class it copies, renamed (see :func:`_output_key`)."""
    known: dict[str, tuple[str, str]] = field(default_factory=dict)
    """The output classes it copies that earlier groups made (see :data:`_OUTPUT_CLASSES`)."""
    outputs: dict[str, int] = field(default_factory=dict)
    """The key of each flat output class the group generates -> its model."""

    def admits(self, spec: ModelSpec, aliases: dict[str, str], names: set[str]) -> bool:
        if any(a.startswith(b) or b.startswith(a) for a in _roots(spec) for b in self.roots):
            return False
        if any(self.aliases.get(wire, python) != python for wire, python in aliases.items()):
            return False
        return not (aliases.keys() & self.plain) and not (
            (names - aliases.keys()) & self.aliases.keys()
        )

    def add(
        self,
        index: int,
        spec: ModelSpec,
        schema: dict[str, Any],
        aliases: dict[str, str],
        names: set[str],
    ) -> None:
        key = _output_key(schema["$defs"][spec.output_class], aliases)
        if key is not None:
            if key in _OUTPUT_CLASSES:
                self.known[key] = _OUTPUT_CLASSES[key]
            if key in self.outputs or key in self.known:
                self.copies[len(self.specs)] = key
            else:
                self.outputs[key] = len(self.specs)
        self.specs.append(spec)
        self.indexes.append(index)
        self.schemas.append(schema)
        self.roots += _roots(spec)
        self.aliases.update(aliases)
        self.plain |= names - aliases.keys()


def _groups(specs: Sequence[ModelSpec], size: int) -> list[_Group]:
    """``specs`` in groups of at most ``size`` whose models cannot change each other's classes.

    Each model joins the first open group that admits it (in the order of ``specs``, so the
    grouping is deterministic)."""
    open_groups: list[_Group] = []
    done: list[_Group] = []
    for index, spec in enumerate(specs):
        schema = generator_schema(spec)
        aliases = field_aliases(spec)
        names = set(_property_names(schema))
        group = next((g for g in open_groups if g.admits(spec, aliases, names)), None)
        if group is None:
            group = _Group()
            open_groups.append(group)
        group.add(index, spec, schema, aliases, names)
        if len(group.specs) >= size:
            open_groups.remove(group)
            done.append(group)
    return done + open_groups


_OUTPUT_CLASSES: dict[str, tuple[str, str]] = {}
"""Output classes generated in this process: their key -> the text after ``class Name(``, and
the imports of the module they were generated in."""
_OUTPUT_CLASSES_LIMIT = 1000


def _output_key(output: dict[str, Any], aliases: dict[str, str]) -> str | None:
    """What an output class without nested classes is made of (its schema and the Python names
    of its fields): two with the same key differ only in their name. None: it has nested ones."""
    properties = output.get("properties", {})
    if any(True for p in properties.values() for _ in _property_names(p)):
        return None
    names = {name: aliases.get(name, name) for name in properties}
    return json.dumps([output, names], sort_keys=True)


def _group_schema(group: _Group) -> str:
    root: dict[str, Any] = {}
    defs: dict[str, Any] = {}
    for i, (spec, schema) in enumerate(zip(group.specs, group.schemas, strict=True)):
        schema = dict(schema)
        outputs = schema.pop("$defs")
        if i not in group.copies:
            defs.update(outputs)
        if i == 0:
            root = schema
        else:
            defs[spec.input_class] = schema
    root["$defs"] = defs
    return json.dumps(root, sort_keys=True)


def _split(group: _Group, generated: str) -> tuple[list[str], dict[str, tuple[str, str]]]:
    """The group's module cut into one module per model: every import, and the model's classes.

    The library writes imports, then top-level classes only, each starting at a line
    ``class Name(...)``; anything else makes the cut fail (and the group is generated model by
    model). Each module is parsed and checked afterwards, which drops the imports it does not
    use. Also returns what follows ``class Name(`` in each output class that can be copied."""
    lines = generated.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("class ")]
    if not starts:
        raise ModelGenerationError("no classes in the generated module")
    header = "\n".join(lines[: starts[0]])
    owners = {root: i for i, spec in enumerate(group.specs) for root in _roots(spec)}
    parts: list[list[str]] = [[] for _ in group.specs]
    for start, end in zip(starts, [*starts[1:], len(lines)], strict=True):
        chunk = lines[start:end]
        if any(line[:1] not in ("", " ", "#") for line in chunk[1:]):
            raise ModelGenerationError(f"a statement other than a class at line {start + 1}")
        name = chunk[0][len("class ") :].split("(", 1)[0].split(":", 1)[0]
        owner = [i for root, i in owners.items() if name.startswith(root)]
        if len(owner) != 1:
            raise ModelGenerationError(f"class {name} belongs to no single model")
        parts[owner[0]].append("\n".join(chunk).rstrip())
    imports = "\n".join(
        line
        for line in header.splitlines()
        if line[:1] not in ("", "#") and "__future__" not in line
    )
    made = {key: _output_tail(parts[i], group.specs[i]) for key, i in group.outputs.items()}
    tails = {key: (tail, imports) for key, tail in made.items() if tail is not None}
    headers = [header] * len(parts)
    for i, key in group.copies.items():
        tail, more = tails.get(key) or group.known.get(key) or (None, "")
        if tail is None:
            raise ModelGenerationError(f"no output class to copy for {group.specs[i].model_id}")
        parts[i].append(f"class {group.specs[i].output_class}(" + tail)
        headers[i] = f"{header}\n{more}"  # (what the class imports, wherever it was made)
    modules = [
        h + "\n\n\n" + "\n\n\n".join(classes) + "\n"
        for h, classes in zip(headers, parts, strict=True)
    ]
    return modules, tails


def _output_tail(classes: list[str], spec: ModelSpec) -> str | None:
    """What follows ``class Name(`` in ``spec``'s output class, when it is the only place the
    class names itself (so that another name makes the class of another model)."""
    head = f"class {spec.output_class}("
    found = [c for c in classes if c.startswith(head)]
    if len(found) != 1 or spec.output_class in found[0][len(head) :]:
        return None
    return found[0][len(head) :]


def _generate_group(group: _Group) -> list[ModelSource | str]:
    try:
        first = group.specs[0]
        generated = run_generator(_group_schema(group), first.input_class, group.aliases)
        modules, tails = _split(group, generated)
        sources: list[ModelSource | str] = [
            model_source_from(s, m) for s, m in zip(group.specs, modules, strict=True)
        ]
    except Exception:  # any failure: each model alone, for its own error
        return [_generate_alone(spec) for spec in group.specs]
    if len(_OUTPUT_CLASSES) + len(tails) > _OUTPUT_CLASSES_LIMIT:
        _OUTPUT_CLASSES.clear()
    _OUTPUT_CLASSES.update(tails)
    return sources


def _generate_alone(spec: ModelSpec) -> ModelSource | str:
    try:
        return model_source(spec)
    except ModelGenerationError as exc:
        return str(exc)


def model_sources(specs: Sequence[ModelSpec], *, size: int = GROUP_SIZE) -> list[ModelSource | str]:
    """The pydantic classes of each model of ``specs``, in order; a string says why a model's
    could not be generated. The same classes as :func:`model_source` of each, in fewer calls."""
    results: list[ModelSource | str] = [""] * len(specs)
    even = math.ceil(len(specs) / math.ceil(len(specs) / size)) if specs else size
    for group in _groups(specs, even):
        if len(group.specs) == 1:
            made = [_generate_alone(group.specs[0])]
        else:
            made = _generate_group(group)
        for index, result in zip(group.indexes, made, strict=True):
            results[index] = result
    return results
