"""Helpers shared by the generator tests: paths, trees, isolated imports and source checks."""

from __future__ import annotations

import ast
import importlib
import io
import json
import random
import sys
import tokenize
import typing
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

from click.testing import CliRunner, Result
from hypothesis import HealthCheck, settings
from runcomfy_codegen.cli import cli

REPO = Path(__file__).resolve().parents[2]
SCHEMAS = REPO / "schemas"
GENERATED = REPO / "generated"
TEMPLATES = REPO / "templates"
HOSTILE = REPO / "tests" / "hostile"
PACKAGE = "runcomfy_models"

SEED_MODEL = "ideogram/ideogram-v3/reframe"

HYPOTHESIS = settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
"""Modest, reproducible hypothesis settings for every property test of the generator."""


def run_cli(*args: str | Path) -> Result:
    """Invoke ``runcomfy-codegen`` in-process; stdout and stderr are kept apart."""
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


CACHES = ("__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache", ".codegen-cache")
"""Tool caches, wherever they are."""
BUILD_OUTPUT = ("build", "dist")
"""What building the generated distribution leaves at the top of its folder (with egg-info)."""


def _owned(parts: tuple[str, ...]) -> bool:
    if any(p in CACHES for p in parts):
        return False
    return not (parts[0] in BUILD_OUTPUT or parts[0].endswith(".egg-info"))


def tree(root: Path) -> dict[str, bytes]:
    """The files the generator owns under ``root``: all but caches and build output.

    Written independently of the generator's own ``read_tree`` on purpose.
    """
    files: dict[str, bytes] = {}
    for path in sorted(root.rglob("*")):
        parts = path.relative_to(root).parts
        if path.is_file() and _owned(parts):
            files["/".join(parts)] = path.read_bytes()
    return files


