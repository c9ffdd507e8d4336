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
classes whose schema an earlier model of the group has is not generated again but copied from
that model's, renamed (the library writes a class's name only in its ``class`` line, and puts a
model's output class last).

A group the library fails on, or whose module does not cut cleanly, is generated again one
model at a time, so errors still name their model.
"""

from __future__ import annotations

import json
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
    copies: dict[int, int] = field(default_factory=dict)
    """Model -> the earlier model of the group whose output class it copies, renamed."""
    outputs: dict[str, int] = field(default_factory=dict)
    """The schema of each flat output class the group generates -> its model."""

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
        output = schema["$defs"][spec.output_class]
        if _flat(output):
            key = json.dumps(output, sort_keys=True)
            if key in self.outputs:
                self.copies[len(self.specs)] = self.outputs[key]
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


def _flat(output: dict[str, Any]) -> bool:
    """Whether an output class has no nested classes: then it is its schema but for its name."""
    return not any(True for p in output.get("properties", {}).values() for _ in _property_names(p))


def _group_schema(group: _Group) -> str:
    root = dict(group.schemas[0])
    defs = dict(root.pop("$defs"))
    for i, (spec, schema) in enumerate(zip(group.specs, group.schemas, strict=True)):
        if i == 0:
            continue
        schema = dict(schema)
        outputs = schema.pop("$defs")
        if i not in group.copies:
            defs.update(outputs)
        defs[spec.input_class] = schema
    root["$defs"] = defs
    return json.dumps(root, sort_keys=True)


def _split(group: _Group, generated: str) -> list[str]:
    """The group's module cut into one module per model: every import, and the model's classes.

    The library writes imports, then top-level classes only, each starting at a line
    ``class Name(...)``; anything else makes the cut fail (and the group is generated model by
    model). Each module is parsed and checked afterwards, which drops the imports it does not
    use."""
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
    for i, source in group.copies.items():
        parts[i].append(_renamed_output(parts[source], group.specs[source], group.specs[i]))
    return [header + "\n\n\n" + "\n\n\n".join(classes) + "\n" for classes in parts]


def _renamed_output(classes: list[str], source: ModelSpec, spec: ModelSpec) -> str:
    """``spec``'s output class: the one of ``source`` (the same schema), renamed."""
    head = f"class {source.output_class}("
    found = [c for c in classes if c.startswith(head)]
    if len(found) != 1 or source.output_class in found[0][len(head) :]:
        raise ModelGenerationError(f"the output class of {source.model_id} cannot be copied")
    return f"class {spec.output_class}(" + found[0][len(head) :]


def _generate_group(group: _Group) -> list[ModelSource | str]:
    try:
        first = group.specs[0]
        generated = run_generator(_group_schema(group), first.input_class, group.aliases)
        return [
            model_source_from(s, m)
            for s, m in zip(group.specs, _split(group, generated), strict=True)
        ]
    except Exception:  # any failure: each model alone, for its own error
        return [_generate_alone(spec) for spec in group.specs]


def _generate_alone(spec: ModelSpec) -> ModelSource | str:
    try:
        return model_source(spec)
    except ModelGenerationError as exc:
        return str(exc)


def model_sources(specs: Sequence[ModelSpec], *, size: int = GROUP_SIZE) -> list[ModelSource | str]:
    """The pydantic classes of each model of ``specs``, in order; a string says why a model's
    could not be generated. The same classes as :func:`model_source` of each, in fewer calls."""
    results: list[ModelSource | str] = [""] * len(specs)
    even = -(-len(specs) // -(-len(specs) // size)) if specs else size
    for group in _groups(specs, even):
        if len(group.specs) == 1:
            made = [_generate_alone(group.specs[0])]
        else:
            made = _generate_group(group)
        for index, result in zip(group.indexes, made, strict=True):
            results[index] = result
    return results
