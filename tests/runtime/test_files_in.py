"""Media inputs: URLs pass through, Paths/bytes/files become data: URIs, sizes are checked."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pytest
from runcomfy_models._runtime import InvalidInputError, encode_media
from runcomfy_models._runtime import files as files_module
from runcomfy_models._runtime.files import sniff_mime_type

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 24
GIF = b"GIF89a" + b"\x00" * 24
WEBP = b"RIFF\x00\x00\x00\x00WEBPVP8 " + b"\x00" * 16
WAV = b"RIFF\x00\x00\x00\x00WAVEfmt " + b"\x00" * 16
MP4 = b"\x00\x00\x00\x18ftypisom" + b"\x00" * 16
MOV = b"\x00\x00\x00\x14ftypqt  " + b"\x00" * 16
WEBM = b"\x1a\x45\xdf\xa3" + b"\x00" * 24
MP3 = b"ID3\x03\x00" + b"\x00" * 24
MP3_FRAME = b"\xff\xfb\x90\x00" + b"\x00" * 24
OGG = b"OggS" + b"\x00" * 24


def decode(uri: str) -> tuple[str, bytes]:
    header, _, payload = uri.partition(",")
    assert header.startswith("data:") and header.endswith(";base64")
    return header[5:-7], base64.b64decode(payload)


@pytest.mark.parametrize(
    "value",
    [
        "https://example.com/cat.png",
        "HTTP://EXAMPLE.COM/a.png",
        "http://127.0.0.1:8000/x?y=1#z",
        "data:image/png;base64,iVBORw0KGgo=",
        "data:,hello",
    ],
)
def test_urls_and_data_uris_pass_through_unchanged(value: str) -> None:
    assert encode_media(value, "image") == value


@pytest.mark.parametrize(
    "value",
    [
        "cat.png",
        "/tmp/nothing-here.png",
        "ftp://example.com/a.png",
        "https://",
        "",
        "javascript:alert(1)",
    ],
)
def test_other_strings_are_refused(value: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        encode_media(value, "image", field="image")
    assert str(info.value).startswith("image:")
    assert "Path(" not in str(info.value)


def test_string_naming_an_existing_file_is_not_read_but_explained(tmp_path: Path) -> None:
    picture = tmp_path / "cat.png"
    picture.write_bytes(PNG)
    with pytest.raises(InvalidInputError) as info:
        encode_media(str(picture), "image", field="image")
    assert f"Path({str(picture)!r})" in str(info.value)


def test_path_becomes_data_uri_with_type_from_name(tmp_path: Path) -> None:
    picture = tmp_path / "cat.jpg"
    picture.write_bytes(PNG)  # the name wins over the content
    mime, data = decode(encode_media(picture, "image"))
    assert (mime, data) == ("image/jpeg", PNG)


def test_path_without_known_extension_is_sniffed(tmp_path: Path) -> None:
    blob = tmp_path / "upload.bin"
    blob.write_bytes(WEBP)
    assert decode(encode_media(blob, "image"))[0] == "image/webp"
    unknown = tmp_path / "noext"
    unknown.write_bytes(b"\x00\x01\x02")
    assert decode(encode_media(unknown, "video"))[0] == "video/mp4"
    assert decode(encode_media(unknown, "audio"))[0] == "audio/mpeg"
    assert decode(encode_media(unknown, "image"))[0] == "image/png"


@pytest.mark.parametrize(
    ("data", "kind", "mime"),
    [
        (PNG, "image", "image/png"),
        (JPEG, "image", "image/jpeg"),
        (GIF, "image", "image/gif"),
        (WEBP, "image", "image/webp"),
        (MP4, "video", "video/mp4"),
        (MOV, "video", "video/quicktime"),
        (WEBM, "video", "video/webm"),
        (WAV, "audio", "audio/wav"),
        (MP3, "audio", "audio/mpeg"),
        (MP3_FRAME, "audio", "audio/mpeg"),
        (OGG, "audio", "audio/ogg"),
        (WEBM, "audio", "audio/webm"),
    ],
)
def test_bytes_are_sniffed(data: bytes, kind: str, mime: str) -> None:
    assert sniff_mime_type(data, kind) == mime  # type: ignore[arg-type]
    assert decode(encode_media(data, kind))[0] == mime  # type: ignore[arg-type]
    assert decode(encode_media(bytearray(data), kind)) == (mime, data)  # type: ignore[arg-type]


def test_binary_file_objects(tmp_path: Path) -> None:
    assert decode(encode_media(io.BytesIO(GIF), "image")) == ("image/gif", GIF)
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"whatever")
    with clip.open("rb") as handle:
        assert decode(encode_media(handle, "video")) == ("video/mp4", b"whatever")
    with clip.open("r") as text, pytest.raises(InvalidInputError, match="binary mode"):
        encode_media(text, "video")  # type: ignore[arg-type]


def test_missing_and_unreadable_files_name_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "missing.png"
    with pytest.raises(InvalidInputError, match="file not found") as info:
        encode_media(missing, "image", field="image")
    assert str(missing) in str(info.value)
    with pytest.raises(InvalidInputError, match="folder"):
        encode_media(tmp_path, "image")


def test_an_unreadable_file_names_the_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = tmp_path / "locked.png"
    locked.write_bytes(PNG)

    def denied(self: Path, *args: object, **kwargs: object) -> object:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "open", denied)
    with pytest.raises(InvalidInputError, match="permission denied") as info:
        encode_media(locked, "image")
    assert str(locked) in str(info.value)


def test_wrong_types_are_refused() -> None:
    with pytest.raises(InvalidInputError, match="got int"):
        encode_media(42, "image")  # type: ignore[arg-type]


@pytest.mark.parametrize(("kind", "limit_mb"), [("image", 50), ("video", 100), ("audio", 50)])
def test_documented_size_limits(kind: str, limit_mb: int) -> None:
    assert files_module.MAX_MEDIA_BYTES[kind] == limit_mb * 1024 * 1024


def test_oversized_inputs_are_refused_before_anything_is_sent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(files_module.MAX_MEDIA_BYTES, "image", 10)
    big = tmp_path / "big.png"
    big.write_bytes(PNG)
    for value in (big, PNG, bytearray(PNG), io.BytesIO(PNG)):
        with pytest.raises(InvalidInputError, match="over the") as info:
            encode_media(value, "image", field="image")
        assert "nothing was sent" in str(info.value)
    too_long = "data:image/png;base64," + base64.b64encode(PNG).decode()
    with pytest.raises(InvalidInputError, match="over the"):
        encode_media(too_long, "image")
    assert encode_media(b"\x89PNG", "image").startswith("data:image/png;base64,")
