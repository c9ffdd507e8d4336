"""Prices in the generated package: PRICE on the module, the catalog, the reference page,
the registry; 'unknown' for every shipped schema (none carries a price)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest
from runcomfy_codegen.pipeline import price as generator_price
from runcomfy_codegen.pipeline.build import analyse
from runcomfy_models._runtime import pricing
from runcomfy_models._runtime.cli.registry import all_models
from runcomfy_models._runtime.pricing import Price

from .support import SCHEMAS, run_cli

ROOT = Path(__file__).resolve().parents[2]


def _entry(model_id: str, price: dict[str, Any], **props: Any) -> dict[str, Any]:
    return {
        "model_id": model_id,
        **price,
        "input_schema": {
            "type": "object",
            "properties": {"prompt": {"type": "string"}, **props},
            "required": ["prompt"],
        },
    }


PRICED = {
    "acme/images/per-output": _entry(
        "acme/images/per-output",
        {"base_price_usd": 0.03, "price_unit": "output"},
        num_images={"type": "integer", "minimum": 1, "maximum": 4, "default": 2},
    ),
    "acme/video/per-second": _entry(
        "acme/video/per-second",
        {"base_price_usd": 0.125, "price_unit": "second"},
        duration={"type": "string", "enum": ["auto", "5", "10"], "default": "5"},
    ),
    "acme/video/unpriced": _entry(
        "acme/video/unpriced", {}, duration={"type": "integer", "default": 5}
    ),
    "acme/video/no-duration": _entry(
        "acme/video/no-duration", {"base_price_usd": 0.2, "price_unit": "second"}
    ),
}


@pytest.fixture(scope="module")
def priced_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("priced")
    for model_id, entry in PRICED.items():
        path = root / "schemas" / f"{model_id}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(entry), encoding="utf-8")
    result = run_cli("generate", "--schemas", root / "schemas", "--out", root / "out")
    assert result.exit_code == 0, result.stderr
    return root / "out"


def _module_price(out: Path, relative: str) -> Price:
    spec = importlib.util.spec_from_file_location(
        "priced_" + relative.replace("/", "_"), out / "runcomfy_models" / relative
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert "PRICE" in module.__all__
    price = module.PRICE
    assert isinstance(price, Price)
    return price


def test_price_on_the_module_follows_the_catalog_entry(priced_package: Path) -> None:
    per_output = _module_price(priced_package, "acme/images/per_output.py")
    assert per_output == Price(0.03, "output", count_input="num_images", count_default=2)
    assert str(per_output) == "$0.03 per output"
    assert per_output.estimate({}) == 0.06
    assert per_output.estimate({"num_images": 4}) == 0.12
    per_second = _module_price(priced_package, "acme/video/per_second.py")
    assert per_second.estimate({"duration": "10"}) == 1.25
    assert per_second.estimate({}) == 0.625
    assert per_second.estimate({"duration": "auto"}) is None
    unpriced = _module_price(priced_package, "acme/video/unpriced.py")
    assert not unpriced.known and str(unpriced) == "unknown"
    assert unpriced.estimate({"duration": 5}) is None
    assert _module_price(priced_package, "acme/video/no_duration.py").estimate({}) is None


def test_catalog_and_pages_carry_the_price_or_say_unknown(priced_package: Path) -> None:
    catalog = json.loads(
        (priced_package / "runcomfy_models" / "_catalog.json").read_text(encoding="utf-8")
    )
    by_id = {entry["model_id"]: entry for entry in catalog["models"]}
    assert (
        by_id["acme/images/per-output"]["base_price_usd"],
        by_id["acme/images/per-output"]["price_unit"],
    ) == (0.03, "output")
    assert "base_price_usd" not in by_id["acme/video/unpriced"]
    docs = priced_package / "docs" / "acme"
    assert "Price: $0.03 per output (a job costs that times its num_images)" in (
        docs / "images" / "per-output.md"
    ).read_text(encoding="utf-8")
    assert "Price: unknown (the catalog entry has no price)" in (
        docs / "video" / "unpriced.md"
    ).read_text(encoding="utf-8")
    registry = (priced_package / "runcomfy_models" / "_registry.py").read_text(encoding="utf-8")
    assert (
        'Price(usd=0.125, unit="second", duration_input="duration", duration_default="5")'
        in registry
    )


def test_generator_sentence_matches_the_runtime(priced_package: Path) -> None:
    """The reference page and ``run --help`` describe a price in the same words."""
    specs = analyse(priced_package.parent / "schemas").specs
    for spec in specs:
        namespace = {"Price": Price}
        price = eval(str(generator_price.price_source(spec)), namespace)
        assert generator_price.price_line(spec) == price.describe()
        assert generator_price.price_text(spec) == str(price)


def test_the_scaling_inputs_are_one_rule() -> None:
    assert generator_price.COUNT_INPUTS == pricing.COUNT_INPUTS
    assert generator_price.DURATION_INPUTS == pricing.DURATION_INPUTS
    assert generator_price.PRICE_UNITS == pricing.PRICE_UNITS


def test_every_shipped_model_has_an_unknown_price() -> None:
    """No shipped schema carries a price: unknown everywhere, never 0."""
    for path in SCHEMAS.rglob("*.json"):
        assert "base_price_usd" not in json.loads(path.read_text(encoding="utf-8"))
    models = all_models()
    assert len(models) == len(list(SCHEMAS.rglob("*.json")))
    assert all(not info.price.known and str(info.price) == "unknown" for info in models.values())
    catalog = (ROOT / "generated" / "runcomfy_models" / "_catalog.json").read_text("utf-8")
    assert "base_price_usd" not in catalog
