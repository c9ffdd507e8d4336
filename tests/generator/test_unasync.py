"""The sync client is derived from the async one: same methods, nothing async left."""

from __future__ import annotations

import inspect
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from runcomfy_codegen.cli import cli
from runcomfy_codegen.pipeline import render
from runcomfy_codegen.pipeline.runtime_files import twin_diagnostics
from runcomfy_codegen.pipeline.unasync import UnasyncError, derive_twins, stale_twins, unasync
from runcomfy_models._runtime import AsyncJob, AsyncRunComfy, Job, RunComfy, async_fetch, fetch

from .support import SCHEMAS

RUNTIME = render.template_root() / "runtime"


def _public(cls: type) -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(member)
        for name, member in inspect.getmembers(cls, inspect.isfunction)
        if not name.startswith("_") or name in ("__init__", "_fetch_status", "_fetch_result")
    }


@pytest.mark.parametrize(("sync", "async_"), [(RunComfy, AsyncRunComfy), (Job, AsyncJob)])
def test_the_sync_twin_has_the_same_methods_and_parameters(sync: type, async_: type) -> None:
    renamed = {"aclose": "close"}
    expected = {
        renamed.get(name, name): sig.parameters.keys() for name, sig in _public(async_).items()
    }
    actual = {name: sig.parameters.keys() for name, sig in _public(sync).items()}
    assert {k: list(v) for k, v in actual.items()} == {k: list(v) for k, v in expected.items()}
    for name, member in inspect.getmembers(sync, inspect.isfunction):
        assert not inspect.iscoroutinefunction(member), name


def test_async_iteration_becomes_plain_iteration() -> None:
    source = (
        "async def f(r: Response) -> None:\n    async for c in r.aiter_bytes(8):\n        pass\n"
    )
    assert (
        unasync(source)
        == "def f(r: Response) -> None:\n    for c in r.iter_bytes(8):\n        pass\n"
    )


def test_unasync_turns_async_code_into_sync_code() -> None:
    source = '"""Doc."""\n\nimport asyncio\n\n\nasync def f(c: AsyncRunComfy) -> None:\n    await asyncio.sleep(1)\n    await c.aclose()\n'
    assert unasync(source).endswith(
        "import time\n\n\ndef f(c: RunComfy) -> None:\n    time.sleep(1)\n    c.close()\n"
    )


@pytest.mark.parametrize("construct", ["async with x:\n    pass\n", "x = asyncio.gather(y)\n"])
def test_a_construct_without_a_rule_is_refused_not_copied(construct: str) -> None:
    with pytest.raises(UnasyncError, match=r"still says 'async(io)?'"):
        unasync('"""Doc."""\n' + construct)


def test_the_committed_twins_are_what_their_sources_derive() -> None:
    assert stale_twins(RUNTIME) == []


def test_the_download_loops_have_sync_twins_with_the_same_parameters() -> None:
    for name in ("download", "fetch"):
        sync = inspect.signature(getattr(fetch, f"{name}_sync"))
        async_ = inspect.signature(getattr(async_fetch, f"{name}_async"))
        assert list(sync.parameters) == list(async_.parameters)
        assert not inspect.iscoroutinefunction(getattr(fetch, f"{name}_sync"))


def test_a_drifted_twin_is_refused_by_generate_and_rewritten_by_derive(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = tmp_path / "runtime"
    shutil.copytree(RUNTIME, runtime, ignore=shutil.ignore_patterns("__pycache__"))
    client = runtime / "client.py"
    client.write_text(client.read_text() + "\n# edited by hand\n")
    templates = render.Templates()
    monkeypatch.setattr(templates, "runtime_dir", runtime)
    (diagnostic,) = twin_diagnostics(templates)
    assert diagnostic.file == "templates/runtime/client.py"
    assert "runcomfy-codegen derive" in diagnostic.message
    assert derive_twins(runtime) == [client]
    assert stale_twins(runtime) == []
    assert twin_diagnostics(templates) == []


def test_generate_names_the_drifted_twin_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = tmp_path / "runtime"
    shutil.copytree(RUNTIME, runtime, ignore=shutil.ignore_patterns("__pycache__"))
    (runtime / "fetch.py").unlink()
    monkeypatch.setattr(render, "template_root", lambda: tmp_path)
    for template in RUNTIME.parent.glob("*.jinja"):
        shutil.copy(template, tmp_path / template.name)
    result = CliRunner().invoke(
        cli, ["generate", "--schemas", str(SCHEMAS), "--out", str(tmp_path / "out"), "--no-cache"]
    )
    assert result.exit_code == 1
    assert "templates/runtime/fetch.py: error: differs from what its async source derives" in (
        result.output
    )
    assert not (tmp_path / "out").exists()