def all_files(root: Path) -> dict[str, bytes]:
    """Every file under ``root``, caches included: for "a failed run changed nothing" checks."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def schema_ids(root: Path = SCHEMAS) -> list[str]:
    return sorted(p.relative_to(root).with_suffix("").as_posix() for p in root.rglob("*.json"))


def load_entry(model_id: str, root: Path = SCHEMAS) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((root / f"{model_id}.json").read_text(encoding="utf-8"))
    return data


CUSTOM_FORMATS = {"image_uri", "video_uri", "audio_uri", "image_uris", "video_uris", "audio_uris"}


def normalised(schema: Any) -> Any:
    """The RunComfy dialect as plain JSON Schema: ``float`` -> ``number``, custom formats dropped,
    ``default: null`` on a type without null dropped, and a required name without a property
    given the property ``{}`` (any JSON value) at the top level, as the generator reads them."""
    out = _normalised(schema)
    if isinstance(out, dict) and isinstance(out.get("properties"), dict):
        for name in out.get("required", []):
            out["properties"].setdefault(name, {})
    return out


def _normalised(schema: Any) -> Any:
    if isinstance(schema, list):
        return [normalised(v) for v in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "validations" or (key == "format" and value in CUSTOM_FORMATS):
            continue
        if key == "type":
            out[key] = (
                [("number" if t == "float" else t) for t in value]
                if isinstance(value, list)
                else ("number" if value == "float" else value)
            )
        elif key == "properties":
            out[key] = {name: _normalised(sub) for name, sub in value.items()}
        elif key == "default" and value is None and isinstance(schema.get("type"), str):
            if schema["type"] == "null" or "enum" in schema or "const" in schema:
                out[key] = value
        else:
            out[key] = _normalised(value)
    return out


def _package_modules() -> dict[str, ModuleType]:
    return {
        name: mod
        for name, mod in sys.modules.items()
        if name == PACKAGE or name.startswith(PACKAGE + ".")
    }


@contextmanager
def imported_tree(root: Path) -> Iterator[ModuleType]:
    """Import ``runcomfy_models`` from the generated tree at ``root`` instead of the installed one.

    The installed package's modules are set aside for the duration and restored afterwards, so
    other tests keep the module objects they already hold.
    """
    saved = _package_modules()
    for name in saved:
        del sys.modules[name]
    sys.path.insert(0, str(root))
    importlib.invalidate_caches()
    try:
        package = importlib.import_module(PACKAGE)
        assert Path(package.__file__ or "").resolve().is_relative_to(root.resolve())
        yield package
    finally:
        sys.path.remove(str(root))
        for name in _package_modules():
            del sys.modules[name]
        sys.modules.update(saved)
        importlib.invalidate_caches()


# Names that generated (non-runtime) modules may use without binding them: the builtins that the
# templates themselves use. Anything else must be imported or defined in the module.
ALLOWED_BUILTINS = frozenset(
    {"bool", "dict", "float", "int", "list", "str", "tuple", "KeyError", "sorted"}
)

FORBIDDEN_CALLS = frozenset(
    {"__import__", "eval", "exec", "compile", "open", "breakpoint", "globals", "locals", "vars"}
)
FORBIDDEN_ATTRIBUTES = frozenset({"system", "popen", "spawn", "run_path", "check_output"})


def bound_names(module: ast.Module) -> set[str]:
    """Every name a module binds anywhere: imports, definitions, targets and parameters."""
    names: set[str] = set()
    for node in ast.walk(module):
        if isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                names.add((alias.asname or alias.name).split(".")[0])
        elif isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return names


def module_level_bindings(module: ast.Module) -> list[str]:
    """Names bound by the top-level statements, in order (duplicates kept)."""
    names: list[str] = []
    for node in module.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            names.extend((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            names.append(node.name)
        elif isinstance(node, ast.Assign):
            names.extend(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.append(node.target.id)
    return names


def _call_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def source_problems(path: str, source: str) -> list[str]:
    """What is wrong with one generated Python file, from its AST alone (empty when safe)."""
    problems: list[str] = []
    try:
        module = ast.parse(source, filename=path)
        compile(module, path, "exec")
    except SyntaxError as exc:
        return [f"{path}: does not compile: {exc}"]
    allowed = bound_names(module) | ALLOWED_BUILTINS
    for node in ast.walk(module):
        if isinstance(node, ast.Call):
            name = _call_name(node.func)
            if name in FORBIDDEN_CALLS or (
                isinstance(node.func, ast.Attribute) and name in FORBIDDEN_ATTRIBUTES
            ):
                problems.append(f"{path}:{node.lineno}: forbidden call {name}()")
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            if node.id not in allowed:
                problems.append(f"{path}:{node.lineno}: unexpected name {node.id!r}")
        elif isinstance(node, ast.Attribute) and node.attr.startswith("__"):
            problems.append(f"{path}:{node.lineno}: dunder attribute {node.attr!r}")
    seen: set[str] = set()
    for name in module_level_bindings(module):
        if name in seen and name != "__all__":
            problems.append(f"{path}: the module binds {name!r} twice (one shadows the other)")
        seen.add(name)
    return problems


def string_constants(source: str) -> list[str]:
    """Every ``str`` constant of a module (docstrings, defaults, literals, help texts)."""
    return [
        node.value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


def code_outside_strings(source: str) -> str:
    """The module's tokens with every string literal and comment removed."""
    kept: list[str] = []
    skip = {tokenize.STRING, tokenize.COMMENT}
    fstring = {getattr(tokenize, n, -1) for n in ("FSTRING_START", "FSTRING_MIDDLE", "FSTRING_END")}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type not in skip and tok.type not in fstring:
            kept.append(tok.string)
    return " ".join(kept)


def generated_python(files: Mapping[str, bytes]) -> dict[str, str]:
    """The generated Python files of a tree, without the runtime copied in verbatim."""
    return {
        path: content.decode("utf-8")
        for path, content in sorted(files.items())
        if path.endswith(".py") and not path.startswith(f"{PACKAGE}/_runtime/")
    }


