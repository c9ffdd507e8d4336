"""``runcomfy-codegen pull`` against the emulator's catalog over loopback HTTP."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from runcomfy_codegen.lifecycle.catalog_client import CatalogClient
from runcomfy_codegen.lifecycle.pull import prepare
from runcomfy_models._runtime.emulator import FaultRule

from .conftest import Serve
from .support import (
    ALPHA,
    BETA,
    DELTA,
    EPSILON,
    GAMMA,
    TOKEN,
    catalog,
    changed,
    clone,
    env,
    files,
    invoke,
    model,
    read,
)


def pull(base_url: str, schemas: Path, *args: str) -> list[str]:
    return ["pull", *args, "--base-url", base_url, "--schemas", str(schemas)]


def test_pull_one_model_writes_the_entry(serve: Serve, schemas: Path) -> None:
    emu = serve(catalog())
    result = invoke(pull(emu.base_url, schemas, ALPHA))
    assert result.exit_code == 0, result.output
    assert files(schemas) == [f"{ALPHA}.json"]
    path = schemas / f"{ALPHA}.json"
    text = path.read_text(encoding="utf-8")
    entry = json.loads(text)
    assert text == json.dumps(entry, indent=2, ensure_ascii=False) + "\n"
    assert list(entry) == [
        "model_id",
        "display_name",
        "source",
        "categories",
        "base_price_usd",
        "price_unit",
        "input_schema",
        "output_schema",
    ]
    expected = changed(catalog(), ALPHA)
    assert entry["model_id"] == ALPHA
    assert entry["source"] == f"RunComfy catalog {emu.base_url}"
    assert entry["input_schema"] == expected["input_schema"]
    assert entry["output_schema"] == expected["output_schema"]
    assert entry["categories"] == ["text-to-image"]
    assert f"added      {ALPHA}" in result.output
    assert "pull: 1 added, 0 changed, 0 unchanged, 0 gone, 0 failed" in result.output
    assert emu.stats()["models"][ALPHA]["catalog"] == 1

    again = invoke(pull(emu.base_url, schemas, ALPHA))
    assert again.exit_code == 0, again.output
    assert f"unchanged  {ALPHA}" in again.output
    assert path.read_text(encoding="utf-8") == text


def test_pull_keeps_the_catalog_keys_of_a_real_entry(serve: Serve, schemas: Path) -> None:
    """Price, kind, limitations and the like are kept; the uppercase id is used as it is."""
    model_id = "kling/kling-video-o3/4K/text-to-video"
    record = model(model_id, categories=("video",))
    catalog_keys = {
        "kind": "video",
        "base_price_usd": 0.42,
        "price_unit": "second",
        "limitations": ["No multi-shot prompts."],
        "omitted_inputs": ["multi_prompt"],
    }
    record.update(catalog_keys)
    emu = serve([record])
    result = invoke(pull(emu.base_url, schemas, model_id))
    assert result.exit_code == 0, result.output
    entry = read(schemas, model_id)
    assert entry["model_id"] == model_id
    assert {k: entry[k] for k in catalog_keys} == catalog_keys
    assert invoke(["validate", str(schemas)]).exit_code == 0


def test_pulled_entries_pass_validate(serve: Serve, schemas: Path) -> None:
    emu = serve(catalog())
    assert invoke(pull(emu.base_url, schemas, "--all")).exit_code == 0
    result = invoke(["validate", str(schemas)])
    assert result.exit_code == 0, result.output
    assert "5 schema(s) valid" in result.output


def test_pull_all_reads_every_page(serve: Serve, schemas: Path) -> None:
    emu = serve(catalog())
    result = invoke(pull(emu.base_url, schemas, "--all", "--page-size", "2"))
    assert result.exit_code == 0, result.output
    assert files(schemas) == sorted(f"{m}.json" for m in (ALPHA, BETA, GAMMA, DELTA, EPSILON))
    assert emu.stats()["routes"]["catalog"] == 3
    assert "pull: 5 added" in result.output
    for model_id in (ALPHA, BETA, GAMMA, DELTA, EPSILON):
        assert f"added      {model_id}" in result.output


def test_pull_all_with_filters(serve: Serve, schemas: Path) -> None:
    emu = serve(catalog())
    result = invoke(pull(emu.base_url, schemas, "--all", "--category", "image-to-image"))
    assert result.exit_code == 0, result.output
    assert files(schemas) == sorted(f"{m}.json" for m in (BETA, DELTA))
    result = invoke(pull(emu.base_url, schemas, "--all", "--search", "epsilon"))
    assert result.exit_code == 0, result.output
    assert files(schemas) == sorted(f"{m}.json" for m in (BETA, DELTA, EPSILON))
    assert "gone" not in result.output.replace("0 gone", "")


def test_changed_schema_updates_the_file_and_keeps_local_edits(serve: Serve, schemas: Path) -> None:
    first = serve(catalog())
    assert invoke(pull(first.base_url, schemas, BETA)).exit_code == 0
    path = schemas / f"{BETA}.json"
    entry = read(schemas, BETA)
    edits = [
        {
            "pointer": "/input_schema/properties/image/format",
            "value": "image_uri",
            "reason": "Marks image as a media input.",
        },
        {
            "pointer": "/input_schema/properties/mask/format",
            "value": "image_uri",
            "reason": "Marks mask as a media input.",
        },
    ]
    entry["local_edits"] = edits
    entry["input_schema"]["properties"]["image"]["format"] = "image_uri"
    path.write_text(json.dumps(entry, indent=2) + "\n", encoding="utf-8")

    upstream = clone(catalog())
    props = changed(upstream, BETA)["input_schema"]["properties"]
    props["strength"]["maximum"] = 0.5
    props["prompt"]["description"] = "What to change"
    second = serve(upstream)
    result = invoke(pull(second.base_url, schemas, BETA))
    assert result.exit_code == 0, result.output
    assert f"changed    {BETA}  1 breaking, 0 warning, 1 info" in result.output
    assert "local edit /input_schema/properties/mask/format no longer applies" in result.output
    updated = read(schemas, BETA)
    assert updated["local_edits"] == edits
    assert updated["input_schema"]["properties"]["image"]["format"] == "image_uri"
    assert updated["input_schema"]["properties"]["strength"]["maximum"] == 0.5
    assert "mask" not in updated["input_schema"]["properties"]
    assert list(updated)[:7] == [
        "model_id",
        "display_name",
        "source",
        "categories",
        "base_price_usd",
        "price_unit",
        "local_edits",
    ]

    again = invoke(pull(second.base_url, schemas, BETA))
    assert f"unchanged  {BETA}" in again.output


def test_an_edit_that_upstream_adopted_is_reported(serve: Serve, schemas: Path) -> None:
    first = serve(catalog())
    assert invoke(pull(first.base_url, schemas, BETA)).exit_code == 0
    entry = read(schemas, BETA)
    entry["local_edits"] = [
        {"pointer": "/input_schema/properties/image/format", "value": "image_uri", "reason": "x"}
    ]
    (schemas / f"{BETA}.json").write_text(json.dumps(entry), encoding="utf-8")
    upstream = clone(catalog())
    changed(upstream, BETA)["input_schema"]["properties"]["image"]["format"] = "image_uri"
    result = invoke(pull(serve(upstream).base_url, schemas, BETA))
    assert result.exit_code == 0, result.output
    assert "upstream now has this value itself" in result.output


def test_a_model_gone_from_the_catalog_is_reported_and_kept(serve: Serve, schemas: Path) -> None:
    first = serve(catalog())
    assert invoke(pull(first.base_url, schemas, "--all")).exit_code == 0
    before = (schemas / f"{GAMMA}.json").read_bytes()
    second = serve([e for e in catalog() if e["model_id"] != GAMMA])

    result = invoke(pull(second.base_url, schemas, "--all"))
    assert result.exit_code == 0, result.output
    assert (
        f"gone       {GAMMA}  no longer in the catalog; schemas/{GAMMA}.json kept" in result.output
    )
    assert "4 unchanged, 1 gone, 0 failed" in result.output
    assert (schemas / f"{GAMMA}.json").read_bytes() == before

    one = invoke(pull(second.base_url, schemas, GAMMA))
    assert one.exit_code == 1, one.output
    assert f"gone       {GAMMA}  not in the catalog; schemas/{GAMMA}.json kept" in one.output
    assert (schemas / f"{GAMMA}.json").read_bytes() == before

    filtered = invoke(pull(second.base_url, schemas, "--all", "--category", "text-to-image"))
    assert filtered.exit_code == 0, filtered.output
    assert GAMMA not in filtered.output


def test_a_bad_entry_is_reported_and_not_written(serve: Serve, schemas: Path) -> None:
    bad_schema = model("acme/broken/text-to-image")
    bad_schema["input_schema"]["properties"]["prompt"] = {"$ref": "#/definitions/prompt"}
    bad_id = model("Acme/Bad%20Id")
    outside = model("acme/../escape")
    loud = model("acme/\x1b[31mred/x")
    emu = serve([*catalog(), bad_schema, bad_id, outside, loud])

    result = invoke(pull(emu.base_url, schemas, "--all", "--page-size", "3"))
    assert result.exit_code == 1, result.output
    assert "failed     acme/broken/text-to-image  does not pass validation; not written" in (
        result.output
    )
    assert "'$ref' is not supported" in result.stderr
    assert "failed     Acme/Bad%20Id  invalid model id; not written" in result.output
    assert "failed     acme/../escape  invalid model id; not written" in result.output
    assert 'failed     "acme/\\u001b[31mred/x"  invalid model id; not written' in result.output
    assert "\x1b" not in result.output + result.stderr
    assert "pull: 5 added, 0 changed, 0 unchanged, 0 gone, 4 failed" in result.output
    assert files(schemas) == sorted(f"{m}.json" for m in (ALPHA, BETA, GAMMA, DELTA, EPSILON))
    assert not (schemas.parent / "escape.json").exists()


def test_a_bad_update_keeps_the_old_file(serve: Serve, schemas: Path) -> None:
    assert invoke(pull(serve(catalog()).base_url, schemas, ALPHA)).exit_code == 0
    before = (schemas / f"{ALPHA}.json").read_bytes()
    upstream = clone(catalog())
    changed(upstream, ALPHA)["input_schema"]["type"] = "array"
    result = invoke(pull(serve(upstream).base_url, schemas, ALPHA))
    assert result.exit_code == 1, result.output
    assert "the top-level schema must have type 'object'" in result.stderr
    assert (schemas / f"{ALPHA}.json").read_bytes() == before


def test_an_unreadable_local_file_is_not_overwritten(serve: Serve, schemas: Path) -> None:
    path = schemas / f"{ALPHA}.json"
    path.parent.mkdir(parents=True)
    path.write_text("{ not json", encoding="utf-8")
    result = invoke(pull(serve(catalog()).base_url, schemas, ALPHA))
    assert result.exit_code == 1
    assert "the existing file cannot be read" in result.output
    assert path.read_text(encoding="utf-8") == "{ not json"


def test_no_token_exits_77(serve: Serve, schemas: Path) -> None:
    emu = serve(catalog())
    result = invoke(
        pull(emu.base_url, schemas, ALPHA), env(RUNCOMFY_API_TOKEN=None, RUNCOMFY_TOKEN=None)
    )
    assert result.exit_code == 77
    assert "RUNCOMFY_API_TOKEN" in result.stderr
    assert "RUNCOMFY_TOKEN" in result.stderr
    assert emu.stats()["routes"]["catalog"] == 0
    assert files(schemas) == []


def test_the_fallback_token_variable_is_used(serve: Serve, schemas: Path) -> None:
    emu = serve(catalog())
    result = invoke(
        pull(emu.base_url, schemas, ALPHA), env(RUNCOMFY_API_TOKEN=None, RUNCOMFY_TOKEN=TOKEN)
    )
    assert result.exit_code == 0, result.output


def test_a_rejected_token_exits_77_without_showing_it(serve: Serve, schemas: Path) -> None:
    emu = serve(catalog())
    wrong = "tok-wrong-81d3e0"
    result = invoke(pull(emu.base_url, schemas, "--all"), env(RUNCOMFY_API_TOKEN=wrong))
    assert result.exit_code == 77
    assert "rejected the API token" in result.stderr
    assert wrong not in result.output
    assert wrong not in result.stderr
    assert TOKEN not in result.output
    assert files(schemas) == []


@pytest.mark.parametrize("bad", ["tok bad-81d3e0", "tok-bad\n81d3e0", "tok-bäd-81d3e0"])
def test_a_token_that_cannot_be_sent_exits_77_without_showing_it(
    serve: Serve, schemas: Path, bad: str
) -> None:
    emu = serve(catalog())
    result = invoke(pull(emu.base_url, schemas, ALPHA), env(RUNCOMFY_API_TOKEN=bad))
    assert result.exit_code == 77
    assert "RUNCOMFY_API_TOKEN" in result.stderr
    assert "81d3e0" not in result.output + result.stderr
    assert emu.stats()["routes"]["catalog"] == 0
    assert files(schemas) == []


def test_the_base_url_comes_from_the_environment(serve: Serve, schemas: Path) -> None:
    emu = serve(catalog())
    result = invoke(["pull", ALPHA, "--schemas", str(schemas)], env(RUNCOMFY_BASE_URL=emu.base_url))
    assert result.exit_code == 0, result.output
    assert read(schemas, ALPHA)["source"] == f"RunComfy catalog {emu.base_url}"


def test_server_errors_are_retried(serve: Serve, schemas: Path) -> None:
    emu = serve(catalog())
    emu.add_fault(FaultRule(route="catalog", kind="status", status=500, times=2))
    emu.add_fault(FaultRule(route="catalog", kind="status", status=429, retry_after="0", times=1))
    result = invoke(pull(emu.base_url, schemas, "--all", "--page-size", "2"))
    assert result.exit_code == 0, result.output
    assert len(files(schemas)) == 5
    assert emu.stats()["faults"]["catalog"] == 3


def test_dropped_connections_are_retried(serve: Serve, schemas: Path) -> None:
    emu = serve(catalog())
    emu.add_fault(FaultRule(route="catalog", kind="drop_before", times=1))
    result = invoke(pull(emu.base_url, schemas, ALPHA))
    assert result.exit_code == 0, result.output
    assert emu.stats()["faults"]["catalog"] == 1


def test_persistent_server_errors_exit_69_and_write_nothing(serve: Serve, schemas: Path) -> None:
    emu = serve(catalog())
    # The first page succeeds; every later request fails: nothing may be written.
    emu.add_fault(FaultRule(route="catalog", kind="slow", delay=0.0, times=1))
    emu.add_fault(FaultRule(route="catalog", kind="status", status=500))
    result = invoke(pull(emu.base_url, schemas, "--all", "--page-size", "2", "--retries", "2"))
    assert result.exit_code == 69, result.output
    assert "HTTP 500" in result.stderr
    assert "gave up after 3 attempts" in result.stderr
    assert "nothing written" in result.stderr
    assert files(schemas) == []
    assert emu.stats()["faults"]["catalog"] == 4

    one = invoke(pull(emu.base_url, schemas, ALPHA, BETA, "--retries", "1"))
    assert one.exit_code == 69
    assert files(schemas) == []


def test_usage_errors(serve: Serve, schemas: Path) -> None:
    emu = serve(catalog())
    assert invoke(pull(emu.base_url, schemas)).exit_code == 2
    assert invoke(pull(emu.base_url, schemas, ALPHA, "--all")).exit_code == 2
    assert invoke(pull(emu.base_url, schemas, ALPHA, "--category", "x")).exit_code == 2
    bad_url = invoke(["pull", ALPHA, "--base-url", "ftp://example.invalid"])
    assert bad_url.exit_code == 2
    plain_http = invoke(["pull", ALPHA, "--base-url", "http://example.invalid"])
    assert plain_http.exit_code == 2
    assert "plain http" in plain_http.stderr
    assert emu.stats()["routes"]["catalog"] == 0


def test_dry_run_writes_nothing(serve: Serve, schemas: Path) -> None:
    emu = serve(catalog())
    result = invoke(pull(emu.base_url, schemas, "--all", "--dry-run"))
    assert result.exit_code == 0, result.output
    assert "pull: 5 added" in result.output
    assert files(schemas) == []


def test_a_lone_surrogate_is_not_written(tmp_path: Path) -> None:
    record = model(ALPHA)
    record["input_schema"]["properties"]["prompt"]["description"] = "bad \ud800 text"
    outcome = prepare(record, tmp_path / "schemas", "test")
    assert outcome.status == "failed"
    assert "lone surrogate" in outcome.detail
    assert outcome.text is None


def test_a_listing_without_schemas_reads_each_model(
    serve: Serve, schemas: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    emu = serve(catalog())
    original = CatalogClient.list_models

    def without_schemas(self: CatalogClient, **kwargs: Any) -> list[dict[str, Any]]:
        listed = original(self, **kwargs)
        return [{k: v for k, v in m.items() if not k.endswith("_schema")} for m in listed]

    monkeypatch.setattr(CatalogClient, "list_models", without_schemas)
    result = invoke(pull(emu.base_url, schemas, "--all"))
    assert result.exit_code == 0, result.output
    assert len(files(schemas)) == 5
    assert read(schemas, ALPHA)["output_schema"] == changed(catalog(), ALPHA)["output_schema"]
    assert emu.stats()["models"][ALPHA]["catalog"] == 1


@pytest.mark.parametrize("price", [float("nan"), float("inf"), float("-inf")])
def test_a_price_that_is_not_a_number_is_left_out_with_a_warning(
    tmp_path: Path, price: float
) -> None:
    record = model(ALPHA)
    record.update(base_price_usd=price, price_unit="output")
    outcome = prepare(record, tmp_path / "schemas", "test")
    assert outcome.status == "added", outcome.detail
    assert outcome.text is not None
    entry = json.loads(outcome.text, parse_constant=_no_constants)  # strict JSON only
    assert "base_price_usd" not in entry
    assert entry["price_unit"] == "output"
    warnings = [str(d) for d in outcome.diagnostics]
    assert warnings == [
        "schemas/" + ALPHA + ".json#/base_price_usd: warning: catalog key 'base_price_usd' is "
        "left out: not a finite number"
    ]


def test_a_schema_holding_nan_is_not_written(tmp_path: Path) -> None:
    record = model(ALPHA)
    record["input_schema"]["properties"]["prompt"]["maxLength"] = float("nan")
    outcome = prepare(record, tmp_path / "schemas", "test")
    assert outcome.status == "failed"
    assert outcome.text is None
    assert [d.pointer for d in outcome.diagnostics] == ["/input_schema"]


def test_pull_prints_the_warning_and_writes_strict_json(
    serve: Serve, schemas: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """End to end: the catalog answers a NaN price (as JSON text ``NaN``, which Python reads)."""
    emu = serve(catalog())
    real_get = CatalogClient.get_model

    def with_nan(self: CatalogClient, model_id: str) -> dict[str, Any] | None:
        record = real_get(self, model_id)
        return None if record is None else {**record, "base_price_usd": float("nan")}

    monkeypatch.setattr(CatalogClient, "get_model", with_nan)
    result = invoke(pull(emu.base_url, schemas, ALPHA))
    assert result.exit_code == 0, result.output
    assert "catalog key 'base_price_usd' is left out: not a finite number" in result.stderr
    text = (schemas / f"{ALPHA}.json").read_text(encoding="utf-8")
    assert "base_price_usd" not in json.loads(text, parse_constant=_no_constants)


def _no_constants(name: str) -> Any:
    raise AssertionError(f"{name} written into a schema file")


def test_a_family_spelled_two_ways_is_pulled_and_generates(serve: Serve, schemas: Path) -> None:
    """``wan-2.7`` and ``wan-2-7`` share a module name: both are written, and both generate."""
    dotted, dashed = "wan-ai/wan-2.7/text-to-video", "wan-ai/wan-2-7/text-to-video"
    emu = serve([model(dotted), model(dashed)])
    assert invoke(pull(emu.base_url, schemas, dotted)).exit_code == 0
    result = invoke(pull(emu.base_url, schemas, dashed))
    assert result.exit_code == 0, result.output
    assert f"added      {dashed}" in result.output
    assert files(schemas) == sorted([f"{dotted}.json", f"{dashed}.json"])
    assert invoke(["validate", str(schemas)]).exit_code == 0
