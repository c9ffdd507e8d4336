"""A local, stateful stand-in for the RunComfy Model API.

Serves submit/status/result/cancel and the catalog over real HTTP on
loopback, validates inputs against each model's schema, produces real
output files, and misbehaves on request (fault rules). Needs the
`runcomfy-models[emulator]` extra (starlette, uvicorn, jsonschema).
See README.md next to this file.
"""

from .catalog import CatalogNotFoundError, load_catalog
from .faults import FaultRule, load_faults, parse_faults
from .server import RunningEmulator, running_emulator, serve
from .shapes import OUTPUT_VARIANTS, VARIANTS, Shapes
from .state import FAIL_MARKER, Emulator

__all__ = [
    "FAIL_MARKER",
    "OUTPUT_VARIANTS",
    "VARIANTS",
    "CatalogNotFoundError",
    "Emulator",
    "FaultRule",
    "RunningEmulator",
    "Shapes",
    "load_catalog",
    "load_faults",
    "parse_faults",
    "running_emulator",
    "serve",
]
