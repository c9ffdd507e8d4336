"""The hostile schema corpus: every case under ``tests/hostile/<case>/`` is one broken or hostile input.

Each case holds a ``schemas/`` folder (absent on purpose for ``missing_folder``) and an
``expect.json``:

- ``outcome``: ``"error"`` (generation must fail with exit 1, print the diagnostics and leave the
  output folder exactly as it was) or ``"ok"`` (generation must succeed with safe output);
- ``diagnostics``: diagnostics that must be reported, each ``{level, pointer, message}`` where
  ``message`` is a substring and ``file`` (optional) the file as shown in diagnostics;
- for ``ok`` cases: ``models`` (ids that must generate and import), ``strings`` (texts that must
  appear verbatim inside a string constant of the generated code), ``payloads`` (inputs that
  ``Input`` must accept, and dump back unchanged), ``rejects`` (changes to the payload that
  ``Input`` must refuse) and ``regenerate`` (generate a second time over the first output).

An ``ok`` case must also pass ``generate --check`` right after its generation.

Safe output means: every generated ``.py`` file compiles; its AST calls nothing dangerous, uses
no name it does not import or define (plus a few builtins) and binds no module-level name twice;
the hostile text never reaches code outside string literals; each model imports, its ``Input``
knows every wire name, keeps every default exactly, accepts every enum value, and round-trips a
valid payload to the same wire JSON; ``run`` takes one keyword argument per input field.
"""

from __future__ import annotations

import importlib
import inspect
import json
import re
import unicodedata
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError
from runcomfy_codegen.pipeline.build import analyse, generate
from runcomfy_codegen.pipeline.diagnostics import Diagnostic

from .support import (
    HOSTILE,
    all_files,
    code_outside_strings,
    generated_python,
    imported_tree,
    keyword_inputs,
    run_cli,
    source_problems,
    string_constants,
    tree,
)

CASES = sorted(p.name for p in HOSTILE.iterdir() if (p / "expect.json").is_file())

MARKERS = ("__import__", ".system", "{{", "}}", "{%", "%}", "eval(", "exec(")
"""Fragments of the hostile texts that must never appear in generated code outside strings."""

RUNTIME_PARAMETERS = {"client", "timeout", "on_update", "cancel_on_timeout"}
MODEL_FUNCTIONS = ("run", "run_async", "submit", "submit_async", "job", "job_async")
CODE_SPAN = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)")


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 40
    outcomes = {json.loads((HOSTILE / c / "expect.json").read_text())["outcome"] for c in CASES}
    assert outcomes == {"ok", "error"}


def _matches(expected: Mapping[str, str], d: Diagnostic) -> bool:
    return (
        d.level.value == expected["level"]
        and d.pointer == expected["pointer"]
        and expected["message"] in d.message
        and ("file" not in expected or d.file == expected["file"])
    )


def _check_diagnostics(expected: list[dict[str, str]], found: list[Diagnostic]) -> None:
    shown = "\n".join(str(d) for d in found)
    for want in expected:
        assert any(_matches(want, d) for d in found), f"missing {want} in:\n{shown}"


def _example(schema: Mapping[str, Any]) -> Any:
    """A value valid for a simple property schema (the corpus keeps required fields simple)."""
    if "default" in schema:
        return schema["default"]
    if schema.get("enum"):
        return schema["enum"][0]
    kind = schema.get("type", "string")
    if isinstance(kind, list):
        kind = next(k for k in kind if k != "null")
    if kind == "object":
        props = schema.get("properties", {})
        return {k: _example(props[k]) for k in schema.get("required", []) if k in props}
    return {
        "string": "https://example.com/input.png",
        "integer": schema.get("minimum", 0),
        "number": float(schema.get("minimum", 0.5)),
        "float": float(schema.get("minimum", 0.5)),
        "boolean": True,
        "array": [],
    }[kind]


def _minimal_payload(input_schema: Mapping[str, Any]) -> dict[str, Any]:
    props = input_schema.get("properties", {})
    return {k: _example(props[k]) for k in input_schema.get("required", []) if k in props}


