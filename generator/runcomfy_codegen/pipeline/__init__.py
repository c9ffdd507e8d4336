"""schemas/ -> generated/, in the order data flows.

load (files -> raw entries) -> validate (diagnostics) -> interpret (frozen IR, ``ir``) ->
models (pydantic source) and render (jinja2 templates) -> write (atomic tree).
``build`` drives the stages; ``naming``, ``escape`` and ``diagnostics`` serve all of them.
"""
