"""A model's price as generated code states it: ``Price(...)`` of the package's runtime.

Which inputs scale a job's cost is the runtime's rule (``_runtime/pricing.py``:
``COUNT_INPUTS``, ``DURATION_INPUTS``); the names are repeated here because the
generator does not import the runtime it ships, and a test keeps the two equal.
"""

from __future__ import annotations

import json
from typing import Final

from runcomfy_codegen.pipeline.escape import Source, py_literal
from runcomfy_codegen.pipeline.ir import Field, ModelSpec

COUNT_INPUTS: Final = ("num_images", "num_outputs", "num_videos")
DURATION_INPUTS: Final = ("duration",)
PRICE_UNITS: Final = ("output", "second")


def known_rate(spec: ModelSpec) -> tuple[float, str] | None:
    """The catalog's price and unit, or None when the entry has none (the price is unknown)."""
    if spec.base_price_usd is None or spec.price_unit not in PRICE_UNITS:
        return None
    return float(spec.base_price_usd), spec.price_unit


def price_text(spec: ModelSpec) -> str:
    """``$0.04 per output`` or ``unknown`` (the runtime's ``str(Price)``)."""
    rate = known_rate(spec)
    if rate is None:
        return "unknown"
    amount = f"${round(rate[0], 6):,.6f}".rstrip("0").rstrip(".")
    return f"{amount} per {rate[1]}"


def _first(spec: ModelSpec, names: tuple[str, ...]) -> Field | None:
    by_wire = {f.wire_name: f for f in spec.inputs}
    return next((by_wire[name] for name in names if name in by_wire), None)


def price_source(spec: ModelSpec, *, indent: str = "", lead: int = 0, trail: str = "") -> Source:
    """The ``Price(...)`` expression of a model (keyword arguments, only those that are set).

    Formatted as ``ruff format`` would: on one line when ``lead`` characters before it, the
    expression and ``trail`` fit in 100 columns, else one argument per line under ``indent``.
    """
    args: list[str] = []
    rate = known_rate(spec)
    if rate is not None:
        args += [f"usd={py_literal(rate[0])}", f"unit={py_literal(rate[1])}"]
    for kind, names in (("count", COUNT_INPUTS), ("duration", DURATION_INPUTS)):
        found = _first(spec, names)
        if found is None:
            continue
        args.append(f"{kind}_input={py_literal(found.wire_name)}")
        if found.default_json is not None:
            default = json.loads(found.default_json)
            if isinstance(default, str | int | float) and not isinstance(default, bool):
                args.append(f"{kind}_default={py_literal(default)}")
    one_line = f"Price({', '.join(args)})"
    if lead + len(one_line) + len(trail) <= 100:
        return Source(one_line)
    inner = "".join(f"{indent}    {arg},\n" for arg in args)
    return Source(f"Price(\n{inner}{indent})")


def price_line(spec: ModelSpec) -> str:
    """The price in a sentence for docs and help: what it is charged per and what scales it."""
    rate = known_rate(spec)
    if rate is None:
        return "unknown (the catalog entry has no price)"
    names = COUNT_INPUTS if rate[1] == "output" else DURATION_INPUTS
    found = _first(spec, names)
    if found is not None:
        return f"{price_text(spec)} (a job costs that times its {found.wire_name})"
    if rate[1] == "output":
        return f"{price_text(spec)} (one output per job)"
    return f"{price_text(spec)} (a job's seconds are not an input: its cost is known afterwards)"
