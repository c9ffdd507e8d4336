"""IR -> pydantic model source, through datamodel-code-generator's in-process ``generate()``.

Every option is spelled out so an upgrade of the library cannot silently change the output; the
library's version is pinned exactly because its output is part of the committed golden tree.
The schema handed to it is rebuilt from the IR (documentation keys and dialect formats removed),
so schema titles never name a class and descriptions never reach its templates.
"""

from __future__ import annotations

import ast
import contextlib
import json
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from runcomfy_codegen.pipeline.ir import Field, ModelSpec
from runcomfy_codegen.pipeline.pydantic_edits import post_process

REMOTE_FILE_TYPE = "runcomfy_models._runtime.RemoteFile"
OUTPUT_BASE = "runcomfy_models._runtime.ModelOutput"
"""The base class of every output class: ``file()``, ``files()`` and ``save_all()``."""
KIND_OUTPUT_BASES = {
    "image": "runcomfy_models._runtime.ImageOutput",
    "video": "runcomfy_models._runtime.VideoOutput",
    "audio": "runcomfy_models._runtime.AudioOutput",
}
"""The output base of a model whose output kind is known: ``file()`` prefers that kind."""


class ModelGenerationError(Exception):
    """The model generator failed or produced something other than the IR describes."""


LiteralSpan = tuple[int, int, int, int, str]
"""Where a ``Literal[...]`` of scalar values is in a body: first line, column, last line, end
column (lines from 0, columns in UTF-8 bytes, as ``ast`` counts them), and its values as a JSON
list."""


@dataclass(frozen=True)
class ModelSource:
    imports: tuple[str, ...]
    """Import statements the model classes need, one per line."""
    body: str
    """The class definitions."""
    classes: tuple[str, ...]
    """The names of the classes ``body`` defines, in order."""
    literals: tuple[LiteralSpan, ...]
    """Every ``Literal[...]`` of ``body``, found while its syntax tree was at hand (so naming
    them later needs no second parse)."""


def _object_schema(fields: tuple[Field, ...], *, output: bool) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for f in fields:
        schema = json.loads(f.schema_json)
        if output and f.is_file:
            file_type = {"type": "string", "customTypePath": REMOTE_FILE_TYPE}
            schema = {"type": "array", "items": file_type} if f.many else file_type
        properties[f.wire_name] = schema
    out: dict[str, Any] = {"type": "object", "properties": properties}
    required = [f.wire_name for f in fields if f.required]
    if required:
        out["required"] = required
    return out


def generator_schema(spec: ModelSpec) -> dict[str, Any]:
    """The JSON Schema handed to datamodel-code-generator: input at the root, output in ``$defs``."""
    root = _object_schema(spec.inputs, output=False)
    root.update(json.loads(spec.input_extra_json))
    output = _object_schema(spec.outputs, output=True)
    output["customBasePath"] = KIND_OUTPUT_BASES.get(spec.output_kind, OUTPUT_BASE)
    root["$defs"] = {spec.output_class: output}
    return root


def field_aliases(spec: ModelSpec) -> dict[str, str]:
    """Wire name -> Python name of every renamed field, at any depth."""
    aliases = dict(spec.nested_aliases)
    for f in (*spec.inputs, *spec.outputs):
        if f.wire_name != f.python_name:
            aliases[f.wire_name] = f.python_name
    return aliases


def _spec_arguments(spec: ModelSpec) -> dict[str, Any]:
    """The model generator's arguments that depend on the spec (the others are fixed below)."""
    return {
        "input_": json.dumps(generator_schema(spec), sort_keys=True),
        "class_name": spec.input_class,
        "aliases": field_aliases(spec),
    }


def generator_input(spec: ModelSpec) -> str:
    """Everything the model generator is given for ``spec``, as one canonical text.

    Two specs with the same text get the same classes; documentation (titles, descriptions,
    examples) is not part of it, so a change to it does not need the generator.
    """
    return json.dumps(_spec_arguments(spec), sort_keys=True, ensure_ascii=False)


def _run_generator(spec: ModelSpec) -> str:
    arguments = _spec_arguments(spec)
    return run_generator(arguments["input_"], arguments["class_name"], arguments["aliases"])


def load_generator() -> None:
    """Import the model generator now (about 0.3 s): before worker processes are forked, so
    that they share one import instead of each paying for its own."""
    import datamodel_code_generator  # noqa: F401
    from datamodel_code_generator.parser import jsonschema  # noqa: F401


