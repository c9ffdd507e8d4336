"""The emulator's own control routes under `/_emulator/`: stats, reset, faults, config.

They need no token: they steer a local test server, they are not part of the API.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from .faults import parse_faults
from .responses import BAD_REQUEST, error_response
from .state import Emulator

_CONFIG_FIELDS = frozenset(
    {"outcome", "queue_seconds", "run_seconds", "run_seconds_input", "run_seconds_per_unit"}
)


class ControlRoutes:
    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/_emulator/stats", self.stats, methods=["GET"]),
            Route("/_emulator/reset", self.reset, methods=["POST"]),
            Route("/_emulator/faults", self.list_faults, methods=["GET"]),
            Route("/_emulator/faults", self.add_faults, methods=["POST"]),
            Route("/_emulator/faults", self.clear_faults, methods=["DELETE"]),
            Route("/_emulator/config", self.get_config, methods=["GET"]),
            Route("/_emulator/config", self.set_config, methods=["POST"]),
        ]

    async def stats(self, request: Request) -> Response:
        return JSONResponse(self.emulator.stats())

    async def reset(self, request: Request) -> Response:
        self.emulator.reset()
        return JSONResponse({"reset": True, "config": self.emulator.config()})

    async def list_faults(self, request: Request) -> Response:
        return self._faults()

    async def add_faults(self, request: Request) -> Response:
        try:
            rules = parse_faults(await _json_body(request))
        except ValueError as exc:
            return error_response(400, BAD_REQUEST, str(exc))
        for rule in rules:
            self.emulator.add_fault(rule)
        return self._faults()

    async def clear_faults(self, request: Request) -> Response:
        self.emulator.clear_faults()
        return self._faults()

    async def get_config(self, request: Request) -> Response:
        return JSONResponse(self.emulator.config())

    async def set_config(self, request: Request) -> Response:
        """Body: any of `{"outcome": "failed", "queue_seconds": 1.5, "run_seconds": 3,
        "run_seconds_input": "duration", "run_seconds_per_unit": 0.5}`."""
        try:
            body = await _json_body(request)
            if not isinstance(body, dict):
                raise ValueError("the config must be a JSON object")
            unknown = sorted(set(body) - _CONFIG_FIELDS)
            if unknown:
                raise ValueError(f"unknown config field(s): {', '.join(unknown)}")
            self.emulator.configure(
                outcome=body.get("outcome"),
                queue_seconds=body.get("queue_seconds"),
                run_seconds=body.get("run_seconds"),
                run_seconds_input=body.get("run_seconds_input"),
                run_seconds_per_unit=body.get("run_seconds_per_unit"),
            )
        except ValueError as exc:
            return error_response(400, BAD_REQUEST, str(exc))
        return JSONResponse(self.emulator.config())

    def _faults(self) -> Response:
        return JSONResponse({"faults": [rule.to_dict() for rule in self.emulator.fault_rules()]})


async def _json_body(request: Request) -> Any:
    try:
        return json.loads(await request.body())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"the request body is not valid JSON: {exc}") from None
