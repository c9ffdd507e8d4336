"""Property tests of the naming authority and of the one escaping path into generated source."""

from __future__ import annotations

import ast
import keyword
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from runcomfy_codegen.pipeline import escape, naming

from .support import GENERATED, HYPOTHESIS, PACKAGE, module_level_bindings

HOSTILE_CHARS = [
    '"',
    "'",
    "\\",
    "\n",
    "\r",
    "\t",
    " ",
    "\x00",
    "\x0c",
    "\x1b",
    "\x1c",
    "\x85",
    "\xa0",
    "\u2028",
    "\u2029",
    "\u202e",
    "\u2066",
    "\u200b",
    "\u3000",
    "\ufeff",
    "\ud800",
    "\udfff",
    "{",
    "}",
    "%",
    "#",
    "`",
    "_",
    "-",
    "0",
    "é",
    "ß",
    "東",
    "\U0001f600",
]
CHARS = st.one_of(st.sampled_from(HOSTILE_CHARS), st.characters(exclude_categories=()))
"""Any code point (surrogates included), with quotes, backslashes and line breaks favoured."""
TEXT = st.text(CHARS, max_size=40)
NAMES = st.text(st.one_of(st.sampled_from(HOSTILE_CHARS), st.characters()), max_size=12)
"""Property names: JSON text, so no lone surrogates (the loader refuses them)."""

JSON_VALUES: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)

EXAMPLES = [
    'a """ b',
    'ends with a quote"',
    'ends with three """',
    '""""""',
    "back\\slash at the end\\",
    "line\nbreaks\r\nand\rreturns",
    "trailing spaces   \nnext",
    "{{ x }} {% if %} __import__('os').system('x') '''",
    "nul \x00 and ls \u2028 and rlo \u202e",
    "lone \ud800 surrogate",
    "   ",
    "",
]


# ---------------------------------------------------------------- naming


def assert_usable_field_name(name: str) -> None:
    assert name.isidentifier(), name
    assert name.isascii(), name
    assert not keyword.iskeyword(name), name
    assert not keyword.issoftkeyword(name), name
    assert not name.startswith("_"), name  # pydantic treats those as private attributes
    assert not name.startswith(("model_dump", "model_validate")), name
    assert name not in naming.CALL_PARAMETERS, name


@HYPOTHESIS
@given(st.lists(NAMES, max_size=12))
@example(["my-prop", "my_prop", "my prop", "My-Prop"])
@example(["class", "class_", "Class", "CLASS"])
@example(["", "_", "__", "-", "!"])
@example(["client", "timeout", "on_update", "cancel_on_timeout"])
@example(["model_dump", "model_config", "model_validate_json", "schema", "json"])
def test_field_names_are_identifiers_injective_and_order_independent(names: list[str]) -> None:
    try:
        mapping, renamed = naming.field_names(names)
    except naming.NamingError:
        return  # reported as a diagnostic; see test_hash_collisions_are_reported
    assert set(mapping) == set(names)
    for name in mapping.values():
        assert_usable_field_name(name)
    assert len(set(mapping.values())) == len(mapping)
    for order in (list(reversed(names)), sorted(names), sorted(names, key=hash)):
        again, renamed_again = naming.field_names(order)
        assert again == mapping
        assert sorted(map(repr, renamed_again)) == sorted(map(repr, renamed))
    for r in renamed:
        assert mapping[r.wire_name] == r.python_name
        assert r.collides_with


@HYPOTHESIS
@given(NAMES, st.lists(NAMES, max_size=6))
def test_a_name_without_collisions_is_a_function_of_its_value(name: str, others: list[str]) -> None:
    """Adding unrelated properties never renames an existing one."""
    base = naming.field_base_name(name)
    unrelated = [o for o in others if naming.field_base_name(o) != base]
    try:
        mapping, _ = naming.field_names([name, *unrelated])
    except naming.NamingError:
        return
    assert mapping[name] == base


def test_hash_collisions_are_reported() -> None:
    hashed = f"my_prop_{naming.short_hash('my-prop')}"
    with pytest.raises(naming.NamingError):
        naming.field_names(["my-prop", "my_prop", hashed])


@pytest.mark.parametrize(
    ("wire", "python"),
    [
        ("class", "class_"),
        ("match", "match_"),
        ("list", "list_"),
        ("client", "client_"),
        ("timeout", "timeout_"),
        ("model_config", "model_config_"),
        ("model_dump", "field_model_dump"),
        ("1st", "n_1st"),
        ("größe", "grosse"),
        ("my-prop", "my_prop"),
        ("__init__", "init"),
    ],
)
def test_field_base_names(wire: str, python: str) -> None:
    assert naming.field_base_name(wire) == python


