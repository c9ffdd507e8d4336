"""Error messages for the command line: command-line advice in place of Python advice.

The runtime's messages speak to Python callers (``client.job(request_id).wait()``,
``allow_insecure_http=True``); a command-line user needs the options and
commands that do the same.
"""

from __future__ import annotations

from ..errors import (
    PY_BALANCE_HINT,
    PY_INSECURE_HINT,
    PY_RAW_OUTPUT_HINT,
    PY_RESUME_HINT,
    PY_TOKEN_HINT,
    APIConnectionError,
    APITimeoutError,
    RunComfyError,
)

__all__ = ["cli_message"]

_BASE_URL_HINT = "--base-url (or RUNCOMFY_BASE_URL)"


def cli_message(exc: RunComfyError) -> str:
    """The message of ``exc`` with each piece of Python advice replaced by the CLI's own."""
    request_id = getattr(exc, "request_id", None) or "REQUEST_ID"
    message = (
        exc.message.replace(
            PY_RESUME_HINT,
            f"follow it with: runcomfy-models wait {request_id} (or start jobs with --no-wait "
            "and follow them with 'wait' later)",
        )
        .replace(
            PY_RAW_OUTPUT_HINT, f"See the raw output with: runcomfy-models result {request_id}"
        )
        .replace(PY_INSECURE_HINT, f" in {_BASE_URL_HINT}")
        .replace(PY_TOKEN_HINT, "")
        .replace(PY_BALANCE_HINT, "runcomfy-models balance")
    )
    if isinstance(exc, APIConnectionError) and not isinstance(exc, APITimeoutError):
        message += f". Is the API address right? Set it with {_BASE_URL_HINT}."
    return message
