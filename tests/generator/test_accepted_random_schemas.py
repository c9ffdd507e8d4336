"""Nothing validation accepts fails later: random schemas mixing the keywords the generator reads
(types and type lists, bounds, patterns, enums, const, defaults, nullable, nested objects,
additionalProperties, anyOf/oneOf, reserved names) are validated; the accepted ones generate into
one tree that imports without a warning and passes ``ruff check`` and ``mypy --strict``.

The schemas come from a seeded generator, so the test is deterministic.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest
from runcomfy_codegen.pipeline.load import RawEntry
from runcomfy_codegen.pipeline.validate import check_entry

from .support import imported_tree, run_cli

SEED = 20261129
ENTRIES = 120
TYPES: list[Any] = [
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
PATTERNS = ["^[a-z]+$", "(?=a)a", "\\d", "^x", "[^\\n]*", "\\bword\\b", "a|b"]
NAMES = ["a", "class", "register", "mro", "model_x", "Ä", "x-y", "1st", "l"]


class _Schemas:
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
        declared = rng.choice(TYPES)
        if declared is not None:
            s["type"] = declared
        kind = declared[0] if isinstance(declared, list) else declared
        if kind == "string":
            if chance() < 0.3:
                s["pattern"] = rng.choice(PATTERNS)
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
                    rng.choice(NAMES) + str(i): self.schema(depth + 1)
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


def _accepted(folder: Path) -> list[str]:
    schemas = _Schemas(SEED)
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