def run_generator(schema: str, class_name: str, aliases: dict[str, str]) -> str:
    """datamodel-code-generator on one JSON Schema text: the root class named ``class_name``,
    ``$defs`` named by their keys, fields renamed by ``aliases`` (wire name -> Python name)."""
    # Imported here: the library is heavy and only needed when a model is (re)generated.
    from datamodel_code_generator import generate
    from datamodel_code_generator.enums import (
        DataModelType,
        InputFileType,
        NamingStrategy,
        StrictTypes,
    )
    from datamodel_code_generator.format import PythonVersion
    from datamodel_code_generator.parser import LiteralType

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = generate(
            schema,
            class_name=class_name,
            aliases=aliases,
            input_file_type=InputFileType.JsonSchema,
            output_model_type=DataModelType.PydanticV2BaseModel,
            target_python_version=PythonVersion.PY_311,
            enum_field_as_literal=LiteralType.All,
            use_annotated=True,
            field_constraints=True,
            use_standard_collections=True,
            use_union_operator=True,
            use_schema_description=False,
            use_field_description=False,
            use_title_as_name=False,
            use_default_kwarg=False,
            disable_timestamp=True,
            enable_version_header=False,
            allow_population_by_field_name=True,
            strict_types=[StrictTypes.str, StrictTypes.int, StrictTypes.float, StrictTypes.bool],
            snake_case_field=False,
            strict_nullable=True,
            capitalise_enum_members=False,
            # Nested classes are named after their path from the root class (``ABInputJob``), so
            # they never shadow a name the model module imports or defines (``Job``, ``Any``).
            naming_strategy=NamingStrategy.FullPath,
            formatters=[],
        )
    if not isinstance(result, str):
        raise ModelGenerationError("expected a single module from the model generator")
    return result


def _field_names(cls: ast.ClassDef) -> set[str]:
    return {
        node.target.id
        for node in cls.body
        if isinstance(node, ast.AnnAssign)
        and isinstance(node.target, ast.Name)
        and node.target.id != "model_config"
    }


def _check(tree: ast.Module, spec: ModelSpec) -> None:
    classes = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}
    for name, fields in ((spec.input_class, spec.inputs), (spec.output_class, spec.outputs)):
        cls = classes.get(name)
        if cls is None:
            raise ModelGenerationError(
                f"class {name} is missing from the generated models (a nested object's name "
                "probably collides with it)"
            )
        expected = {f.python_name for f in fields}
        got = _field_names(cls)
        if got != expected:
            raise ModelGenerationError(
                f"class {name} has fields {sorted(got)}, expected {sorted(expected)}"
            )


@contextlib.contextmanager
def _as_generation_error() -> Iterator[None]:
    """Any error inside, but ours, becomes a :class:`ModelGenerationError` that names it."""
    try:
        yield
    except ModelGenerationError:
        raise
    except Exception as exc:
        raise ModelGenerationError(f"model generation failed: {type(exc).__name__}: {exc}") from exc


def model_source(spec: ModelSpec) -> ModelSource:
    """Generate and check the pydantic classes for one model."""
    with _as_generation_error():  # the library raises many unrelated types
        generated = _run_generator(spec)
    return model_source_from(spec, generated)


def model_source_from(spec: ModelSpec, generated: str) -> ModelSource:
    """Check and finish the model generator's module ``generated`` for ``spec``."""
    with _as_generation_error():  # a syntax error: the library wrote something unexpected
        source, tree = post_process(generated)
    _check(tree, spec)
    lines = source.splitlines()
    body_start = len(lines)
    for node in tree.body:
        if not isinstance(node, ast.Import | ast.ImportFrom):
            body_start = node.lineno - 1
            decorators = getattr(node, "decorator_list", [])
            if decorators:
                body_start = min(d.lineno for d in decorators) - 1
            break
    spans, used = _scan(tree, body_start)
    imports = _imports(tree, used)
    body = "\n".join(lines[body_start:]).strip() + "\n"
    classes = tuple(node.name for node in tree.body if isinstance(node, ast.ClassDef))
    return ModelSource(tuple(imports), body, classes, spans)


def _imports(tree: ast.Module, used: set[str]) -> tuple[str, ...]:
    """The import statements of ``tree`` that bring names ``used``, one per module, sorted.

    The same imports whatever order and grouping the model generator wrote them in, and
    whichever it needed for other models of a module cut from one written for several."""
    plain: set[str] = set()
    names: dict[tuple[int, str], set[str]] = {}
    for node in tree.body:
        if not isinstance(node, ast.Import | ast.ImportFrom):
            continue
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            continue
        for alias in node.names:
            if (alias.asname or alias.name).split(".")[0] not in used:
                continue
            text = alias.name if alias.asname is None else f"{alias.name} as {alias.asname}"
            if isinstance(node, ast.Import):
                plain.add(f"import {text}")
            else:
                names.setdefault((node.level, node.module or ""), set()).add(text)
    froms = {
        f"from {'.' * level}{module} import {', '.join(sorted(texts))}"
        for (level, module), texts in names.items()
    }
    return tuple(sorted(plain | froms))


def _scan(tree: ast.Module, first_line: int) -> tuple[tuple[LiteralSpan, ...], set[str]]:
    """The ``Literal[...]`` annotations of ``tree`` whose values are all literals, with lines
    counted from ``first_line`` (0-based); and the names the code below the imports uses."""
    spans: list[LiteralSpan] = []
    used: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            used.add(node.id)
            continue
        if not (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Name)
            and node.value.id == "Literal"
            and node.end_lineno is not None
            and node.end_col_offset is not None
        ):
            continue
        elements = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        try:
            values = [ast.literal_eval(e) for e in elements]
        except ValueError:
            continue
        if not all(v is None or isinstance(v, str | int | float) for v in values):
            continue  # (no enum type has such values)
        start, end = node.lineno - 1 - first_line, node.end_lineno - 1 - first_line
        spans.append((start, node.col_offset, end, node.end_col_offset, json.dumps(values)))
    return tuple(spans), used
