"""The sync client is derived from the async one: same methods, nothing async left."""

from __future__ import annotations

import inspect

import pytest
from runcomfy_codegen.pipeline.unasync import UnasyncError, unasync
from runcomfy_models._runtime import AsyncJob, AsyncRunComfy, Job, RunComfy


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


def test_unasync_turns_async_code_into_sync_code() -> None:
    source = '"""Doc."""\n\nimport asyncio\n\n\nasync def f(c: AsyncRunComfy) -> None:\n    await asyncio.sleep(1)\n    await c.aclose()\n'
    assert unasync(source).endswith(
        "import time\n\n\ndef f(c: RunComfy) -> None:\n    time.sleep(1)\n    c.close()\n"
    )


@pytest.mark.parametrize(
    "construct", ["async with x:\n    pass\n", "async for y in x:\n    pass\n"]
)
def test_a_construct_without_a_rule_is_refused_not_copied(construct: str) -> None:
    with pytest.raises(UnasyncError, match="still says 'async'"):
        unasync('"""Doc."""\n' + construct)
