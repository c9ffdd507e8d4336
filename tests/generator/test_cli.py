"""``runcomfy-codegen validate`` and ``generate`` options: --strict, --templates, --model."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from runcomfy_codegen.pipeline.record import RECORD_FILE
from runcomfy_codegen.pipeline.write import compare

from .support import SCHEMAS, SEED_MODEL, TEMPLATES, all_files, run_cli, tree

DIAGNOSTIC = re.compile(
    r"^(?P<file>[^#:]+)(?:#(?P<pointer>/[^:]*))?: (?P<level>error|warning|info): .+$"
)
COUNT = re.compile(r"^\d+ error\(s\), \d+ warning\(s\)$")
REFRAME = "ideogram/ideogram-v3/reframe"
FLUX = "blackforestlabs/flux-3/text-to-video"


def write_entry(root: Path, model_id: str, entry: object) -> Path:
    path = root / f"{model_id}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(entry), encoding="utf-8")
    return path


def entry(model_id: str, **prop: object) -> dict[str, object]:
    return {
        "model_id": model_id,
        "source": "test",
        "input_schema": {"type": "object", "properties": {"p": {"type": "string", **prop}}},
    }


def diagnostic_lines(stderr: str) -> list[re.Match[str]]:
    lines = stderr.splitlines()
    assert lines and COUNT.match(lines[-1]), stderr
    matches = [DIAGNOSTIC.match(line) for line in lines[:-1]]
    assert all(matches), stderr
    return [m for m in matches if m is not None]


def errors(stderr: str) -> list[re.Match[str]]:
    """The error lines (the real catalog adds dialect warnings of its own)."""
    return [m for m in diagnostic_lines(stderr) if m["level"] == "error"]


# ---------------------------------------------------------------- validate


def test_validate_the_catalog() -> None:
    result = run_cli("validate", SCHEMAS)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == f"{len(list(SCHEMAS.rglob('*.json')))} schema(s) valid"
    # The real catalog speaks RunComfy's dialect (type float, default null): warnings only.
    assert all(m["level"] == "warning" for m in diagnostic_lines(result.stderr)), result.stderr


def test_validate_one_file() -> None:
    result = run_cli("validate", SCHEMAS / f"{SEED_MODEL}.json")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == "1 schema(s) valid"


def test_validate_reports_every_problem_one_line_each(tmp_path: Path) -> None:
    root = tmp_path / "schemas"
    (root / "a").mkdir(parents=True)
    (root / "a" / "broken.json").write_text('{"model_id": "a/broken",\n  oops}', encoding="utf-8")
    write_entry(root, "a/wrong-place", entry("a/elsewhere"))
    write_entry(root, "a/warns", entry("a/warns", format="mesh_uri"))
    write_entry(root, "a/good", entry("a/good"))
    result = run_cli("validate", root)
    assert result.exit_code == 1
    found = {(m["file"], m["pointer"] or "", m["level"]) for m in diagnostic_lines(result.stderr)}
    assert found == {
        ("schemas/a/broken.json", "", "error"),
        ("schemas/a/wrong-place.json", "/model_id", "error"),
        ("schemas/a/warns.json", "/input_schema/properties/p/format", "warning"),
    }
    assert result.stderr.splitlines()[-1] == "2 error(s), 1 warning(s)"
    assert "line 2, column 3" in result.stderr
    assert "schema(s) valid" not in result.stdout


def test_validate_several_paths(tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    write_entry(bad, "x/y", entry("x/y", type="strnig"))
    result = run_cli("validate", SCHEMAS, bad)
    assert result.exit_code == 1
    [line] = errors(result.stderr)
    assert line["file"] == "bad/x/y.json"
    assert line["pointer"] == "/input_schema/properties/p/type"


def test_validate_a_missing_folder(tmp_path: Path) -> None:
    result = run_cli("validate", tmp_path / "nowhere")
    assert result.exit_code == 1
    [line] = diagnostic_lines(result.stderr)
    assert "no such file or folder" in line.group(0)


def test_validate_strict_turns_warnings_into_errors(tmp_path: Path) -> None:
    root = tmp_path / "schemas"
    write_entry(root, "a/b", entry("a/b", **{"x-widget": "textarea"}))
    relaxed = run_cli("validate", root)
    assert relaxed.exit_code == 0
    assert "warning: unknown keyword 'x-widget'" in relaxed.stderr
    strict = run_cli("validate", "--strict", root)
    assert strict.exit_code == 1
    assert "error: unknown keyword 'x-widget'" in strict.stderr


# ---------------------------------------------------------------- generate --strict


def test_generate_strict_turns_a_warning_into_an_error(
    schemas_copy: Path, tree_copy: Path, tmp_path: Path
) -> None:
    path = schemas_copy / f"{REFRAME}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["input_schema"]["properties"]["seed"]["type"] = "float"
    path.write_text(json.dumps(data), encoding="utf-8")
    before = all_files(tree_copy)

    strict = run_cli("generate", "--strict", "--schemas", schemas_copy, "--out", tree_copy)
    assert strict.exit_code == 1
    pointer = "/input_schema/properties/seed/type"
    assert f"schemas/{REFRAME}.json#{pointer}: error: type 'float'" in strict.stderr
    assert "nothing written" in strict.stderr
    assert all_files(tree_copy) == before

    relaxed = run_cli("generate", "--schemas", schemas_copy, "--out", tree_copy)
    assert relaxed.exit_code == 0, relaxed.stderr
    assert f"#{pointer}: warning: type 'float'" in relaxed.stderr
    assert tree(tree_copy)[_module(REFRAME)] != before[_module(REFRAME)]


# ---------------------------------------------------------------- generate --templates


def test_templates_override_one_template_by_file_name(fresh_tree: Path, tmp_path: Path) -> None:
    overrides = tmp_path / "overrides"
    overrides.mkdir()
    page = (TEMPLATES / "model.md.jinja").read_text(encoding="utf-8")
    marker = "This page comes from an override template."
    (overrides / "model.md.jinja").write_text(page + "\n" + marker + "\n", encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli("generate", "--schemas", SCHEMAS, "--out", out, "--templates", overrides)
    assert result.exit_code == 0, result.stderr

    fresh, overridden = tree(fresh_tree), tree(out)
    changed = compare(fresh, overridden)
    docs = sorted(p for p in fresh if p.startswith("docs/") and p != "docs/README.md")
    # The record names the templates in use.
    assert changed.changed == sorted([*docs, RECORD_FILE])
    assert not changed.added and not changed.removed
    for path in docs:
        text = overridden[path].decode("utf-8")
        assert text.rstrip("\n").endswith(marker)
        assert text.replace(marker, "").rstrip("\n") == fresh[path].decode("utf-8").rstrip("\n")


BROKEN_TEMPLATES = {
    "unescaped value": ("namespace_init.py.jinja", 'X = {{ "raw text" }}', "unescaped str"),
    "unescaped value in a model": ("model.py.jinja", 'X = {{ "raw" }}', "unescaped str"),
    "template syntax": ("namespace_init.py.jinja", "{{ header }", "line 2"),
    "unknown name": ("namespace_init.py.jinja", "{{ no_such_value }}", "'no_such_value'"),
    "invalid Python": ("namespace_init.py.jinja", "def (:", "Failed to parse"),
}


@pytest.mark.parametrize("broken", sorted(BROKEN_TEMPLATES))
def test_a_broken_override_template_is_a_diagnostic(
    broken: str, tree_copy: Path, tmp_path: Path
) -> None:
    """Override templates get the same guard as the packaged ones (raw strings are refused),
    and any failure is reported as an error: no traceback, nothing written."""
    name, body, message = BROKEN_TEMPLATES[broken]
    overrides = tmp_path / "overrides"
    overrides.mkdir()
    (overrides / name).write_text(f"{{{{ header }}}}\n{body}\n", encoding="utf-8")
    before = all_files(tree_copy)
    result = run_cli("generate", "--schemas", SCHEMAS, "--out", tree_copy, "--templates", overrides)
    assert result.exit_code == 1
    [line] = errors(result.stderr.replace(f"nothing written: {tree_copy}/ is unchanged\n", ""))
    assert (line["file"], line["level"]) == (overrides.as_posix(), "error")
    assert message in line.group(0)
    assert all_files(tree_copy) == before
    fresh = tmp_path / "fresh"
    result = run_cli("generate", "--schemas", SCHEMAS, "--out", fresh, "--templates", overrides)
    assert result.exit_code == 1
    assert not fresh.exists()


def test_templates_folder_must_exist(tmp_path: Path) -> None:
    result = run_cli(
        "generate", "--schemas", SCHEMAS, "--out", tmp_path / "o", "--templates", tmp_path / "no"
    )
    assert result.exit_code == 2
    assert not (tmp_path / "o").exists()


# ---------------------------------------------------------------- generate --model


def _module(model_id: str) -> str:
    return {
        REFRAME: "runcomfy_models/ideogram/ideogram_v3/reframe.py",
        FLUX: "runcomfy_models/blackforestlabs/flux_3/text_to_video/__init__.py",
    }[model_id]


def test_model_regenerates_only_that_model(schemas_copy: Path, tree_copy: Path) -> None:
    for model_id in (REFRAME, FLUX):
        path = schemas_copy / f"{model_id}.json"
        data = json.loads(path.read_text(encoding="utf-8"))
        data["display_name"] = f"Renamed {model_id}"
        path.write_text(json.dumps(data), encoding="utf-8")
    before = tree(tree_copy)

    result = run_cli("generate", "--schemas", schemas_copy, "--out", tree_copy, "--model", REFRAME)
    assert result.exit_code == 0, result.stderr
    after = tree(tree_copy)
    changed = set(compare(before, after).changed)
    assert _module(REFRAME) in changed
    assert f"docs/{REFRAME}.md" in changed
    assert f"Renamed {REFRAME}".encode() in after[_module(REFRAME)]
    # The other model keeps its files even though its schema changed too (package __init__
    # files carry the digest of the whole schema set, so they change with any schema).
    flux_files = [
        _module(FLUX),
        "runcomfy_models/_commands/blackforestlabs/flux_3/text_to_video/__init__.py",
        "runcomfy_models/_types/blackforestlabs/flux_3/text_to_video/__init__.py",
        f"docs/{FLUX}.md",
    ]
    assert all(after[p] == before[p] for p in flux_files)
    assert not compare(before, after).added and not compare(before, after).removed

    # A full generation then picks up the other model as well.
    result = run_cli("generate", "--schemas", schemas_copy, "--out", tree_copy)
    assert result.exit_code == 0, result.stderr
    assert f"Renamed {FLUX}".encode() in tree(tree_copy)[_module(FLUX)]


def test_model_with_an_unknown_id_fails(tree_copy: Path) -> None:
    before = all_files(tree_copy)
    result = run_cli(
        "generate", "--schemas", SCHEMAS, "--out", tree_copy, "--model", "nobody/nothing"
    )
    assert result.exit_code == 1
    assert "'nobody/nothing'" in result.stderr
    assert all_files(tree_copy) == before


def test_model_into_an_empty_folder_generates_everything(fresh_tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_cli("generate", "--schemas", SCHEMAS, "--out", out, "--model", REFRAME)
    assert result.exit_code == 0, result.stderr
    assert tree(out) == tree(fresh_tree)


def test_generate_into_a_fresh_folder_then_check(tmp_path: Path) -> None:
    shutil.copytree(SCHEMAS, tmp_path / "schemas")
    out = tmp_path / "out"
    first = run_cli("generate", "--schemas", tmp_path / "schemas", "--out", out)
    assert first.exit_code == 0, first.stderr
    assert re.search(r"\d+ models -> .*: \d+ added, 0 changed, 0 removed", first.stdout)
    again = run_cli("generate", "--schemas", tmp_path / "schemas", "--out", out)
    assert again.exit_code == 0
    assert "0 added, 0 changed, 0 removed" in again.stdout
    check = run_cli("generate", "--check", "--schemas", tmp_path / "schemas", "--out", out)
    assert check.exit_code == 0, check.stderr


def test_version() -> None:
    result = run_cli("--version")
    assert result.exit_code == 0
    assert result.stdout.startswith("runcomfy-codegen, version ")


# ---------------------------------------------------------------- output folder


def test_generate_refuses_a_folder_it_did_not_generate(tmp_path: Path) -> None:
    out = tmp_path / "project"
    (out / "src").mkdir(parents=True)
    (out / "src" / "app.py").write_text("print('mine')\n")
    (out / "NOTES.txt").write_text("mine\n")
    before = all_files(out)
    result = run_cli("generate", "--schemas", SCHEMAS, "--out", out)
    assert result.exit_code == 1
    assert "did not generate (such as NOTES.txt)" in result.stderr
    assert "nothing written" in result.stderr
    assert all_files(out) == before


def test_generate_under_a_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    result = run_cli("generate", "--schemas", SCHEMAS, "--out", tmp_path / "file" / "out")
    assert result.exit_code == 1
    assert "cannot write" in result.stderr
    assert (tmp_path / "file").read_text() == "x"


@pytest.mark.parametrize("target", ["folder", "file"])
def test_generate_never_writes_through_a_symbolic_link(
    tree_copy: Path, tmp_path: Path, target: str
) -> None:
    """``docs -> ../outside`` inside --out: refused, nothing written here or there."""
    outside = tmp_path / "outside"
    if target == "folder":
        shutil.copytree(tree_copy / "docs", outside)
        shutil.rmtree(tree_copy / "docs")
        (tree_copy / "docs").symlink_to(Path("..") / "outside", target_is_directory=True)
        link = "docs"
    else:
        outside.mkdir()
        page = tree_copy / "docs" / f"{REFRAME}.md"
        (outside / "page.md").write_bytes(page.read_bytes())
        page.unlink()
        page.symlink_to(outside / "page.md")
        link = f"docs/{REFRAME}.md"
    # A schema change that rewrites every page.
    schemas = tmp_path / "schemas"
    shutil.copytree(SCHEMAS, schemas)
    data = json.loads((schemas / f"{REFRAME}.json").read_text(encoding="utf-8"))
    data["display_name"] = "Renamed"
    write_entry(schemas, REFRAME, data)
    before, before_outside = all_files(tree_copy), all_files(outside)
    result = run_cli("generate", "--schemas", schemas, "--out", tree_copy)
    assert result.exit_code == 1
    assert f"{link} is a symbolic link" in result.stderr
    assert "nothing written" in result.stderr
    assert all_files(tree_copy) == before
    assert all_files(outside) == before_outside


def test_a_raw_catalog_entry_generates_with_its_catalog_keys(tmp_path: Path) -> None:
    """An entry as ``GET /v1/models/{id}`` returns it: no ``source``, every catalog key and one
    we have not seen (an info line, not a warning: ``--strict`` still generates)."""
    model_id = "kling/kling-video-o3/4K/text-to-video"
    raw = {
        "model_id": model_id,
        "display_name": "Kling O3 4K Text to Video",
        "categories": ["video", "text-to-video"],
        "kind": "video",
        "base_price_usd": 0.42,
        "price_unit": "second",
        "input_schema": {
            "type": "object",
            "properties": {"prompt": {"type": "string"}, "duration": {"enum": [5, 10]}},
            "required": ["prompt"],
        },
        "output_schema": {"type": "object", "properties": {"video": {"type": "string"}}},
        "limitations": ["No multi-shot prompts."],
        "omitted_inputs": ["multi_prompt"],
        "note": "As published.",
        "featured": True,
    }
    schemas = tmp_path / "schemas"
    write_entry(schemas, model_id, raw)
    out = tmp_path / "out"
    result = run_cli("generate", "--strict", "--schemas", schemas, "--out", out)
    assert result.exit_code == 0, result.stderr
    assert (
        f"schemas/{model_id}.json#/featured: info: entry key 'featured' is not used"
        in result.stderr
    )
    page = (out / "docs" / f"{model_id}.md").read_text(encoding="utf-8")
    assert page.startswith("<!-- ") and "# Kling O3 4K Text to Video\n" in page
    # Plain text: nothing here that Markdown would read as markup.
    assert "Categories: video, text-to-video\n" in page
    assert "Limitation: No multi-shot prompts.\n" in page
    assert "`multi_prompt`" in page
    assert "Source:" not in page
    module = out / "runcomfy_models" / "kling" / "kling_video_o3" / "n_4k" / "text_to_video.py"
    assert f'MODEL_ID: Final = "{model_id}"' in module.read_text(encoding="utf-8")
    catalog = json.loads((out / "runcomfy_models" / "_catalog.json").read_text(encoding="utf-8"))
    assert catalog["models"][0]["categories"] == ["video", "text-to-video"]

    from runcomfy_codegen.pipeline.build import analyse

    (spec,) = analyse(schemas).specs
    assert (spec.display_name, spec.categories, spec.kind) == (
        "Kling O3 4K Text to Video",
        ("video", "text-to-video"),
        "video",
    )
    assert (spec.base_price_usd, spec.price_unit) == (0.42, "second")
    assert (spec.limitations, spec.omitted_inputs, spec.note, spec.source) == (
        ("No multi-shot prompts.",),
        ("multi_prompt",),
        "As published.",
        "",
    )


@pytest.mark.parametrize("cache", [[], ["--no-cache"]])
def test_a_template_that_is_not_utf8_is_a_diagnostic(
    tree_copy: Path, tmp_path: Path, cache: list[str]
) -> None:
    overrides = tmp_path / "overrides"
    overrides.mkdir()
    (overrides / "model.py.jinja").write_bytes(b"{{ header }}\n\xff\xfe\n")
    before = all_files(tree_copy)
    result = run_cli(
        "generate", "--schemas", SCHEMAS, "--out", tree_copy, "--templates", overrides, *cache
    )
    assert result.exit_code == 1
    assert "model.py.jinja: cannot read the template" in result.stderr
    assert all_files(tree_copy) == before
