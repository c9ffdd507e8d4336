"""The public Python API each model gets, and what disappears or changes between two sides.

Names come from the naming rules, not from the schema alone: adding a property can rename another
one (a collision gets a hashed suffix), so this compares the names the generator actually derives
(module path, classes, keyword arguments, CLI options, ``Literal`` values, file outputs) rather
than the schemas.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runcomfy_codegen.lifecycle.changes import Change, Severity, Side
from runcomfy_codegen.lifecycle.diff import show, show_name
from runcomfy_codegen.pipeline.build import analyse
from runcomfy_codegen.pipeline.diagnostics import Level
from runcomfy_codegen.pipeline.ir import Field, FieldType, ModelSpec
from runcomfy_codegen.pipeline.literal_types import type_name_of
from runcomfy_codegen.pipeline.naming import model_id_problem
from runcomfy_codegen.pipeline.render import PACKAGE

_PLACEHOLDER_SOURCE = "compared catalog entry"


@dataclass(frozen=True)
class FieldSurface:
    wire_name: str
    python_name: str
    cli_option: str | None
    literals: tuple[str, ...] | None
    """Canonical JSON of the ``Literal`` values (of the items, for a list), if any."""
    takes_files: bool
    schema_json: str
    type_name: str | None = None
    """The named ``Literal`` type of an enum input (``Style``), as the model module exports it."""


@dataclass(frozen=True)
class ModelSurface:
    model_id: str
    module: str
    short: str
    """The module's own name (``text_to_image``), as users import and call it."""
    input_class: str
    output_class: str
    inputs: tuple[FieldSurface, ...]
    outputs: tuple[FieldSurface, ...]
    types: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """The module's named ``Literal`` types (``Resolution``) and their values (canonical JSON):
    public names that users import and annotate with."""


def _literals(t: FieldType) -> tuple[str, ...] | None:
    source = t if t.enum is not None else t.item
    if source is None or source.enum is None or not source.literal_ok:
        return None
    return tuple(json.dumps(v, ensure_ascii=False) for v in source.enum)


def _field(f: Field, *, output: bool, type_name: str | None = None) -> FieldSurface:
    return FieldSurface(
        wire_name=f.wire_name,
        python_name=f.python_name,
        cli_option=None if output else f.cli_option,
        literals=_literals(f.type),
        takes_files=f.is_file if output else f.media is not None,
        schema_json=f.schema_json,
        type_name=type_name,
    )


def surface(spec: ModelSpec) -> ModelSurface:
    types = spec.literal_types
    return ModelSurface(
        model_id=spec.model_id,
        module=".".join((PACKAGE, *spec.module_parts)),
        short=spec.module_parts[-1],
        input_class=spec.input_class,
        output_class=spec.output_class,
        inputs=tuple(
            _field(f, output=False, type_name=type_name_of(f, types)) for f in spec.inputs
        ),
        outputs=tuple(_field(f, output=True) for f in spec.outputs),
        types=tuple(
            (t.name, tuple(json.dumps(v, ensure_ascii=False) for v in t.values)) for t in types
        ),
    )


