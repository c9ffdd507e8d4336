"""Models generated in groups get exactly the classes they get alone.

``pydantic_batch.model_sources`` hands many models to one datamodel-code-generator call and cuts
the module that comes back; each model's ``ModelSource`` must be the one ``model_source`` makes
for it alone: for every shipped model, and for random schemas (reserved and non-ASCII property
names, nested objects, unions) under model ids whose class names are prefixes of each other.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from runcomfy_codegen.pipeline import pydantic_batch
from runcomfy_codegen.pipeline.build import analyse
from runcomfy_codegen.pipeline.ir import ModelSpec
from runcomfy_codegen.pipeline.load import RawEntry
from runcomfy_codegen.pipeline.pydantic_batch import model_sources
from runcomfy_codegen.pipeline.pydantic_source import ModelSource, model_source
from runcomfy_codegen.pipeline.validate import check_entry

from .support import SCHEMAS, RandomSchemas

SEED = 20261207


def _alone(specs: list[ModelSpec]) -> list[ModelSource | str]:
    results: list[ModelSource | str] = []
    for spec in specs:
        try:
            results.append(model_source(spec))
        except pydantic_batch.ModelGenerationError as exc:
            results.append(str(exc))
    return results


def _group_count(specs: list[ModelSpec], size: int = pydantic_batch.GROUP_SIZE) -> int:
    return len(pydantic_batch._groups(specs, size))


def test_every_shipped_model_gets_the_classes_it_gets_alone() -> None:
    specs = list(analyse(SCHEMAS).specs)
    assert _group_count(specs) < len(specs) / 10  # they really go in groups
    assert model_sources(specs) == _alone(specs)


RANDOM_IDS = [
    "p/x",
    "p/x-input",
    "p/x-output",
    "p/x-input-p0",
    "p/xinput",
    "p/x-in",
    "p/x/put",
    "p/x-outputs",
    "q/a",
    "q/a-b",
    "q/ab",
    "q/a/b",
]
"""Ids whose class names (``PXInput``, ``PXInputInput``, ``PXInputP0Input``...) are prefixes
of each other and of the nested classes of the others."""


def _random_specs(folder: Path, count: int) -> list[ModelSpec]:
    schemas = RandomSchemas(SEED)
    written = 0
    for i in range(count * 3):
        if written == count:
            break
        props = {f"p{j}": schemas.schema() for j in range(schemas.rng.randint(1, 4))}
        base = RANDOM_IDS[i % len(RANDOM_IDS)]
        model_id = base if i < len(RANDOM_IDS) else f"{base}-v{i}"
        entry = {"model_id": model_id, "input_schema": {"type": "object", "properties": props}}
        raw = RawEntry(Path(f"{model_id}.json"), f"{model_id}.json", model_id, entry, "")
        if check_entry(raw)[0] is None:
            continue
        path = folder / f"{model_id}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(entry), encoding="utf-8")
        written += 1
    return list(analyse(folder).specs)


def test_random_models_with_prefixed_names_get_the_classes_they_get_alone(
    tmp_path: Path,
) -> None:
    specs = _random_specs(tmp_path / "schemas", 48)
    assert len(specs) >= 40
    assert 1 < _group_count(specs, 16) < len(specs) / 2
    assert model_sources(specs, size=16) == _alone(specs)


def _spec(specs: list[ModelSpec], model_id: str) -> ModelSpec:
    return next(s for s in specs if s.model_id == model_id)


def test_prefixed_class_names_and_disagreeing_aliases_never_share_a_group(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "schemas"
    entries = {
        "p/x": {"class": {"type": "string"}},
        "p/x-input": {"a": {"type": "string"}},  # PXInput is a prefix of PXInputInput
        "r/y": {"class": {"type": "string"}},  # renames ``class`` as p/x does: may join
        "s/z": {"a": {"type": "object", "properties": {"class": {"type": "integer"}}}},
    }
    for model_id, props in entries.items():
        path = folder / f"{model_id}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        entry = {"model_id": model_id, "input_schema": {"type": "object", "properties": props}}
        path.write_text(json.dumps(entry), encoding="utf-8")
    specs = list(analyse(folder).specs)
    groups = [[s.model_id for s in g.specs] for g in pydantic_batch._groups(specs, 10)]
    together = {frozenset(g) for g in groups}
    assert not any({"p/x", "p/x-input"} <= g for g in together)
    assert any({"p/x", "r/y"} <= g for g in together)
    assert model_sources(specs) == _alone(specs)


def test_a_group_the_library_fails_on_is_generated_model_by_model(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    specs = list(analyse(SCHEMAS).specs)[:6]
    broken = specs[2].model_id

    def failing_group(schema: str, class_name: str, aliases: dict[str, str]) -> str:
        raise RuntimeError("the library broke")

    def alone(spec: ModelSpec) -> ModelSource:
        if spec.model_id == broken:
            raise pydantic_batch.ModelGenerationError(f"{spec.model_id}: cannot be generated")
        return model_source(spec)

    monkeypatch.setattr(pydantic_batch, "run_generator", failing_group)
    monkeypatch.setattr(pydantic_batch, "model_source", alone)
    results = model_sources(specs)
    assert results[2] == f"{broken}: cannot be generated"
    expected = _alone(specs)
    assert [r for i, r in enumerate(results) if i != 2] == [
        r for i, r in enumerate(expected) if i != 2
    ]


def test_a_module_that_does_not_cut_cleanly_is_refused() -> None:
    specs = list(analyse(SCHEMAS).specs)[:2]
    group = pydantic_batch._groups(specs, 10)[0]
    with pytest.raises(pydantic_batch.ModelGenerationError, match="other than a class"):
        pydantic_batch._split(group, "import x\n\n\nclass A:\n    pass\nA.model_rebuild()\n")
    with pytest.raises(pydantic_batch.ModelGenerationError, match="no single model"):
        pydantic_batch._split(group, "import x\n\n\nclass Stranger:\n    pass\n")


def test_output_classes_made_by_an_earlier_call_are_copied_with_their_imports(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pydantic_batch, "_OUTPUT_CLASSES", {})
    specs = list(analyse(SCHEMAS).specs)
    kinds = {s.output_kind for s in specs}
    first = [next(s for s in specs if s.output_kind == kind) for kind in sorted(kinds)]
    rest = [s for s in specs if s not in first]
    model_sources(first)
    known = set(pydantic_batch._OUTPUT_CLASSES)
    assert known
    copied = [
        s
        for s in rest
        if pydantic_batch._output_key(
            pydantic_batch.generator_schema(s)["$defs"][s.output_class],
            pydantic_batch.field_aliases(s),
        )
        in known
    ]
    assert len(copied) >= len(rest) / 2  # most outputs come from the first call
    assert model_sources(copied) == _alone(copied)
