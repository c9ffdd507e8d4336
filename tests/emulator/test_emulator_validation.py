"""Submit bodies are checked against the model's schema, in RunComfy's dialect."""

from __future__ import annotations

import base64
import copy
from typing import Any

import httpx
import pytest
from runcomfy_models._runtime.emulator import Emulator, RunningEmulator
from runcomfy_models._runtime.emulator import input_schema as inputs_module
from runcomfy_models._runtime.emulator.input_schema import is_media_reference, normalise_schema

from .support import CATALOG, EDIT, IMAGE_URL, REFRAME, REFRAME_INPUT, VIDEO, VIDEO_INPUT, submit

PNG_DATA_URI = "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\n").decode()


def detail(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error_code"] == 422001
    assert isinstance(body["error_message"], str)
    issues: list[dict[str, str]] = body["detail"]
    return issues


def test_schema_errors_come_back_as_a_list_of_paths_and_messages(
    emu: RunningEmulator, client: httpx.Client
) -> None:
    response = submit(
        client, REFRAME, {"image": IMAGE_URL, "resolution": "3:2", "seed": -1, "style": "bold"}
    )

    issues = detail(response)
    assert [issue["path"] for issue in issues] == ["/resolution", "/seed", "/style"]
    assert all(issue["message"] for issue in issues)
    assert "3:2" in issues[0]["message"]
    stats = emu.stats()
    assert stats["routes"]["submit"] == 0
    assert stats["models"][REFRAME]["submit_rejected"] == 1


def test_missing_required_property_points_at_the_property(client: httpx.Client) -> None:
    issues = detail(submit(client, REFRAME, {"resolution": "1152:864 (4:3)"}))

    assert issues == [{"path": "/image", "message": "'image' is a required property"}]


def test_float_type_means_number(client: httpx.Client) -> None:
    assert submit(client, VIDEO, {**VIDEO_INPUT, "guidance": 1.5}).status_code == 200
    assert submit(client, VIDEO, {**VIDEO_INPUT, "guidance": 2}).status_code == 200
    issues = detail(submit(client, VIDEO, {**VIDEO_INPUT, "guidance": "high"}))
    assert [issue["path"] for issue in issues] == ["/guidance"]


def test_validations_extension_is_ignored_but_a_property_of_that_name_is_checked(
    client: httpx.Client,
) -> None:
    body: dict[str, Any] = {"prompt": "x", "image": [IMAGE_URL, PNG_DATA_URI]}
    assert submit(client, EDIT, body).status_code == 200

    issues = detail(submit(client, EDIT, {**body, "validations": "many"}))
    assert [issue["path"] for issue in issues] == ["/validations"]


@pytest.mark.parametrize(
    "value",
    [IMAGE_URL, "http://127.0.0.1:8000/a.png", PNG_DATA_URI, "data:,plain%20text"],
)
def test_media_inputs_accept_http_urls_and_data_uris(client: httpx.Client, value: str) -> None:
    assert submit(client, REFRAME, {**REFRAME_INPUT, "image": value}).status_code == 200


@pytest.mark.parametrize(
    "value",
    [
        "",
        "cat.png",
        "/tmp/cat.png",
        "ftp://example.com/cat.png",
        "https://",
        "data:image/png;base64,@@@",
    ],
)
def test_media_inputs_reject_other_strings(client: httpx.Client, value: str) -> None:
    issues = detail(submit(client, REFRAME, {**REFRAME_INPUT, "image": value}))

    assert [issue["path"] for issue in issues] == ["/image"]
    assert "URL" in issues[0]["message"]


def test_messages_do_not_echo_huge_values(client: httpx.Client) -> None:
    huge = "data:image/png;base64," + "A" * 100_001  # not valid base64: wrong length
    response = submit(client, REFRAME, {**REFRAME_INPUT, "image": huge, "seed": "9" * 5000})

    issues = detail(response)
    assert [issue["path"] for issue in issues] == ["/image", "/seed"]
    assert all(len(issue["message"]) <= 300 for issue in issues)
    assert len(response.content) < 2000


def test_media_lists_check_each_item(client: httpx.Client) -> None:
    issues = detail(submit(client, EDIT, {"prompt": "x", "image": [IMAGE_URL, "cat.png"]}))

    assert [issue["path"] for issue in issues] == ["/image"]


def test_invalid_json_is_400(emu: RunningEmulator, client: httpx.Client) -> None:
    response = client.post(
        f"/v1/models/{REFRAME}", content=b"{not json", headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 400
    assert "not valid JSON" in response.json()["error_message"]
    assert emu.stats()["routes"]["submit_rejected"] == 1


@pytest.mark.parametrize(
    ("body", "statuses"),
    [
        (b'{"seed": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", (400,)),
        (b'{"seed": ' + b"9" * 10_000 + b"}", (400,)),
        (b'{"image": ' + b'{"a": ' * 600 + b"1" + b"}" * 600 + b"}", (400, 422)),
        (b'{"image": "https://example.com/a.png", "seed": 1e999}', (422,)),
    ],
)
def test_hostile_bodies_are_refused_never_a_server_error(
    emu: RunningEmulator, client: httpx.Client, body: bytes, statuses: tuple[int, ...]
) -> None:
    response = client.post(f"/v1/models/{REFRAME}", content=body)
    assert response.status_code in statuses, response.text[:300]
    assert response.json()["error_message"]
    assert emu.stats()["jobs"]["succeeded"] == 0
    assert emu.stats()["routes"]["submit_rejected"] == 1


@pytest.mark.parametrize("body", [b'[{"image": "x"}]', b'"image"', b"42", b"null"])
def test_non_object_body_is_422(emu: RunningEmulator, client: httpx.Client, body: bytes) -> None:
    issues = detail(client.post(f"/v1/models/{REFRAME}", content=body))

    assert issues == [
        {"path": "", "message": "the request body must be a JSON object of model inputs"}
    ]
    assert emu.stats()["jobs"]["succeeded"] == 0


def test_normalising_leaves_the_original_schema_alone() -> None:
    original = copy.deepcopy(CATALOG[2]["input_schema"])
    original["properties"]["weights"] = {
        "type": "array",
        "items": {"type": "float", "validations": []},
    }
    original["anyOf"] = [{"properties": {"strength": {"type": ["float", "null"]}}}]
    before = copy.deepcopy(original)

    plain, media_formats = normalise_schema(original)

    assert original == before
    assert media_formats == {"image_uris"}
    assert "validations" not in plain["properties"]["image"]
    assert plain["properties"]["validations"] == {"type": "integer"}
    assert plain["properties"]["weights"]["items"] == {"type": "number"}
    assert plain["anyOf"][0]["properties"]["strength"]["type"] == ["number", "null"]


def test_each_schema_is_compiled_once(monkeypatch: pytest.MonkeyPatch) -> None:
    compiled: list[str] = []
    real = inputs_module.compile_validator

    def counting(schema: Any) -> Any:
        compiled.append("x")
        return real(schema)

    monkeypatch.setattr(inputs_module, "compile_validator", counting)
    emulator = Emulator(CATALOG)
    for _ in range(3):
        assert emulator.validate(REFRAME, REFRAME_INPUT) == []
        assert emulator.validate(REFRAME, {}) != []
    assert emulator.validate(VIDEO, VIDEO_INPUT) == []

    assert len(compiled) == 2


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://cdn.example.com/a.mp4?sig=1", True),
        ("HTTP://EXAMPLE.COM/a", True),
        ("https:///no-host", False),
        ("data:video/mp4;base64,AAAA", True),
        ("data:no-comma", False),
        ("https://[::1", False),
    ],
)
def test_media_reference_rules(value: str, expected: bool) -> None:
    assert is_media_reference(value) is expected
