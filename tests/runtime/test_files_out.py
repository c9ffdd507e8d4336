"""Output files: RemoteFile as a pydantic type, safe names, atomic downloads without the token."""

from __future__ import annotations

import json
import os
from pathlib import Path

import httpx
import pytest
from pydantic import BaseModel
from runcomfy_models._runtime import (
    DownloadError,
    GenericOutput,
    InvalidInputError,
    RemoteFile,
    download_all,
    download_all_async,
)
from runcomfy_models._runtime.filenames import safe_filename, unique_filename

from .helpers import FAST_RETRY, TOKEN, FileServer


class Out(BaseModel):
    image: RemoteFile
    images: list[RemoteFile] | None = None


def test_remote_file_is_a_pydantic_type() -> None:
    out = Out.model_validate(
        {"image": "https://cdn.test/a.png", "images": ["https://cdn.test/b.png"]}
    )
    assert isinstance(out.image, RemoteFile)
    assert out.image.url == "https://cdn.test/a.png"
    assert out.model_dump() == {
        "image": "https://cdn.test/a.png",
        "images": ["https://cdn.test/b.png"],
    }
    assert json.loads(out.model_dump_json())["image"] == "https://cdn.test/a.png"
    assert Out.model_validate_json('{"image": "https://cdn.test/c.png"}').image.filename == "c.png"
    assert Out(image=RemoteFile("https://cdn.test/d.png")).image == RemoteFile(
        "https://cdn.test/d.png"
    )
    schema = Out.model_json_schema()
    assert schema["properties"]["image"] == {"format": "uri", "type": "string", "title": "Image"}
    with pytest.raises(ValueError):
        Out.model_validate({"image": 5})
    with pytest.raises(ValueError):
        Out.model_validate({"image": ""})


def test_remote_file_basics() -> None:
    remote = RemoteFile("https://cdn.test/x/y/photo.png?sig=abc")
    assert str(remote) == remote.url
    assert repr(remote) == "RemoteFile('https://cdn.test/x/y/photo.png?sig=abc')"
    assert remote.filename == "photo.png"
    assert len({remote, RemoteFile(remote.url)}) == 1


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://cdn.test/a/b/image.png", "image.png"),
        ("https://cdn.test/a/b/my%20image.png?x=1", "my image.png"),
        ("https://cdn.test/a/caf%C3%A9.png", "café.png"),
        ("https://cdn.test/a/we<i>rd*na|me.png", "we_i_rd_na_me.png"),
        ("https://cdn.test/a/CON.png", "_CON.png"),
        ("https://cdn.test/a/" + "x" * 300 + ".png", "x" * 146 + ".png"),
    ],
)
def test_safe_filename_keeps_harmless_names(url: str, expected: str) -> None:
    assert safe_filename(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "https://cdn.test/",
        "https://cdn.test",
        "https://cdn.test/a/..",
        "https://cdn.test/a/%2E%2E",
        "https://cdn.test/a/..%2F..%2Fetc%2Fpasswd",
        "https://cdn.test/a/..%5C..%5Cwin.ini",
        "https://cdn.test/a/%2Fetc%2Fpasswd",
        "https://cdn.test/a/C:%5Cwindows%5Csystem.ini",
        "https://cdn.test/a/.bashrc",
        "https://cdn.test/a/evil%0Aname.png",
        "https://cdn.test/a/evil%00name.png",
        "https://cdn.test/a/evil%E2%80%AEgnp.exe",
        "https://cdn.test/a/%20%20",
        "https://cdn.test/a/...",
    ],
)
def test_safe_filename_replaces_hostile_names(url: str) -> None:
    name = safe_filename(url)
    assert name.startswith("download-")
    assert "/" not in name and "\\" not in name and ".." not in name
    assert name.isprintable() and not name.startswith(".")
    assert safe_filename(url) == name  # deterministic


def test_safe_filename_keeps_a_safe_extension_of_hostile_names() -> None:
    assert safe_filename("https://cdn.test/a/..%2Fx.PNG").endswith(".png")
    assert safe_filename("https://cdn.test/a/..%2Fx.p/ng") == safe_filename(
        "https://cdn.test/a/..%2Fx.p/ng"
    )


def test_unique_filename() -> None:
    taken: set[str] = set()
    names = [unique_filename(n, taken) for n in ("a.png", "a.png", "A.PNG", "b", "b", ".png")]
    assert names == ["a.png", "a-1.png", "A-2.PNG", "b", "b-1", ".png"]


