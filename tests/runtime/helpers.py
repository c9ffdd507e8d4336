"""Shared constants, small models and client factories for the runtime tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field
from runcomfy_models._runtime import (
    AsyncRunComfy,
    MediaField,
    ModelBinding,
    PollPolicy,
    RemoteFile,
    RetryPolicy,
    RunComfy,
)

TOKEN = "tok-S3CRET-d41d8cd98f00b204"
IMAGE_MODEL = "ideogram/ideogram-v3/reframe"
VIDEO_MODEL = "wan-ai/wan-3.0/image-to-video"

FAST_RETRY = RetryPolicy(max_retries=2, base=0.005, cap=0.02, retry_after_cap=0.03, jitter=0.0)
FAST_POLL = PollPolicy(initial=0.005, factor=1.5, max_interval=0.02)

IMAGE_ENTRY: dict[str, Any] = {
    "model_id": IMAGE_MODEL,
    "display_name": "Ideogram V3 Reframe",
    "categories": ["image"],
    "input_schema": {
        "type": "object",
        "required": ["image"],
        "properties": {
            "image": {"type": "string", "format": "image_uri"},
            "resolution": {
                "type": "string",
                "enum": ["1152:864 (4:3)", "1024:1024 (1:1)"],
                "default": "1152:864 (4:3)",
            },
            "seed": {"type": "integer", "minimum": 0, "maximum": 2147483647},
            "rendering_speed": {"type": "string", "enum": ["TURBO", "BALANCED", "QUALITY"]},
        },
    },
    "output_schema": {
        "type": "object",
        "properties": {
            "image": {"type": "string", "format": "uri"},
            "images": {"type": "array", "items": {"type": "string", "format": "uri"}},
        },
    },
}

VIDEO_ENTRY: dict[str, Any] = {
    "model_id": VIDEO_MODEL,
    "display_name": "Wan 3.0 Image to Video",
    "categories": ["video"],
    "input_schema": {
        "type": "object",
        "required": ["image_uri", "prompt"],
        "properties": {
            "image_uri": {"type": "string", "format": "image_uri"},
            "prompt": {"type": "string"},
            "reference_image_uris": {
                "type": "array",
                "items": {"type": "string"},
                "format": "image_uris",
            },
        },
    },
    "output_schema": {
        "type": "object",
        "properties": {"video": {"type": "string", "format": "uri"}},
    },
}

CATALOG = [IMAGE_ENTRY, VIDEO_ENTRY]
IMAGE_URL = "https://example.com/cat.png"
IMAGE_PAYLOAD: dict[str, Any] = {"image": IMAGE_URL, "resolution": "1152:864 (4:3)"}


class ReframeInput(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    image: str
    resolution: str = "1152:864 (4:3)"
    seed: int | None = Field(default=None, ge=0, le=2147483647)
    rendering_speed: str | None = Field(default=None, alias="renderingSpeed")


class ReframeOutput(BaseModel):
    image: RemoteFile | None = None
    images: list[RemoteFile] | None = None


class VideoInput(BaseModel):
    image_uri: str
    prompt: str
    reference_image_uris: list[str] | None = None


class VideoOutput(BaseModel):
    video: RemoteFile


REFRAME = ModelBinding(
    IMAGE_MODEL, ReframeInput, ReframeOutput, {"image": MediaField(kind="image", many=False)}
)
VIDEO = ModelBinding(
    VIDEO_MODEL,
    VideoInput,
    VideoOutput,
    {
        "image_uri": MediaField(kind="image", many=False),
        "reference_image_uris": MediaField(kind="image", many=True),
    },
)


def make_client(base_url: str, **options: Any) -> RunComfy:
    options.setdefault("retry", FAST_RETRY)
    options.setdefault("poll", FAST_POLL)
    options.setdefault("timeout", 5.0)
    return RunComfy(options.pop("token", TOKEN), base_url=base_url, **options)


def make_async_client(base_url: str, **options: Any) -> AsyncRunComfy:
    options.setdefault("retry", FAST_RETRY)
    options.setdefault("poll", FAST_POLL)
    options.setdefault("timeout", 5.0)
    return AsyncRunComfy(options.pop("token", TOKEN), base_url=base_url, **options)


@dataclass
class FileServer:
    """A loopback HTTP server that serves fixed bodies and records request headers."""

    base_url: str
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    routes: dict[str, tuple[int, bytes, dict[str, str]]] = field(default_factory=dict)

    def serve(
        self, path: str, body: bytes, status: int = 200, headers: dict[str, str] | None = None
    ) -> str:
        self.routes[path] = (status, body, headers or {})
        return self.base_url + path


def mock_client(handler: Any, **options: Any) -> RunComfy:
    """A client whose HTTP goes to an in-process handler (no sockets)."""
    transport = httpx.MockTransport(handler)
    options.setdefault("retry", FAST_RETRY)
    options.setdefault("poll", FAST_POLL)
    return RunComfy(
        options.pop("token", TOKEN),
        base_url=options.pop("base_url", "https://api.test"),
        http_client=httpx.Client(transport=transport),
        **options,
    )


def async_mock_client(handler: Any, **options: Any) -> AsyncRunComfy:
    transport = httpx.MockTransport(handler)
    options.setdefault("retry", FAST_RETRY)
    options.setdefault("poll", FAST_POLL)
    return AsyncRunComfy(
        options.pop("token", TOKEN),
        base_url=options.pop("base_url", "https://api.test"),
        http_client=httpx.AsyncClient(transport=transport),
        **options,
    )