def keyword_inputs(module: ModuleType) -> dict[str, bool]:
    """A model module's input keyword arguments (the keys of its ``Params``) -> required."""
    _ = module.Input  # the first use gives the module the names its annotations mention
    hints = typing.get_type_hints(module.Params, include_extras=True)
    return {name: typing.get_origin(hint) is typing.Required for name, hint in hints.items()}


RANDOM_TYPES: list[Any] = [
    "string",
    "integer",
    "number",
    "boolean",
    "array",
    "object",
    "null",
    None,
    ["string", "null"],
    ["integer", "string"],
]
RANDOM_PATTERNS = ["^[a-z]+$", "(?=a)a", "\\d", "^x", "[^\\n]*", "\\bword\\b", "a|b"]
RANDOM_NAMES = ["a", "class", "register", "mro", "model_x", "Ä", "x-y", "1st", "l"]


class RandomSchemas:
    """A seeded generator of JSON Schemas mixing the keywords the generator reads (types and
    type lists, bounds, patterns, enums, const, defaults, nullable, nested objects,
    additionalProperties, anyOf/oneOf, reserved and non-ASCII property names)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def scalar(self, kind: Any) -> Any:
        rng = self.rng
        values = {
            "string": rng.choice(["", "a", "B", "x y", "1"]),
            "integer": rng.randint(-3, 3),
            "number": rng.choice([0.5, 1, -2.5]),
            "boolean": rng.random() < 0.5,
            "null": None,
        }
        return values.get(kind, rng.choice(["a", 1, None, 0.5, True]))

    def schema(self, depth: int = 0) -> dict[str, Any]:
        rng, chance = self.rng, self.rng.random
        s: dict[str, Any] = {}
        declared = rng.choice(RANDOM_TYPES)
        if declared is not None:
            s["type"] = declared
        kind = declared[0] if isinstance(declared, list) else declared
        if kind == "string":
            if chance() < 0.3:
                s["pattern"] = rng.choice(RANDOM_PATTERNS)
            if chance() < 0.3:
                s["minLength"] = rng.randint(0, 2)
            if chance() < 0.3:
                s["maxLength"] = rng.randint(2, 5)
            if chance() < 0.2:
                s["format"] = rng.choice(["image_uri", "uri", "date-time"])
        elif kind in ("integer", "number"):
            if chance() < 0.3:
                s["minimum"] = rng.randint(-5, 0)
            if chance() < 0.3:
                s["maximum"] = rng.randint(1, 5)
            if chance() < 0.2:
                s["exclusiveMinimum"] = -10
            if chance() < 0.2:
                s["multipleOf"] = rng.choice([1, 2, 0.5])
        elif kind == "array":
            if chance() < 0.6 and depth < 3:
                s["items"] = self.schema(depth + 1)
            if chance() < 0.3:
                s["minItems"] = rng.randint(0, 1)
            if chance() < 0.3:
                s["maxItems"] = rng.randint(1, 4)
        elif kind == "object" and depth < 3:
            if chance() < 0.7:
                s["properties"] = {
                    rng.choice(RANDOM_NAMES) + str(i): self.schema(depth + 1)
                    for i in range(rng.randint(0, 3))
                }
            if chance() < 0.3:
                s["additionalProperties"] = rng.choice(
                    [True, False, {"type": "integer"}, {"type": "string"}]
                )
            if chance() < 0.3 and s.get("properties"):
                s["required"] = [rng.choice([*s["properties"], "ghost"])]
        if chance() < 0.2 and kind not in ("object", "array", None):
            s["enum"] = list(dict.fromkeys(self.scalar(kind) for _ in range(rng.randint(1, 3))))
        if chance() < 0.1:
            s["const"] = self.scalar(kind)
        if chance() < 0.2 and depth < 2:
            s = {rng.choice(["oneOf", "anyOf"]): [self.schema(depth + 1), self.schema(depth + 1)]}
        if chance() < 0.3:
            s["default"] = self.scalar(kind)
        if chance() < 0.1:
            s["nullable"] = True
        return s