def _wire(name: str, info: Any) -> str:
    alias: str | None = info.alias
    return name if alias is None else alias


def _wire_names(model: type[BaseModel]) -> set[str]:
    return {_wire(name, f) for name, f in model.model_fields.items()}


def _field(model: type[BaseModel], wire: str) -> Any:
    for name, f in model.model_fields.items():
        if _wire(name, f) == wire:
            return f
    raise AssertionError(f"no field for wire name {wire!r}")


def _check_model(
    module: Any, model_id: str, entry: Mapping[str, Any], expect: Mapping[str, Any]
) -> None:
    assert model_id == module.MODEL_ID
    # The display name reaches the module docstring exactly (escaped, never spliced).
    display_name = entry.get("display_name") or model_id
    assert (module.__doc__ or "").startswith(f"{display_name} ({model_id}).")
    input_schema = entry["input_schema"]
    props: dict[str, Any] = input_schema.get("properties", {})
    model: type[BaseModel] = module.Input
    required = set(input_schema.get("required", []))

    # A required name without a property is a field too (any JSON value), as in JSON Schema.
    assert _wire_names(model) == set(props) | required
    params = inspect.signature(module.run).parameters
    assert set(params) == {*RUNTIME_PARAMETERS, "inputs"}
    assert len(keyword_inputs(module)) == len(set(props) | required)

    for wire, prop in props.items():
        # A required property must be sent even when it has a default: no default in Python.
        if isinstance(prop, dict) and "default" in prop and wire not in required:
            default = _field(model, wire).default
            assert json.dumps(default) == json.dumps(prop["default"]), wire

    payload = expect.get("payloads", {}).get(model_id, _minimal_payload(input_schema))
    valid = model.model_validate(payload)
    assert valid.model_dump(mode="json", by_alias=True, exclude_unset=True) == payload
    assert module._BINDING.resolve().payload(valid) == payload
    # Every class of the model, nested ones too, is served by its module (from ``_types``).
    types = importlib.import_module(module._BINDING.types_module)
    assert {"Input", "Output", model.__name__} <= set(types.__all__)
    assert all(getattr(module, name) is getattr(types, name) for name in types.__all__)

    for wire, prop in props.items():
        enum = prop.get("enum") if isinstance(prop, dict) else None
        if not enum or not all(isinstance(v, str) for v in enum):
            continue
        for value in enum:
            model.model_validate({**payload, wire: value})
        with pytest.raises(ValidationError):
            model.model_validate({**payload, wire: "".join(enum) + "\u2603"})

    for change in expect.get("rejects", {}).get(model_id, []):
        with pytest.raises(ValidationError):
            model.model_validate({**payload, **change})


_CELL_BORDER = re.compile(r"(?<!\\)\|")


def _check_tables(path: str, lines: list[str]) -> None:
    """Every row of a table has as many cells as its header: schema text adds none."""
    width = 0
    for line in lines:
        if not line.startswith("|"):
            width = 0
            continue
        cells = len(_CELL_BORDER.findall(line))
        width = width or cells
        assert cells == width, f"{path}: {line}"


def _check_doc_page(path: str, text: str) -> None:
    """Schema text cannot add headings, code fences, table cells or close the header comment."""
    lines = text.splitlines()
    assert lines[0].startswith("<!-- ") and lines[0].endswith(" -->"), path
    # No control or format character (a bidi override reorders what a reader sees), code
    # spans included: they are shown as code points.
    hidden = {
        f"U+{ord(ch):04X}" for ch in text if ch != "\n" and unicodedata.category(ch) in "CcCf"
    }
    assert not hidden, f"{path}: {sorted(hidden)}"
    assert sum(line.startswith("# ") for line in lines) == 1, path
    _check_tables(path, lines)
    if path == "docs/README.md":  # the index of all models, by output kind and category
        assert not any(line.startswith("```") for line in lines), path
        for i, line in enumerate(lines):
            if line.startswith("## "):
                assert re.fullmatch(r"## (Image|Video|Audio|Other) \(\d+\)", line), path
            elif line.startswith("#") and i > 1:  # a category, then a table of its models
                assert line.startswith("### ") and line[4:].strip(), path
                assert lines[i + 2] == "| Model | Model id | Python module |", path
        return
    headings = [line for line in lines if line.startswith("## ")]
    assert headings in (["## Inputs", "## Output"], ["## Inputs", "## Allowed values", "## Output"])
    assert [line for line in lines if line.startswith("```")] == ["```python", "```"], path
    # Outside code spans (where Markdown shows text as it is), no raw HTML.
    # A backslash before "<" or ">" shows it as text.
    prose = CODE_SPAN.sub("", text)
    assert len(re.findall(r"--(?<!\\)>", prose)) == 1, path
    assert len(re.findall(r"(?<!\\)<!--", prose)) == 1, path
    assert not re.search(r"(?<!\\)<script>", prose), path