_ID_CHARACTERS = st.characters(
    exclude_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs"), exclude_characters="/?#%\\"
)
MODEL_IDS = (
    st.lists(st.text(_ID_CHARACTERS, min_size=1, max_size=10), min_size=2, max_size=6)
    .map("/".join)
    .filter(lambda model_id: not naming.model_id_problem(model_id))
)


@HYPOTHESIS
@given(MODEL_IDS)
@example("import/class/def")
@example("0/1080p")
@example("a/b.c/d-e/f_g/h")
def test_module_parts_are_identifiers(model_id: str) -> None:
    parts = naming.module_parts(model_id)
    assert len(parts) == len(model_id.split("/"))
    for part in parts:
        assert part.isidentifier(), part
        assert part.isascii() and part == part.lower(), part
        assert not keyword.iskeyword(part) and not keyword.issoftkeyword(part), part
    prefix = naming.class_prefix(model_id)
    assert prefix.isidentifier() and prefix[0].isupper(), prefix


@HYPOTHESIS
@given(st.text(st.characters(), max_size=12))
def test_module_segment_of_any_text_is_an_identifier(segment: str) -> None:
    name = naming.module_segment(segment)
    assert name.isidentifier() and not keyword.iskeyword(name), name


@HYPOTHESIS
@given(st.dictionaries(NAMES, NAMES, max_size=8))
def test_cli_options_are_distinct(python_names: dict[str, str]) -> None:
    options = naming.cli_options(python_names)
    assert set(options) == set(python_names)
    assert len(set(options.values())) == len(options)
    for option in options.values():
        assert option not in naming.RESERVED_CLI_OPTIONS
        assert not option.startswith("no-")


# ---------------------------------------------------------------- escaping


def _unescaped(ch: str) -> bool:
    """Characters that ``escape.docstring`` writes as they are (so ``rstrip`` can drop them)."""
    category = unicodedata.category(ch)
    return ch != "\\" and category not in ("Cc", "Cs", "Cf", "Zl", "Zp", "Co", "Cn")


def expected_docstring_value(text: str, indent: str) -> str:
    """What the literal evaluates to: ``text.strip()``, with the trailing whitespace that is not
    escaped removed from each line, and continuation lines indented by ``indent``."""
    lines = []
    for line in text.strip().split("\n"):
        end = len(line)
        while end and line[end - 1].isspace() and _unescaped(line[end - 1]):
            end -= 1
        lines.append(line[:end])
    if len(lines) == 1:
        return lines[0]
    rest = "\n".join(indent + line if line else "" for line in lines[1:])
    return f"{lines[0]}\n{rest}\n{indent}"


def _evaluate(source: str) -> Any:
    return ast.literal_eval(source)


@HYPOTHESIS
@given(TEXT, st.sampled_from(["", "    "]))
def test_docstring_round_trips(text: str, indent: str) -> None:
    source = escape.docstring(text, indent=indent)
    assert isinstance(source, escape.Source)
    assert source.startswith('"""') and source.endswith('"""')
    assert _evaluate(source) == expected_docstring_value(text, indent)
    # As the body of a function it is a docstring and nothing else.
    module = ast.parse(f"def f():\n    {source}\n")
    function = module.body[0]
    assert isinstance(function, ast.FunctionDef) and len(function.body) == 1


@pytest.mark.parametrize("text", EXAMPLES)
def test_docstring_examples(text: str) -> None:
    assert _evaluate(escape.docstring(text)) == expected_docstring_value(text, "")


def test_docstring_keeps_ordinary_prose_readable() -> None:
    text = 'Aspect ratio "W:H" of the image.\nSee the docs.'
    assert escape.docstring(text) == '"""Aspect ratio "W:H" of the image.\nSee the docs.\n"""'


@HYPOTHESIS
@given(JSON_VALUES)
@example('"""')
@example("\\")
@example("\ud800")
@example({"'''": ["\x00", -0.0, 1e308, 2**80]})
def test_py_literal_round_trips(value: Any) -> None:
    source = escape.py_literal(value)
    assert isinstance(source, escape.Source)
    assert "\n" not in source
    result = _evaluate(source)
    assert result == value
    assert repr(result) == repr(value)  # same types too (1 vs 1.0, -0.0, True vs 1)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf")])
