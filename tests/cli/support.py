"""Shared constants and utilities of the command-line tests."""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result
from runcomfy_models._runtime.cli import cli

TOKEN = "tok-CLI-S3CRET-5f2b9c"
REFRAME = "ideogram/ideogram-v3/reframe"
WAN = "wan-ai/wan-3.0/image-to-video"
REFERENCE = "bytedance/seedance-2.5/reference-to-video/1080p"
SEEDREAM = "bytedance/seedream-5.0-pro/image-to-image"
FLUX = "blackforestlabs/flux-3/text-to-video"
IMAGE_URL = "https://example.com/cat.png"
SQUARE = "1024:1024 (1:1)"
REFRAME_ARGS = [REFRAME, "--image", IMAGE_URL, "--resolution", SQUARE]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24

# Small waits everywhere: the tests never depend on real backoff times.
UNREACHABLE_API = "http://127.0.0.1:9"
"""Loopback's discard port: nothing answers, so a call fails at once."""
FAST = ["--max-retries", "3", "--retry-max-delay", "0.01", "--poll-interval", "0.02"]


def invoke(
    args: Sequence[str],
    *,
    base_url: str | None = None,
    token: str | None = TOKEN,
    stdin: str | None = None,
) -> Result:
    """Run ``runcomfy-models`` in-process; stdout and stderr are kept apart.

    Without ``base_url`` the API is an unused loopback port: a test never reaches RunComfy.
    """
    env = {"RUNCOMFY_MODEL_API_BASE": UNREACHABLE_API}
    if token is not None:
        env["RUNCOMFY_API_TOKEN"] = token
    prefix = ["--base-url", base_url, *FAST] if base_url is not None else []
    return CliRunner().invoke(cli, [*prefix, *args], env=env, input=stdin)


def last_json(result: Result) -> Any:
    """The JSON object a command printed on stdout (its last line)."""
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert lines, f"nothing on stdout; stderr: {result.stderr}"
    return json.loads(lines[-1])


def cli_env(base_url: str, **extra: str) -> dict[str, str]:
    """The environment of a ``runcomfy-models`` subprocess talking to ``base_url``."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("RUNCOMFY_")}
    env.update(
        RUNCOMFY_API_TOKEN=TOKEN,
        RUNCOMFY_BASE_URL=base_url,
        RUNCOMFY_POLL_INTERVAL="0.02",
        RUNCOMFY_RETRY_MAX_DELAY="0.01",
        RUNCOMFY_TIMING_HISTORY="off",  # polling that no earlier test (or run) has taught
        NO_COLOR="1",
    )
    env.update(extra)
    return env


def cli_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "runcomfy_models._runtime.cli", *args]


def write_jsonl(path: Path, rows: Sequence[Mapping[str, Any] | str]) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write((row if isinstance(row, str) else json.dumps(row)) + "\n")
    return path


def read_results(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def reframe_line(index: int, **extra: Any) -> dict[str, Any]:
    return {
        "image": f"https://example.com/{index}.png",
        "resolution": SQUARE,
        "seed": index,
        **extra,
    }


@dataclass
class RecordingApi:
    """A minimal stand-in of the API that records every submit body (to check what is sent)."""

    base_url: str = ""
    bodies: list[dict[str, Any]] = field(default_factory=list)
    models: list[str] = field(default_factory=list)

    def last(self) -> dict[str, Any]:
        assert self.bodies, "nothing was submitted"
        return self.bodies[-1]


@contextmanager
def recording_api() -> Iterator[RecordingApi]:
    state = RecordingApi()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def _send(self, status: int, body: bytes, kind: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"null")
            with lock:
                state.bodies.append(body)
                state.models.append(self.path.removeprefix("/v1/models/"))
                request_id = f"rec-{len(state.bodies)}"
            self._send(200, json.dumps({"request_id": request_id}).encode())

        def do_GET(self) -> None:
            parts = self.path.split("?")[0].strip("/").split("/")
            answer: dict[str, Any]
            if parts[:2] == ["v1", "requests"] and parts[3] == "status":
                answer = {"request_id": parts[2], "status": "completed"}
            elif parts[:2] == ["v1", "requests"] and parts[3] == "result":
                url = f"{state.base_url}/files/{parts[2]}.png"
                answer = {"request_id": parts[2], "status": "succeeded", "output": {"image": url}}
            elif parts[0] == "files":
                self._send(200, PNG, "image/png")
                return
            else:
                self._send(404, b'{"error_code": 404001, "error_message": "no"}')
                return
            self._send(200, json.dumps(answer).encode())

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    host, port = server.server_address[:2]
    state.base_url = f"http://{host!s}:{port}"
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
