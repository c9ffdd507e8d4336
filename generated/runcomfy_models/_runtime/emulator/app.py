"""The ASGI application: API and control routes over one `Emulator`."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp

from .api import RunComfyApi
from .connection import ServerChannelAccess
from .control import ControlRoutes
from .responses import INTERNAL_ERROR, METHOD_NOT_ALLOWED, NOT_FOUND, error_response
from .state import Emulator


def build_app(emulator: Emulator) -> ASGIApp:
    app = Starlette(
        routes=[*RunComfyApi(emulator).routes(), *ControlRoutes(emulator).routes()],
        exception_handlers={HTTPException: _http_error, Exception: _internal_error},
    )
    return ServerChannelAccess(app)


async def _http_error(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, HTTPException):
        return await _internal_error(request, exc)
    status = exc.status_code
    codes = {404: NOT_FOUND, 405: METHOD_NOT_ALLOWED}
    return error_response(
        status, codes.get(status, status * 1000), str(exc.detail), headers=exc.headers
    )


async def _internal_error(request: Request, exc: Exception) -> Response:
    return error_response(500, INTERNAL_ERROR, f"Emulator error: {type(exc).__name__}")
