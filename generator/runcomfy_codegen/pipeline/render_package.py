"""The files of the package as a whole: registry, package and namespace inits, pyproject,
and the catalog the emulator serves."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from runcomfy_codegen import __version__
from runcomfy_codegen.pipeline.escape import (
    Source,
    docstring,
    py_literal,
    py_tuple,
)
from runcomfy_codegen.pipeline.ir import ModelSpec
from runcomfy_codegen.pipeline.price import known_rate, price_source
from runcomfy_codegen.pipeline.render import PACKAGE, Layout, Templates, header, render_template


def render_registry(t: Templates, specs: Sequence[ModelSpec], layout: Layout, digest: str) -> bytes:
    entries = [
        {
            "model_id": py_literal(s.model_id),
            "module": py_literal(f"{PACKAGE}.{s.module_name}"),
            "command_module": py_literal(layout.command_module(s)),
            "display_name": py_literal(s.display_name),
            "price": price_source(s, indent=" " * 8, lead=8, trail=","),
            "categories": py_tuple(s.categories),
            "kind": py_literal(s.catalog_kind),
            "output_kind": py_literal(s.output_kind),
        }
        for s in sorted(specs, key=lambda s: s.model_id)
    ]
    return render_template(
        t.python, "registry.py.jinja", header=header(None, digest), entries=entries
    )


def render_package_init(t: Templates, digest: str) -> bytes:
    return render_template(
        t.python,
        "package_init.py.jinja",
        header=header(None, digest),
        version=py_literal(__version__),
    )


def render_namespace_init(t: Templates, dotted: str, digest: str) -> bytes:
    return render_template(
        t.python,
        "namespace_init.py.jinja",
        header=header(None, digest),
        module_doc=docstring(f"Generated models under {dotted}."),
    )


def render_pyproject(t: Templates, digest: str) -> bytes:
    return render_template(
        t.python,
        "pyproject.toml.jinja",
        header=Source(str(header(None, digest))[2:]),
        version=Source(json.dumps(__version__)),
    )


def catalog_entry(spec: ModelSpec) -> str:
    """One model's entry of the catalog, as :func:`render_catalog` writes it (indented)."""
    entry = {
        "model_id": spec.model_id,
        "display_name": spec.display_name,
        "categories": list(spec.categories),
        "kind": spec.catalog_kind,
        "input_schema": json.loads(spec.original_input_schema_json),
        "output_schema": json.loads(spec.output_schema_json),
    }
    rate = known_rate(spec)
    if rate is not None:
        entry["base_price_usd"], entry["price_unit"] = rate
    # JSON strings hold no raw line breaks, so this only indents the entry's own lines.
    return json.dumps(entry, indent=1, sort_keys=True, ensure_ascii=False).replace("\n", "\n  ")


def render_catalog(specs: Sequence[ModelSpec], entries: Mapping[str, str] | None = None) -> bytes:
    """The catalog the emulator serves: every entry with its original schemas.

    The text is ``json.dumps({"models": [...]}, indent=1, sort_keys=True)``, put together from
    the entries so that ``entries`` (model id -> :func:`catalog_entry`) can spare encoding them.
    """
    known = entries or {}
    parts = [
        known.get(s.model_id) or catalog_entry(s) for s in sorted(specs, key=lambda s: s.model_id)
    ]
    text = (
        '{\n "models": [\n  ' + ",\n  ".join(parts) + "\n ]\n}" if parts else '{\n "models": []\n}'
    )
    return (text + "\n").encode("utf-8", "surrogatepass")