class _Comparer:
    def __init__(self, model_id: str) -> None:
        self.model_id = model_id
        self.changes: list[Change] = []
        self.short = ""
        self.origin = ""
        """The schema path of the field being compared (``input.style``), if any."""

    def add(
        self, path: str, rule: str, message: str, severity: Severity = Severity.BREAKING
    ) -> None:
        self.changes.append(
            Change(self.model_id, Side.PYTHON, path, rule, severity, message, self.origin)
        )

    def model(self, old: ModelSurface, new: ModelSurface) -> None:
        if old.module != new.module:
            self.add(old.module, "module-moved", f"module {old.module} is now {new.module}")
        for label, before, after in (
            ("input", old.input_class, new.input_class),
            ("output", old.output_class, new.output_class),
        ):
            if before != after:
                self.add(
                    f"{new.module}.{before}",
                    "class-renamed",
                    f"{label} class {before} is now {after}",
                )
        self.short = new.short
        self.types(old.types, new.types)
        self.fields(old.inputs, new.inputs, output=False)
        self.fields(old.outputs, new.outputs, output=True)

    def types(
        self,
        old: Sequence[tuple[str, tuple[str, ...]]],
        new: Sequence[tuple[str, tuple[str, ...]]],
    ) -> None:
        """A named type that is gone breaks every import and annotation that uses it; its values
        are compared field by field (``literal-*``)."""
        new_names = {name for name, _ in new}
        by_values = {values: name for name, values in new}
        for name, values in old:
            if name in new_names:
                continue
            path = f"{self.short}.{name}"
            twin = by_values.get(values)
            if twin is not None and twin not in {n for n, _ in old}:
                self.add(path, "type-renamed", f"type {path} is now {self.short}.{twin}")
            else:
                self.add(path, "type-removed", f"type {path} removed")

    def where(self, name: str, *, output: bool) -> str:
        """A field as users write it: ``text_to_image.run(style=...)`` or ``...Output.image``."""
        return f"{self.short}.Output.{name}" if output else f"{self.short}.run({name}=...)"

    def fields(
        self,
        old: Sequence[FieldSurface],
        new: Sequence[FieldSurface],
        *,
        output: bool,
    ) -> None:
        what = "attribute" if output else "keyword argument"
        old_by_wire = {f.wire_name: f for f in old}
        new_by_wire = {f.wire_name: f for f in new}
        new_by_python = {f.python_name: f for f in new}
        old_names = {f.python_name for f in old}
        side = "output" if output else "input"
        for before in old:
            path = self.where(before.python_name, output=output)
            self.origin = f"{side}.{show_name(before.wire_name)}"
            after = new_by_wire.get(before.wire_name)
            if after is None:
                self._gone(path, what, before, old_by_wire, new, old_names)
                continue
            if after.python_name != before.python_name:
                self.add(
                    path,
                    "name-changed",
                    f"{what} {before.python_name} is now {after.python_name} "
                    f"(property {show(before.wire_name)}; naming of a colliding property)",
                )
            if before.cli_option is not None and after.cli_option != before.cli_option:
                self.add(
                    path,
                    "cli-option-changed",
                    f"CLI option --{before.cli_option} is now --{after.cli_option}",
                )
            self._literals(path, before, after, output=output, type_name=after.type_name)
            if before.takes_files and not after.takes_files:
                self.add(
                    path,
                    "files-dropped",
                    "no longer a downloadable file"
                    if output
                    else "no longer accepts local files (Path or bytes)",
                )
        for name, after in sorted(new_by_python.items()):
            before_same = next((f for f in old if f.python_name == name), None)
            if before_same is not None and before_same.wire_name != after.wire_name:
                self.origin = f"{side}.{show_name(after.wire_name)}"
                self.add(
                    self.where(name, output=output),
                    "name-rebound",
                    f"{what} {name} now sets property {show(after.wire_name)} "
                    f"instead of {show(before_same.wire_name)}",
                )
        self.origin = ""

    def _gone(
        self,
        path: str,
        what: str,
        before: FieldSurface,
        old_by_wire: Mapping[str, FieldSurface],
        new: Sequence[FieldSurface],
        old_names: set[str],
    ) -> None:
        twins = [
            f
            for f in new
            if f.wire_name not in old_by_wire
            and f.schema_json == before.schema_json
            and f.python_name not in old_names
        ]
        option = f" (--{before.cli_option})" if before.cli_option else ""
        if len(twins) == 1:
            twin = twins[0]
            new_option = f" (--{twin.cli_option})" if twin.cli_option else ""
            self.add(
                path,
                "renamed",
                f"{what} {before.python_name}{option} renamed to "
                f"{twin.python_name}{new_option} (same schema)",
            )
        else:
            self.add(path, "removed", f"{what} {before.python_name}{option} removed")

    def _literals(
        self,
        path: str,
        before: FieldSurface,
        after: FieldSurface,
        *,
        output: bool,
        type_name: str | None,
    ) -> None:
        of = f" of {self.short}.{type_name}" if type_name else ""
        if before.literals is None or after.literals is None:
            if not output and before.literals is None and after.literals is not None:
                self.add(path, "literal-introduced", "now a Literal: other values are rejected")
            if output and before.literals is not None and after.literals is None:
                self.add(path, "literal-dropped", "no longer a Literal: any value may come back")
            return
        removed = [v for v in before.literals if v not in after.literals]
        added = [v for v in after.literals if v not in before.literals]
        if output:
            for value in added:
                self.add(path, "literal-added", f"Literal value {value} may now come back")
            return
        if len(removed) == 1 and len(added) == 1:
            self.add(path, "literal-changed", f"Literal value {removed[0]}{of} is now {added[0]}")
            return
        for value in removed:
            self.add(path, "literal-removed", f"Literal value {value}{of} removed")


def compare_specs(old: Iterable[ModelSpec], new: Iterable[ModelSpec]) -> list[Change]:
    """What disappears or changes in the Python API of models present on both sides."""
    old_by_id = {s.model_id: surface(s) for s in old}
    new_by_id = {s.model_id: surface(s) for s in new}
    changes: list[Change] = []
    for model_id in sorted(old_by_id.keys() & new_by_id.keys()):
        comparer = _Comparer(model_id)
        comparer.model(old_by_id[model_id], new_by_id[model_id])
        changes.extend(comparer.changes)
    return sorted(changes, key=Change.sort_key)


def interpret_entries(
    entries: Mapping[str, Mapping[str, Any]], label: str
) -> tuple[list[ModelSpec], list[str]]:
    """Run load -> validate -> interpret on catalog entries; notes say what could not be read."""
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="runcomfy-codegen-diff-") as tmp:
        root = Path(tmp) / "schemas"
        root.mkdir()
        for model_id, entry in sorted(entries.items()):
            if model_id_problem(model_id):
                notes.append(f"{label}: {show(model_id)} is not a valid model id; API not compared")
                continue
            data = dict(entry)
            data.setdefault("source", _PLACEHOLDER_SOURCE)
            data["model_id"] = model_id
            target = root / f"{model_id}.json"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(data), encoding="utf-8")
        if not any(root.iterdir()):
            return [], notes
        build = analyse(root)
    valid = {s.model_id for s in build.specs}
    failed: dict[str, str] = {}
    for d in build.diagnostics:
        if d.level is not Level.ERROR:
            continue
        model_id = d.file.removeprefix("schemas/").removesuffix(".json")
        if model_id not in valid:
            failed.setdefault(model_id, f"{d.pointer or '/'}: {d.message}")
    for model_id, reason in sorted(failed.items()):
        notes.append(f"{label}: {model_id} does not pass validation ({reason}); API not compared")
    return list(build.specs), notes
