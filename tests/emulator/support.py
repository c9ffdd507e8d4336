"""Test data and helpers shared by the emulator tests."""

from __future__ import annotations

from typing import Any

import httpx

REFRAME = "ideogram/ideogram-v3/reframe"
VIDEO = "wan-ai/wan-3.0/image-to-video"
EDIT = "bytedance/seedream-5.0-pro/image-to-image"
GALLERY = "acme/gallery/text-to-image"

CATALOG: list[dict[str, Any]] = [
    {
        "model_id": REFRAME,
        "display_name": "Ideogram V3 Reframe",
        "categories": ["image-to-image"],
        "input_schema": {
            "type": "object",
            "required": ["image", "resolution"],
            "properties": {
                "image": {"type": "string", "format": "image_uri"},
                "resolution": {
                    "type": "string",
                    "enum": ["1152:864 (4:3)", "1024:1024 (1:1)", "512:1536 (1:3)"],
                    "default": "1152:864 (4:3)",
                },
                "seed": {"type": "integer", "minimum": 0, "maximum": 2147483647},
                "rendering_speed": {"type": "string", "enum": ["TURBO", "BALANCED", "QUALITY"]},
                "color_palette": {"type": "object"},
                "style": {"type": "object"},
            },
        },
    },
    {
        # The published-file shape: `input`, and `output: null`.
        "model_id": VIDEO,
        "input": {
            "type": "object",
            "required": ["prompt", "image_url"],
            "properties": {
                "prompt": {"type": "string", "default": ""},
                "image_url": {"type": "string", "format": "image_uri"},
                "duration": {"type": "integer", "minimum": 2, "maximum": 30, "default": 5},
                "guidance": {"type": "float", "minimum": 0},
            },
        },
        "output": None,
        "categories": ["image-to-video"],
    },
    {
        "model_id": EDIT,
        "display_name": "Seedream 5.0 Pro Edit",
        "categories": ["image-to-image"],
        "input_schema": {
            "type": "object",
            "required": ["prompt", "image"],
            "properties": {
                "prompt": {"type": "string", "default": ""},
                "resolution": {"type": "string", "enum": ["1K", "2K"], "default": "2K"},
                "image": {
                    "type": "array",
                    "format": "image_uris",
                    "minItems": 1,
                    "maxItems": 10,
                    "validations": [
                        {
                            "validation_rule": "file_size_mb<",
                            "validation_value": 30,
                            "validation_error": "File size must be less than 30 MB.",
                        }
                    ],
                },
                # A property that happens to carry an extension keyword's name.
                "validations": {"type": "integer"},
            },
        },
    },
    {
        "model_id": GALLERY,
        "display_name": "Acme Gallery",
        "categories": ["text-to-image"],
        "input_schema": {
            "type": "object",
            "properties": {"prompt": {"type": "string"}, "width": {"type": "integer"}},
        },
        "output_schema": {
            "type": "object",
            "properties": {"images": {"type": "array", "items": {"type": "string"}}},
        },
    },
]

IMAGE_URL = "https://example.com/cat.png"
REFRAME_INPUT = {"image": IMAGE_URL, "resolution": "1152:864 (4:3)"}
VIDEO_INPUT = {"prompt": "a cat", "image_url": IMAGE_URL}


class FakeClock:
    """A clock the tests move by hand."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def submit(client: httpx.Client, model_id: str, body: Any) -> httpx.Response:
    return client.post(f"/v1/models/{model_id}", json=body)


def submit_ok(client: httpx.Client, model_id: str = REFRAME, body: Any = None) -> str:
    response = submit(client, model_id, REFRAME_INPUT if body is None else body)
    assert response.status_code == 200, response.text
    request_id: str = response.json()["request_id"]
    return request_id
