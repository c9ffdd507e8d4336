"""Client CPU per completed job: the generated client against the same HTTP calls in raw httpx.

Both run in this process against a local emulator in its own process (so its CPU is not
counted), with instant jobs. A job is submit, status polls until done, result, and parsing it:
``reframe.run(...)`` for the generated client; for the baseline, the same requests made with one
``httpx.Client`` and the answers decoded with ``.json()``. The emulator's request counters check
that both made the same calls. Batches of each alternate; the figure is CPU time per job.

Target: at most 1.3x the baseline.
"""

from __future__ import annotations

import statistics
import sys
import time
from typing import Any

import benchlib as b

TARGET = 1.3
PAYLOAD = {"image": "https://example.com/cat.png", "resolution": "1024:1024 (1:1)"}


def _sdk_batch(url: str, jobs: int) -> float:
    from runcomfy_models import RunComfy
    from runcomfy_models.ideogram.ideogram_v3 import reframe

    with RunComfy(b.TOKEN, base_url=url) as client:
        start = time.process_time()
        for _ in range(jobs):
            reframe.run(**PAYLOAD, client=client)  # type: ignore[arg-type]
        return (time.process_time() - start) / jobs


def _raw_batch(url: str, jobs: int) -> float:
    import httpx

    headers = {"Authorization": f"Bearer {b.TOKEN}"}
    with httpx.Client(base_url=url, headers=headers, timeout=60) as http:
        start = time.process_time()
        for _ in range(jobs):
            submitted: dict[str, Any] = http.post(f"/v1/models/{b.REAL_MODEL}", json=PAYLOAD).json()
            request_id = submitted["request_id"]
            while http.get(f"/v1/requests/{request_id}/status").json()["status"] != "completed":
                pass
            result = http.get(f"/v1/requests/{request_id}/result").json()
            if result["status"] != "succeeded":
                raise RuntimeError(f"job failed: {result}")
        return (time.process_time() - start) / jobs


def _calls(url: str) -> dict[str, int]:
    routes: dict[str, int] = b.emulator_stats(url)["routes"]
    return {k: routes[k] for k in ("submit", "status", "result")}


def main(argv: list[str] | None = None) -> int:
    p = b.parser(__doc__.splitlines()[0])
    p.add_argument("--jobs", type=int, default=100, help="jobs per batch")
    p.add_argument("--runs", type=int, default=7, help="batches of each")
    args = p.parse_args(argv)
    if args.quick:
        args.jobs, args.runs = 5, 2
    sdk: list[float] = []
    raw: list[float] = []
    calls: dict[str, list[dict[str, int]]] = {"sdk": [], "raw": []}
    with b.emulator_process() as url:
        _sdk_batch(url, 3)  # warm up both paths (imports, connections)
        _raw_batch(url, 3)
        for _ in range(args.runs):
            for name, batch, out in (("sdk", _sdk_batch, sdk), ("raw", _raw_batch, raw)):
                b.emulator_reset(url)
                out.append(batch(url, args.jobs) * 1000)
                calls[name].append(_calls(url))
    base = b.Row(
        "overhead", "baseline: raw httpx, CPU per job", "ms", raw, note=str(calls["raw"][-1])
    )
    row = b.Row(
        "overhead",
        "generated client run(), CPU per job",
        "ms",
        sdk,
        baseline=base.median,
        target=f"<= {TARGET}x",
        note=str(calls["sdk"][-1]),
    )
    row.ok = b.judge(args, (row.ratio or 0.0) <= TARGET)
    # The comparison is fair only if both made the same requests, in every batch.
    same = calls["sdk"] == calls["raw"]
    requests = b.Row(
        "overhead",
        "requests per job, generated client",
        "requests",
        [sum(c.values()) / args.jobs for c in calls["sdk"]],
        baseline=statistics.median(sum(c.values()) / args.jobs for c in calls["raw"]),
        target="the same as raw httpx",
        ok=same,
    )
    if not same:
        print(f"problem: different requests: generated client {calls['sdk']}, raw {calls['raw']}")
    return b.finish([base, row, requests], args)


if __name__ == "__main__":
    sys.exit(main())
