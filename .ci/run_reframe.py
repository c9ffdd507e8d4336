"""Run ideogram/ideogram-v3/reframe once, end to end, and save the output image under ``out/``.

With ``RUNCOMFY_API_TOKEN`` (or ``RUNCOMFY_TOKEN``) set this calls RunComfy; otherwise it starts
the local emulator on a free loopback port and runs against that.
"""

from __future__ import annotations

import os
import sys
from contextlib import ExitStack
from pathlib import Path

from runcomfy_models import RunComfy, UnexpectedOutputError
from runcomfy_models.ideogram.ideogram_v3 import reframe

SAMPLE = Path(__file__).with_name("sample.png")
OUT = Path("out")


def main() -> int:
    with ExitStack() as stack:
        if os.environ.get("RUNCOMFY_API_TOKEN") or os.environ.get("RUNCOMFY_TOKEN"):
            client = stack.enter_context(RunComfy())
            where = "RunComfy"
        else:
            from runcomfy_models._runtime.emulator import running_emulator

            emulator = stack.enter_context(running_emulator(queue_seconds=0.2, run_seconds=0.5))
            client = stack.enter_context(RunComfy(base_url=emulator.base_url, token="local"))
            where = f"the local emulator at {emulator.base_url}"
        print(f"Running {reframe.MODEL_ID} on {SAMPLE.name} against {where} ...")
        job = reframe.submit(image=SAMPLE, resolution="1152:864 (4:3)", client=client)
        print(f"request id: {job.request_id}")
        output = job.wait(
            timeout=600,
            on_update=lambda s: print(f"  {s.state}" + (f" (queue position {s.queue_position})" if s.queue_position is not None else "")),
        )
        try:
            image = output.file()
        except UnexpectedOutputError as exc:
            print(f"the job succeeded, but {exc}", file=sys.stderr)
            return 1
        OUT.mkdir(exist_ok=True)
        saved = image.save(OUT)
        print(f"saved {saved}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