def test_save_to_file_and_folder(tmp_path: Path, file_server: FileServer) -> None:
    url = file_server.serve("/files/result.png", b"PNGDATA")
    remote = RemoteFile(url)
    assert remote.read() == b"PNGDATA"
    exact = remote.save(tmp_path / "sub" / "chosen.png")
    assert exact == tmp_path / "sub" / "chosen.png" and exact.read_bytes() == b"PNGDATA"
    into = remote.save(tmp_path)
    assert into == tmp_path / "result.png" and into.read_bytes() == b"PNGDATA"
    trailing = remote.save(str(tmp_path / "new-folder") + os.sep)
    assert trailing == tmp_path / "new-folder" / "result.png"
    renamed = remote.save(tmp_path, filename="chosen name.png")
    assert renamed == tmp_path / "chosen name.png"
    leftovers = [p.name for p in tmp_path.rglob("*") if p.name.endswith(".part")]
    assert leftovers == []


SEP = os.sep


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        # Into a folder: an existing one, a trailing separator, or no extension and not there yet.
        ("existing", "existing/result.png"),
        ("existing" + SEP, "existing/result.png"),
        (Path("existing"), "existing/result.png"),
        ("new" + SEP, "new/result.png"),
        ("new", "new/result.png"),
        (Path("new"), "new/result.png"),
        (Path("deep/er/folder"), "deep/er/folder/result.png"),
        ("new.d" + SEP, "new.d/result.png"),
        # As a file: anything with an extension, or an existing file.
        ("cat.png", "cat.png"),
        (Path("sub/cat.jpg"), "sub/cat.jpg"),
        ("existing-file", "existing-file"),
        # Path() drops a trailing separator: "new.d/" as a Path is the file "new.d".
        (Path("new.d" + SEP), "new.d"),
    ],
    ids=repr,
)
def test_save_into_a_folder_or_as_a_file(
    tmp_path: Path, file_server: FileServer, given: str | Path, expected: str
) -> None:
    (tmp_path / "existing").mkdir()
    (tmp_path / "existing-file").write_bytes(b"old")
    url = file_server.serve("/files/result.png", b"PNGDATA")
    target = tmp_path / given if isinstance(given, Path) else str(tmp_path) + SEP + given
    saved = RemoteFile(url).save(target)
    assert saved == tmp_path / expected
    assert saved.read_bytes() == b"PNGDATA"


async def test_asave_follows_the_same_folder_rule(tmp_path: Path, file_server: FileServer) -> None:
    url = file_server.serve("/files/clip.mp4", b"MP4")
    assert await RemoteFile(url).asave(tmp_path / "out") == tmp_path / "out" / "clip.mp4"
    assert await RemoteFile(url).asave(tmp_path / "x.mp4") == tmp_path / "x.mp4"


@pytest.mark.parametrize("name", ["../../escape.png", "a/b.png", ".hidden", "", "..", "x\ny"])
def test_an_explicit_filename_must_be_a_plain_name(
    tmp_path: Path, file_server: FileServer, name: str
) -> None:
    url = file_server.serve("/files/result.png", b"PNGDATA")
    with pytest.raises(InvalidInputError, match="plain file name"):
        RemoteFile(url).save(tmp_path, filename=name)
    assert list(tmp_path.iterdir()) == []
    assert file_server.requests == []


def test_file_system_problems_are_download_errors(tmp_path: Path, file_server: FileServer) -> None:
    url = file_server.serve("/files/result.png", b"PNGDATA")
    blocker = tmp_path / "blocker.png"
    blocker.write_bytes(b"a file, not a folder")
    with pytest.raises(DownloadError, match="Cannot create the folder") as info:
        RemoteFile(url).save(blocker / "inside.png")
    assert info.value.url == url and isinstance(info.value.__cause__, OSError)
    with pytest.raises(DownloadError, match="Cannot create the folder"):
        download_all(GenericOutput.model_validate({"image": url}), blocker / "all")
    assert blocker.read_bytes() == b"a file, not a folder"


@pytest.mark.parametrize(
    "path",
    [
        "/files/..%2F..%2Fescape.png",
        "/files/%2Fetc%2Fpasswd",
        "/files/evil%0Aname.png",
        "/files/..",
        "/files/",
        "/files/%2e%2e%5c%2e%2e%5cwin.ini",
    ],
)
def test_hostile_names_never_escape_the_folder(
    tmp_path: Path, file_server: FileServer, path: str
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    url = file_server.serve(path, b"DATA")
    file_server.serve("/", b"DATA")  # the HTTP client normalizes "/files/.." to "/"
    saved = RemoteFile(url).save(folder)
    assert saved.parent == folder
    assert saved.read_bytes() == b"DATA"
    assert sorted(p.name for p in tmp_path.rglob("*")) == sorted(["out", saved.name])


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://127.0.0.1/x.png",
        "data:image/png;base64,AAAA",
        "javascript:alert(1)",
        "//127.0.0.1/x.png",
        "/relative/x.png",
        "http:///nohost.png",
    ],
)
def test_non_http_urls_are_refused(tmp_path: Path, url: str) -> None:
    remote = RemoteFile(url)
    with pytest.raises(DownloadError, match="non-http"):
        remote.read()
    with pytest.raises(DownloadError, match="non-http"):
        remote.save(tmp_path)
    assert list(tmp_path.iterdir()) == []


