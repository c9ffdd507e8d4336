"""A Ctrl-C that Python hands over wrapped in another exception still ends as an interrupt."""

from __future__ import annotations

import subprocess
import sys

import pytest
from runcomfy_models._runtime.cli.interrupts import caused_by_interrupt


class _InterruptedWhileNamed:
    def __set_name__(self, owner: type, name: str) -> None:
        raise KeyboardInterrupt


def test_an_interrupt_wrapped_while_a_class_is_created_is_an_interrupt() -> None:
    with pytest.raises(BaseException) as caught:  # RuntimeError on 3.11, the interrupt after

        class Loading:
            attribute = _InterruptedWhileNamed()

    assert caused_by_interrupt(caught.value)


def test_only_a_chain_holding_an_interrupt_is_one() -> None:
    assert caused_by_interrupt(KeyboardInterrupt())
    try:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt:
            raise ValueError("while handling it")  # noqa: B904 - the context is the point
    except ValueError as exc:
        assert caused_by_interrupt(exc)
    assert not caused_by_interrupt(RuntimeError("no"))
    wrapped = RuntimeError("wrapped")
    wrapped.__cause__ = KeyboardInterrupt()
    assert caused_by_interrupt(wrapped)
    looped = RuntimeError("a")
    looped.__context__ = RuntimeError("b")
    looped.__context__.__context__ = looped
    assert not caused_by_interrupt(looped)


STARTS_INTERRUPTED = """
import runcomfy_models._runtime.cli.app as app
from runcomfy_models._runtime.cli import main

def interrupted_while_loading():
    raise RuntimeError("Error calling __set_name__") from KeyboardInterrupt()

app.main = interrupted_while_loading
main()
"""


def test_the_command_ends_with_130_and_no_traceback_when_the_interrupt_comes_wrapped() -> None:
    done = subprocess.run(
        [sys.executable, "-c", STARTS_INTERRUPTED],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 130, done.stderr
    assert "Traceback" not in done.stderr
    assert "Interrupted." in done.stderr


def test_other_errors_still_surface() -> None:
    script = STARTS_INTERRUPTED.replace(" from KeyboardInterrupt()", "")
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 1
    assert "Error calling __set_name__" in done.stderr
