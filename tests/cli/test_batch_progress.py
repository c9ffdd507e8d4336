"""The batch's progress line on a terminal: counts that add up, time left, spend."""

from __future__ import annotations

import os
import pty
import re
import subprocess
from pathlib import Path

from runcomfy_models._runtime.cli.batch.progress import Progress
from runcomfy_models._runtime.emulator import FAIL_MARKER, RunningEmulator

from .support import FLUX, cli_command, cli_env, write_jsonl

_ESCAPES = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _on_a_terminal(command: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run ``command`` with stderr on a pseudo-terminal; returns its exit code and what it drew."""
    master, slave = pty.openpty()
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=slave, stdin=subprocess.DEVNULL
    )
    os.close(slave)
    chunks: list[bytes] = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the other side closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    code = process.wait(timeout=120)
    return code, _ESCAPES.sub("", b"".join(chunks).decode("utf-8", "replace"))


def test_final_counts_add_up_with_spend_and_no_line_left_running(
    emu: RunningEmulator, tmp_path: Path
) -> None:
    emu.set_timings(queue_seconds=0.05, run_seconds=0.05)
    rows = [{"prompt": f"clip {i}" + (f" {FAIL_MARKER}" if i == 3 else "")} for i in range(12)]
    inputs = write_jsonl(tmp_path / "in.jsonl", rows)
    code, drawn = _on_a_terminal(
        cli_command("batch", FLUX, str(inputs), "--concurrency", "4"), cli_env(emu.base_url)
    )
    assert code == 1, drawn
    frames = [part for part in drawn.replace("\r", "\n").splitlines() if "%" in part]
    for frame in frames:  # a line is never counted twice (done and still running)
        counts = [int(n) for n in re.findall(r"(\d+) (?:done|running|failed|unfinished)", frame)]
        assert sum(counts) <= len(rows), frame
    final = [part for part in frames if "100%" in part][-1]
    assert "11 done" in final and "1 failed" in final
    assert "running" not in final
    assert re.search(r"cost \$\d+(\.\d+)?", final), final


def test_a_line_that_ends_without_an_outcome_is_counted_unfinished() -> None:
    import asyncio
    import io

    progress = Progress(3, stream=io.StringIO(), enabled=True, clock=iter([0.0, 10.0]).__next__)

    async def worker(outcome: str | None) -> None:
        progress.started()
        if outcome is not None:
            progress.finished(outcome)
            assert progress.counts["running"] == 0  # not shown as done and running at once
        progress.stopped()

    async def main() -> None:
        await asyncio.gather(worker("done"), worker(None))

    asyncio.run(main())
    assert progress.counts["done"] == 1 and progress.counts["unfinished"] == 1
    assert progress.counts["running"] == 0
    assert progress.time_left() == 10.0  # the pace of this run: 10 s a line, 1 line to go
    progress.close()
