"""Outputs are real files the emulator serves: PNGs of the requested size, MP4s for video models."""

from __future__ import annotations

import struct
import zlib

import httpx
import pytest
from runcomfy_models._runtime.emulator import RunningEmulator
from runcomfy_models._runtime.emulator.media import (
    DEFAULT_IMAGE_SIZE,
    mp4_bytes,
    png_bytes,
    requested_size,
)

from .support import (
    EDIT,
    GALLERY,
    IMAGE_URL,
    REFRAME,
    VIDEO,
    VIDEO_INPUT,
    FakeClock,
    submit_ok,
)


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks = []
    offset = 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        payload = data[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length : offset + 12 + length])
        assert crc == zlib.crc32(kind + payload)
        chunks.append((kind, payload))
        offset += 12 + length
    return chunks


def png_size(data: bytes) -> tuple[int, int]:
    chunks = png_chunks(data)
    kinds = [kind for kind, _ in chunks]
    assert kinds[0] == b"IHDR"
    assert kinds[-1] == b"IEND"
    width, height, depth, colour, _, _, _ = struct.unpack(">IIBBBBB", chunks[0][1])
    assert (depth, colour) == (8, 2)
    pixels = zlib.decompress(b"".join(payload for kind, payload in chunks if kind == b"IDAT"))
    assert len(pixels) == height * (1 + 3 * width)
    return width, height


def output_of(client: httpx.Client, request_id: str) -> dict[str, object]:
    result = client.get(f"/v1/requests/{request_id}/result").json()
    assert result["status"] == "succeeded", result
    output: dict[str, object] = result["output"]
    return output


@pytest.mark.parametrize(
    ("resolution", "size"),
    [("1152:864 (4:3)", (1152, 864)), ("512:1536 (1:3)", (512, 1536))],
)
def test_image_model_serves_a_png_of_the_requested_resolution(
    emu: RunningEmulator, client: httpx.Client, resolution: str, size: tuple[int, int]
) -> None:
    request_id = submit_ok(client, REFRAME, {"image": IMAGE_URL, "resolution": resolution})

    output = output_of(client, request_id)
    assert set(output) == {"image"}
    url = str(output["image"])
    assert url == f"{emu.base_url}/_emulator/files/{request_id}.png"
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert png_size(response.content) == size


def test_video_model_serves_an_mp4(client: httpx.Client) -> None:
    request_id = submit_ok(client, VIDEO, VIDEO_INPUT)

    output = output_of(client, request_id)
    assert set(output) == {"video"}
    response = client.get(str(output["video"]))
    assert response.status_code == 200
    assert response.headers["content-type"] == "video/mp4"
    assert response.content[4:8] == b"ftyp"
    (box_size,) = struct.unpack(">I", response.content[:4])
    assert response.content[box_size + 4 : box_size + 8] == b"mdat"


def test_output_key_follows_the_output_schema(client: httpx.Client) -> None:
    request_id = submit_ok(client, GALLERY, {"prompt": "x", "width": 100})

    output = output_of(client, request_id)
    assert set(output) == {"images"}
    urls = output["images"]
    assert isinstance(urls, list)
    assert len(urls) == 1
    assert png_size(client.get(urls[0]).content) == DEFAULT_IMAGE_SIZE


def test_size_without_a_pixel_resolution_is_the_default(client: httpx.Client) -> None:
    request_id = submit_ok(client, EDIT, {"prompt": "x", "image": [IMAGE_URL], "resolution": "2K"})

    url = str(output_of(client, request_id)["image"])
    assert png_size(client.get(url).content) == DEFAULT_IMAGE_SIZE


def test_files_exist_only_once_the_job_succeeded(
    emu: RunningEmulator, client: httpx.Client, clock: FakeClock
) -> None:
    emu.set_timings(run_seconds=10)
    request_id = submit_ok(client)
    url = f"/_emulator/files/{request_id}.png"

    assert client.get(url).status_code == 404
    clock.advance(10)
    assert client.get(url).status_code == 200
    assert client.get(f"/_emulator/files/{request_id}.mp4").status_code == 404
    assert client.get("/_emulator/files/nothing.png").status_code == 404


def test_failed_jobs_have_no_files(emu: RunningEmulator, client: httpx.Client) -> None:
    emu.set_outcome("failed")
    request_id = submit_ok(client)

    assert client.get(f"/_emulator/files/{request_id}.png").status_code == 404


def test_requested_size_rules() -> None:
    schema = {"properties": {"resolution": {"default": "1024:1024 (1:1)"}}}

    assert requested_size({"resolution": "1152:864 (4:3)"}, {}) == (1152, 864)
    assert requested_size({}, schema) == (1024, 1024)
    assert requested_size({"resolution": "16:9"}, {}) is None
    assert requested_size({"resolution": "1080p"}, {}) is None
    assert requested_size({"width": 320, "height": 200}, {}) == (320, 200)
    assert requested_size({"width": 320}, {}) is None


def test_generated_files_are_valid_and_cached() -> None:
    assert png_size(png_bytes(33, 17)) == (33, 17)
    assert png_bytes(33, 17) is png_bytes(33, 17)
    assert mp4_bytes()[4:12] == b"ftypisom"