def _check_safe_tree(out: Path, schemas: Path, expect: Mapping[str, Any]) -> None:
    files = tree(out)
    python = generated_python(files)
    problems = [p for path, source in python.items() for p in source_problems(path, source)]
    for path, content in files.items():
        if path.endswith(".py") and path not in python:
            compile(content, path, "exec")
    assert not problems, "\n".join(problems)

    constants: list[str] = []
    for path, source in python.items():
        code = code_outside_strings(source)
        for marker in MARKERS:
            assert marker not in code, f"{marker!r} reached the code of {path}"
        constants.extend(string_constants(source))
    for text in expect.get("strings", []):
        assert any(text in c for c in constants), f"{text!r} is not in any string constant"

    for path, content in files.items():
        if path.startswith("docs/"):
            _check_doc_page(path, content.decode("utf-8"))

    models: list[str] = expect["models"]
    with warnings.catch_warnings(), imported_tree(out) as package:
        warnings.simplefilter("error")  # importing a generated module must not warn
        assert package.list_models() == sorted(models)
        registry = importlib.import_module("runcomfy_models._registry")
        for model_id in models:
            entry = json.loads((schemas / f"{model_id}.json").read_text(encoding="utf-8"))
            assert registry.MODELS[model_id].display_name == (entry.get("display_name") or model_id)
            _check_model(package.get_model(model_id), model_id, entry, expect)
        # Importing every model (in any order) replaced no function of the package or a model.
        for model_id in [*models, *reversed(models)]:
            assert inspect.isfunction(package.get_model), model_id
            assert inspect.isfunction(package.list_models), model_id
            module = package.get_model(model_id)
            for name in MODEL_FUNCTIONS:
                assert inspect.isfunction(getattr(module, name)), (model_id, name)


@pytest.mark.parametrize("case", CASES)
def test_hostile_case(case: str, tmp_path: Path) -> None:
    folder = HOSTILE / case
    expect = json.loads((folder / "expect.json").read_text(encoding="utf-8"))
    schemas = folder / "schemas"
    out = tmp_path / "out"
    if expect["outcome"] == "error":
        build = generate(schemas)
        assert not build.ok
        assert not build.files
        _check_diagnostics(expect["diagnostics"], build.diagnostics)
        out.mkdir()
        (out / "keep.txt").write_bytes(b"the previous tree\n")
        before = all_files(out)
        result = run_cli("generate", "--schemas", schemas, "--out", out)
        assert result.exit_code == 1
        assert "nothing written" in result.stderr
        assert all_files(out) == before
        assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
        return

    found = analyse(schemas).diagnostics
    assert all(d.level.value != "error" for d in found), "\n".join(map(str, found))
    _check_diagnostics(expect.get("diagnostics", []), found)
    result = run_cli("generate", "--schemas", schemas, "--out", out)
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    check = run_cli("generate", "--check", "--schemas", schemas, "--out", out)
    assert check.exit_code == 0, check.stderr
    if expect.get("regenerate"):
        first = tree(out)
        again = run_cli("generate", "--schemas", schemas, "--out", out)
        assert again.exit_code == 0, again.stderr
        assert tree(out) == first
    _check_safe_tree(out, schemas, expect)
