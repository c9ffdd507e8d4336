"""Answers in RunComfy's shapes: errors are `{"error_code": int, "error_message": str}`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from starlette.responses import JSONResponse

# Error codes of the RunComfy Model API.
BAD_MODEL_ID: Final = 400001
NO_BALANCE: Final = 400002
TOKEN_PROBLEM: Final = 400004
UNKNOWN_REQUEST: Final = 404001
INVALID_INPUT: Final = 422001
INTERNAL_ERROR: Final = 500001
# The emulator's own codes for answers the real API documents no code for.
BAD_REQUEST: Final = 400000
NOT_FOUND: Final = 404000
METHOD_NOT_ALLOWED: Final = 405000


def error_response(
    status: int,
    error_code: int,
    message: str,
    *,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {"error_code": error_code, "error_message": message, **extra}
    return JSONResponse(body, status_code=status, headers=headers)
