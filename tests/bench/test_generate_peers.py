"""The peers' inputs (normalised schemas, the OpenAPI document, the input folder) and the
peer bench run without the network."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from .support import bench_module, run_script

peers = bench_module("peer_inputs")

TYPES = ["string", "number", "integer", "boolean", "array", "object", "null", "float", "int"]
JSON_SCHEMA_TYPES = {"string", "number", "integer", "boolean", "array", "object", "null"}
NAMES = st.sampled_from(["title", "type", "items", "prompt", "seed", "properties", "x"])


def _schemas() -> st.SearchStrategy[dict[str, Any]]:
    """Schemas of the catalog's shapes: titles, Python-ish type words, arrays with and without
    items, properties (some named like keywords), anyOf and additionalProperties."""
    leaf = st.fixed_dictionaries(
        {"type": st.sampled_from(TYPES)},
        optional={
            "title": st.text(max_size=5),
            "description": st.text(max_size=5),
            "default": st.integers() | st.text(max_size=3),
            "enum": st.lists(st.text(max_size=3), max_size=3),
        },
    )

    def nest(inner: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
        return st.fixed_dictionaries(
            {"type": st.sampled_from(TYPES) | st.lists(st.sampled_from(TYPES), max_size=2)},
            optional={
                "title": st.text(max_size=5),
                "properties": st.dictionaries(NAMES, inner, max_size=3),
                "items": inner,
                "anyOf": st.lists(inner, max_size=2),
                "additionalProperties": inner | st.booleans(),
            },
        )

    return st.recursive(leaf, nest, max_leaves=12)


def _subschemas(schema: Any) -> list[dict[str, Any]]:
    """Every schema object of ``schema`` (property maps walked by value, not by name)."""
    if not isinstance(schema, dict):
        return []
    found = [schema]
    for key in ("items", "additionalProperties"):
        found += _subschemas(schema.get(key))
    for sub in schema.get("anyOf", []):
        found += _subschemas(sub)
    for sub in schema.get("properties", {}).values():
        found += _subschemas(sub)
    return found


@given(_schemas())
def test_normalise_leaves_what_the_peers_accept(schema: dict[str, Any]) -> None:
    before = copy.deepcopy(schema)
    out = peers.normalise(schema)
    assert schema == before  # a copy: the corpus is untouched
    # The only new subschemas are the empty ``items`` given to arrays.
    kept = [sub for sub in _subschemas(out) if sub != {}]
    for sub, original in zip(kept, _subschemas(schema), strict=True):
        assert "title" not in sub
        kinds = sub["type"] if isinstance(sub["type"], list) else [sub["type"]]
        assert set(kinds) <= JSON_SCHEMA_TYPES
        if "array" in kinds:
            assert "items" in sub
        # Everything but the three fixes is kept: property names, enums, defaults, texts.
        assert set(sub.get("properties", {})) == set(original.get("properties", {}))
        for key in ("description", "default", "enum"):
            assert sub.get(key) == original.get(key)
    assert peers.normalise(out) == out


def test_normalise_keeps_a_property_named_title_and_adds_items() -> None:
    schema = {
        "type": "object",
        "title": "入力スキーマ",
        "properties": {
            "title": {"type": "string", "title": "Title"},
            "scale": {"type": "float", "minimum": 0.0},
            "refs": {"type": "array", "format": "image_uris"},
            "typed": {"type": "array", "items": {"type": "int"}},
        },
    }
    assert peers.normalise(schema) == {
        "type": "object",
        "properties": {
            "title": {"type": "string"},
            "scale": {"type": "number", "minimum": 0.0},
            "refs": {"type": "array", "format": "image_uris", "items": {}},
            "typed": {"type": "array", "items": {"type": "integer"}},
        },
    }


def _corpus(folder: Path, ids: list[str]) -> None:
    for i, model_id in enumerate(ids):
        entry: dict[str, Any] = {
            "model_id": model_id,
            "input_schema": {"type": "object", "title": "Input", "properties": {}},
        }
        if i % 2:
            entry["output_schema"] = {"type": "object", "properties": {"image": {"type": "string"}}}
        path = folder / f"{model_id}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(entry), encoding="utf-8")


def test_openapi_document_has_one_post_per_model_with_its_schemas(tmp_path: Path) -> None:
    ids = ["a/b-c", "a/b_c", "a/b-c/d", "9lives/x"]  # the first two give the same names
    _corpus(tmp_path, ids)
    api = tmp_path / "out" / "api.json"
    assert peers.write_openapi(tmp_path, api) == 4
    document = json.loads(api.read_text(encoding="utf-8"))
    assert document["openapi"].startswith("3.1")
    components = document["components"]["schemas"]
    assert set(document["paths"]) == {f"/v1/models/{i}" for i in ids}
    operations = [path["post"] for path in document["paths"].values()]
    assert len({op["operationId"] for op in operations}) == 4
    refs = set()
    for model_id in sorted(ids):
        op = document["paths"][f"/v1/models/{model_id}"]["post"]
        body = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        result = op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        refs |= {body, result}
        assert components[body.rsplit("/", 1)[1]] == {"type": "object", "properties": {}}
    assert len(refs) == 8 and {r.rsplit("/", 1)[1] for r in refs} == set(components)
    assert all(name[0].isalpha() for name in components)
    outputs = [components[r.rsplit("/", 1)[1]] for r in refs if r.endswith("Output")]
    assert outputs.count(peers.ANY_OUTPUT) == 2  # the models without an output schema


def test_input_folder_has_one_file_per_model(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    ids = ["a/b-c", "a/b_c", "a/b-c/d"]
    _corpus(corpus, ids)
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "stale.json").write_text("{}", encoding="utf-8")
    assert peers.write_input_folder(corpus, folder) == 3
    files = sorted(p.name for p in folder.iterdir())
    assert files == ["a__b_c.json", "a__b_c2.json", "a__b_c__d.json"]
    for path in folder.iterdir():
        assert json.loads(path.read_text(encoding="utf-8")) == {"type": "object", "properties": {}}


def _bench(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return run_script("bench_generate_peers.py", *args)


@pytest.mark.slow
def test_quick_run_without_the_peer_environment_skips_it_and_counts_the_rest(
    tmp_path: Path,
) -> None:
    out = tmp_path / "rows.json"
    proc = _bench("--quick", "--work", tmp_path, "--json", out)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "openapi-python-client: skipped" in proc.stdout
    assert not (tmp_path / "peer-openapi-python-client-0.29.1").exists()  # nothing installed
    rows = {r["figure"]: r for r in json.loads(out.read_text())}
    assert not any("openapi-python-client" in figure for figure in rows)
    for figure, size in [
        ("ours, {} models: models generated (catalog entries and pages)", 12),
        ("ours, {} models: models generated (catalog entries and pages)", 36),
        ("datamodel-codegen directory mode, {} models: modules generated", 12),
        ("datamodel-codegen directory mode, {} models: modules generated", 36),
    ]:
        row = rows[figure.format(size)]
        assert row["samples"] == [float(size)] and row["ok"] is True
    paired = rows["ours, 36 models: peak memory (baseline: datamodel-codegen)"]
    ratio = paired["samples"][0] / paired["baseline"]
    assert paired["ratio"] == pytest.approx(ratio) and paired["target"] == "<= 1x"
    assert paired["ok"] is None  # timings are not judged at tiny sizes
    linear = rows["linearity: ours, CPU per model at 36 / at 12 models (paired)"]
    assert linear["runs"] == 1 and linear["samples"][0] > 0


def test_a_peer_python_without_the_peer_is_refused(tmp_path: Path) -> None:
    proc = _bench("--quick", "--work", tmp_path, "--peer-python", sys.executable)
    assert proc.returncode != 0
    assert "no openapi-python-client next to it" in proc.stderr
