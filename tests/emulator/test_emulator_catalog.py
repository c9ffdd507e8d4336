"""The catalog routes and loading a catalog."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from runcomfy_models._runtime.emulator import CatalogNotFoundError, load_catalog
from runcomfy_models._runtime.emulator import catalog as catalog_module
from runcomfy_models._runtime.emulator.catalog import GENERIC_OUTPUT_SCHEMA

from .support import CATALOG, EDIT, GALLERY, REFRAME, VIDEO

ALL_IDS = sorted(entry["model_id"] for entry in CATALOG)


def test_get_one_model_with_its_schemas(client: httpx.Client) -> None:
    response = client.get(f"/v1/models/{REFRAME}")

    assert response.status_code == 200
    entry = response.json()
    assert entry["model_id"] == REFRAME
    assert entry["display_name"] == "Ideogram V3 Reframe"
    assert entry["categories"] == ["image-to-image"]
    assert entry["input_schema"] == CATALOG[0]["input_schema"]
    assert entry["output_schema"] == GENERIC_OUTPUT_SCHEMA


def test_published_file_shape_is_normalised(client: httpx.Client) -> None:
    entry = client.get(f"/v1/models/{VIDEO}").json()

    assert "input" not in entry
    assert "output" not in entry
    assert entry["input_schema"]["required"] == ["prompt", "image_url"]
    assert entry["output_schema"] == GENERIC_OUTPUT_SCHEMA
    assert entry["display_name"] == VIDEO


def test_get_unknown_model_is_400001(client: httpx.Client) -> None:
    response = client.get("/v1/models/acme/nothing")

    assert response.status_code == 400
    assert response.json()["error_code"] == 400001


def test_list_is_sorted_and_leaves_schemas_out_unless_asked(client: httpx.Client) -> None:
    plain = client.get("/v1/models").json()
    assert plain["total"] == len(CATALOG)
    assert [entry["model_id"] for entry in plain["models"]] == ALL_IDS
    assert all("input_schema" not in entry for entry in plain["models"])

    full = client.get("/v1/models", params={"include_schema": "true"}).json()
    assert all("input_schema" in entry for entry in full["models"])


def test_list_pages_with_limit_and_offset(client: httpx.Client) -> None:
    page = client.get("/v1/models", params={"limit": 2, "offset": 1}).json()

    assert page["total"] == len(CATALOG)
    assert [entry["model_id"] for entry in page["models"]] == ALL_IDS[1:3]
    beyond = client.get("/v1/models", params={"offset": 10}).json()
    assert beyond == {"models": [], "total": len(CATALOG)}


def test_list_filters_by_category_and_search(client: httpx.Client) -> None:
    by_category = client.get("/v1/models", params={"category": "Image-to-Image"}).json()
    assert [entry["model_id"] for entry in by_category["models"]] == [EDIT, REFRAME]
    assert by_category["total"] == 2

    by_name = client.get("/v1/models", params={"search": "gallery"}).json()
    assert [entry["model_id"] for entry in by_name["models"]] == [GALLERY]

    both = client.get("/v1/models", params={"category": "image-to-image", "search": "SEEDREAM"})
    assert [entry["model_id"] for entry in both.json()["models"]] == [EDIT]


@pytest.mark.parametrize("params", [{"limit": "0"}, {"limit": "many"}, {"offset": "-1"}])
def test_bad_paging_is_400(client: httpx.Client, params: dict[str, str]) -> None:
    response = client.get("/v1/models", params=params)

    assert response.status_code == 400
    assert response.json()["error_code"] == 400000


def test_load_catalog_from_a_file(tmp_path: Path) -> None:
    wrapped = tmp_path / "wrapped.json"
    wrapped.write_text(json.dumps({"models": CATALOG}), encoding="utf-8")
    bare = tmp_path / "bare.json"
    bare.write_text(json.dumps(CATALOG), encoding="utf-8")

    assert load_catalog(wrapped) == CATALOG
    assert load_catalog(bare) == CATALOG
    with pytest.raises(CatalogNotFoundError, match=r"missing\.json"):
        load_catalog(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text('{"models": 3}', encoding="utf-8")
    with pytest.raises(ValueError, match="model entries"):
        load_catalog(broken)


def test_load_catalog_reads_the_package_resource(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "catalog_package_for_tests"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "_catalog.json").write_text(json.dumps({"models": CATALOG[:1]}), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(catalog_module, "CATALOG_PACKAGE", package.name)

    assert load_catalog() == CATALOG[:1]


def test_load_catalog_says_what_to_do_when_there_is_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "empty_package_for_tests"
    empty.mkdir()
    (empty / "__init__.py").write_text("", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))

    for name in (empty.name, "no_such_package_for_tests"):
        monkeypatch.setattr(catalog_module, "CATALOG_PACKAGE", name)
        with pytest.raises(CatalogNotFoundError, match="runcomfy-codegen generate"):
            load_catalog()


def test_duplicate_or_schemaless_entries_are_rejected() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        catalog_module.Catalog([CATALOG[0], CATALOG[0]])
    with pytest.raises(ValueError, match="no input schema"):
        catalog_module.Catalog([{"model_id": "a/b"}])
