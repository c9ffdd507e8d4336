"""Nothing validation accepts fails later: random schemas mixing the keywords the generator reads
(types and type lists, bounds, patterns, enums, const, defaults, nullable, nested objects,
additionalProperties, anyOf/oneOf, reserved names) are validated; the accepted ones generate into
one tree that imports without a warning and passes ``ruff check`` and ``mypy --strict``.

The schemas come from a seeded generator, so the test is deterministic.
"""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from runcomfy_codegen.pipeline.load import RawEntry
from runcomfy_codegen.pipeline.validate import check_entry

from .support import RandomSchemas, imported_tree, run_cli

SEED = 20261129
ENTRIES = 120


def _accepted(folder: Path) -> list[str]:
    schemas = RandomSchemas(SEED)
    ids: list[str] = []
    for i in range(ENTRIES):
        props = {f"p{j}": schemas.schema() for j in range(schemas.rng.randint(1, 4))}
        required = [k for k in props if schemas.rng.random() < 0.3]
        model_id = f"m{i}/x"
        entry = {
            "model_id": model_id,
            "input_schema": {"type": "object", "properties": props, "required": required},
        }
        raw = RawEntry(Path(f"{model_id}.json"), f"{model_id}.json", model_id, entry, "")
        if check_entry(raw)[0] is None:
            continue
        path = folder / f"{model_id}.json"
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps(entry), encoding="utf-8")
        ids.append(model_id)
    return ids


@pytest.mark.slow
def test_accepted_random_schemas_import_and_type_check(tmp_path: Path) -> None:
    ids = _accepted(tmp_path / "schemas")
    assert len(ids) >= ENTRIES // 3  # the mix is not all refused
    out = tmp_path / "out"
    result = run_cli("generate", "--schemas", tmp_path / "schemas", "--out", out)
    assert result.exit_code == 0, result.stderr
    tools = Path(sys.executable).parent
    for command in (
        [str(tools / "ruff"), "check", "--no-cache", "."],
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "runcomfy_models"],
    ):
        proc = subprocess.run(command, cwd=out, capture_output=True, text=True, check=False)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    with warnings.catch_warnings(), imported_tree(out) as package:
        warnings.simplefilter("error")
        for model_id in ids:
            assert package.get_model(model_id).Input.model_fields is not None