def test_py_literal_refuses_non_finite_numbers(value: float) -> None:
    with pytest.raises(ValueError, match="NaN"):
        escape.py_literal(value)


def test_py_literal_refuses_non_json_values() -> None:
    with pytest.raises(TypeError):
        escape.py_literal(object())


@HYPOTHESIS
@given(TEXT)
def test_comment_stays_on_one_line(text: str) -> None:
    source = f"x = 1  {escape.comment(text)}\ny = 2\n"
    module = ast.parse(source)
    assert [type(n) for n in module.body] == [ast.Assign, ast.Assign]
    assert len(source.splitlines()) == 2


@HYPOTHESIS
@given(TEXT)
def test_markdown_escapes_cannot_break_the_line_or_the_span(text: str) -> None:
    code = escape.md_code(text)
    flat = escape.md_text(text)
    for rendered in (code, flat):
        assert len(rendered.splitlines()) <= 1
    fence = code[: len(code) - len(code.lstrip("`"))]
    inner = code[len(fence) : len(code) - len(fence)]
    assert fence not in inner  # the fence is longer than any backtick run inside


@HYPOTHESIS
@given(TEXT)
def test_identifier_accepts_only_identifiers(text: str) -> None:
    if text.isidentifier():
        assert escape.identifier(text) == text
    else:
        with pytest.raises(ValueError):
            escape.identifier(text)


# ---------------------------------------------------------------- names that must not shadow


def test_every_pydantic_model_attribute_is_reserved() -> None:
    """The model generator renames a field that shadows an attribute of ``BaseModel`` (or of its
    metaclass, such as ``register`` and ``mro``); ours must get there first."""
    from datamodel_code_generator.model.field_name import PYDANTIC_BASE_MODEL_ATTRIBUTES

    for name in sorted(PYDANTIC_BASE_MODEL_ATTRIBUTES):
        if name.isidentifier() and not name.startswith("_"):
            assert naming.field_base_name(name) != name, name


@pytest.mark.parametrize(("wire", "python"), [("register", "register_"), ("mro", "mro_")])
def test_register_and_mro_get_an_underscore(wire: str, python: str) -> None:
    assert naming.field_base_name(wire) == python


@pytest.mark.parametrize(
    ("model_id", "parts"),
    [
        (
            "kling/kling-video-o3/4K/text-to-video",
            ("kling", "kling_video_o3", "n_4k", "text_to_video"),
        ),
        ("Owner/Model", ("owner", "model")),
        ("get-model/x", ("get_model_", "x")),
        ("list-models/run", ("list_models_", "run_")),
        ("a/b/submit-async", ("a", "b", "submit_async_")),
        ("run/a", ("run", "a")),
    ],
)
def test_module_parts_of_real_and_shadowing_ids(model_id: str, parts: tuple[str, ...]) -> None:
    assert naming.module_parts(model_id) == parts


def test_ids_differing_only_in_case_get_modules_of_their_own() -> None:
    """Their plain names are the same; ``module_paths`` tells them apart."""
    assert naming.module_parts("a/4K/x") == naming.module_parts("a/4k/x")
    paths = naming.module_paths(["a/4K/x", "a/4k/x"])
    assert paths["a/4k/x"] == ("a", "n_4k", "x")
    assert paths["a/4K/x"] == ("a", f"n_4k_{naming.short_hash('4K')}", "x")


def _public_lowercase_bindings(path: Path) -> set[str]:
    module = ast.parse(path.read_text(encoding="utf-8"))
    return {n for n in module_level_bindings(module) if n.islower() and not n.startswith("_")}


def test_package_names_are_reserved_for_first_segments() -> None:
    """Importing ``runcomfy_models.<name>`` binds ``<name>`` on the package: no model may take a
    name the package defines or exports."""
    import runcomfy_models._runtime as runtime

    names = _public_lowercase_bindings(GENERATED / PACKAGE / "__init__.py")
    names |= {n for n in runtime.__all__ if n.islower()}
    names -= {"annotations"}  # a keyword-like name of every module, reserved everywhere
    assert names <= naming.PACKAGE_API
    for name in names:
        assert naming.module_parts(f"{name}/x")[0] != name


def test_model_function_names_are_reserved_below_the_first_segment() -> None:
    module = GENERATED / PACKAGE / "ideogram" / "ideogram_v3" / "reframe.py"
    names = _public_lowercase_bindings(module) - {"annotations"}
    assert names == naming.MODEL_MODULE_API
    for name in names:
        assert naming.module_parts(f"a/{name}")[1] != name