async def test_async_refuses_non_http_urls(tmp_path: Path) -> None:
    with pytest.raises(DownloadError):
        await RemoteFile("file:///etc/passwd").aread()
    with pytest.raises(DownloadError):
        await RemoteFile("file:///etc/passwd").asave(tmp_path)


def test_failed_download_leaves_nothing_behind(tmp_path: Path, file_server: FileServer) -> None:
    url = file_server.serve("/gone.png", b"no", status=404)
    target = tmp_path / "gone.png"
    with pytest.raises(DownloadError) as info:
        RemoteFile(url).save(target)
    assert info.value.status_code == 404
    assert list(tmp_path.iterdir()) == []


def test_existing_file_is_replaced_atomically(tmp_path: Path, file_server: FileServer) -> None:
    target = tmp_path / "x.png"
    target.write_bytes(b"old")
    RemoteFile(file_server.serve("/x.png", b"new")).save(target)
    assert target.read_bytes() == b"new"


def test_downloads_never_send_the_token(tmp_path: Path, file_server: FileServer) -> None:
    url = file_server.serve("/a.png", b"A", status=302, headers={"Location": "/b.png"})
    file_server.serve("/b.png", b"B")
    sneaky = httpx.Client(headers={"Authorization": f"Bearer {TOKEN}", "Cookie": "s=1"})
    try:
        assert RemoteFile(url).read(http_client=sneaky) == b"B"
        RemoteFile(url).save(tmp_path, http_client=sneaky)
    finally:
        sneaky.close()
    RemoteFile(url).save(tmp_path / "plain.png")
    assert len(file_server.requests) == 6
    for _, headers in file_server.requests:
        assert "authorization" not in headers
        assert "cookie" not in headers


async def test_async_downloads(tmp_path: Path, file_server: FileServer) -> None:
    url = file_server.serve("/clip.mp4", b"MP4" * 1000)
    remote = RemoteFile(url)
    assert await remote.aread() == b"MP4" * 1000
    saved = await remote.asave(tmp_path)
    assert saved == tmp_path / "clip.mp4" and saved.read_bytes() == b"MP4" * 1000
    sneaky = httpx.AsyncClient(headers={"Authorization": f"Bearer {TOKEN}"})
    try:
        await remote.asave(tmp_path / "again.mp4", http_client=sneaky)
    finally:
        await sneaky.aclose()
    assert all("authorization" not in headers for _, headers in file_server.requests)
    missing = RemoteFile(file_server.base_url + "/missing.mp4")
    with pytest.raises(DownloadError):
        await missing.asave(tmp_path / "missing.mp4")
    assert not (tmp_path / "missing.mp4").exists()


def test_download_all_saves_every_file_with_distinct_names(
    tmp_path: Path, file_server: FileServer
) -> None:
    a = file_server.serve("/one/out.png", b"1")
    b = file_server.serve("/two/out.png", b"2")
    c = file_server.serve("/..%2Fout.png", b"3")
    output = GenericOutput.model_validate({"image": a, "images": [b, c, a], "seed": 7})
    paths = download_all(output, tmp_path / "all")
    assert [p.name for p in paths] == ["out.png", "out-1.png", paths[2].name]
    assert paths[2].name.startswith("download-")
    assert [p.read_bytes() for p in paths] == [b"1", b"2", b"3"]
    assert all(p.parent == tmp_path / "all" for p in paths)
    assert download_all(GenericOutput(), tmp_path / "none") == []


async def test_download_all_async(tmp_path: Path, file_server: FileServer) -> None:
    url = file_server.serve("/v.mp4", b"V")
    output = GenericOutput.model_validate({"video": url, "videos": [url]})
    paths = await download_all_async(output, tmp_path)
    assert paths == [tmp_path / "v.mp4"]
    assert paths[0].read_bytes() == b"V"


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_saved_files_are_ordinary_files(tmp_path: Path, file_server: FileServer) -> None:
    saved = RemoteFile(file_server.serve("/m.png", b"M")).save(tmp_path)
    assert saved.stat().st_mode & 0o777 == 0o644


def test_errors_and_logs_leave_out_the_signature_of_a_signed_url(
    tmp_path: Path, file_server: FileServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG", logger="runcomfy_models")
    url = file_server.serve("/signed.png?X-Signature=SIGNATURE-VALUE", b"busy", status=503)
    with pytest.raises(DownloadError) as info:
        RemoteFile(url).save(tmp_path, retry=FAST_RETRY)
    assert info.value.url == url and info.value.status_code == 503
    assert "/signed.png?..." in str(info.value)
    assert len(file_server.requests) == FAST_RETRY.max_retries + 1
    assert caplog.records and "SIGNATURE-VALUE" not in caplog.text + str(info.value)
