"""Code shared by the benchmark scripts: timing, memory, statistics and the results table.

Every bench prints rows of one table: a figure's median, min and max over its runs, the median of
the baseline it is compared with (measured in the same run), the ratio figure / baseline, and the
target. Targets are checked here and printed, never asserted in tests.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
SCHEMAS = ROOT / "schemas"
PYTHON = sys.executable
BIN = Path(sys.executable).parent
CODEGEN = str(BIN / "runcomfy-codegen")
MODELS_CLI = str(BIN / "runcomfy-models")
TOKEN = "bench-token"
REAL_MODEL = "ideogram/ideogram-v3/reframe"
REAL_MODULE = "runcomfy_models.ideogram.ideogram_v3.reframe"


# -- statistics and the table ------------------------------------------------------------------


@dataclass
class Row:
    """One figure of one bench."""

    bench: str
    figure: str
    unit: str
    samples: list[float]
    baseline: float | None = None
    """The median of the baseline this figure is compared with (same unit)."""
    target: str = ""
    ok: bool | None = None
    note: str = ""
    ratios: list[float] | None = None
    """Paired ratios figure / baseline, one per round: then the ratio is their median."""

    @property
    def runs(self) -> int:
        return len(self.samples)

    @property
    def median(self) -> float:
        return statistics.median(self.samples) if self.samples else float("nan")

    @property
    def low(self) -> float:
        return min(self.samples) if self.samples else float("nan")

    @property
    def high(self) -> float:
        return max(self.samples) if self.samples else float("nan")

    @property
    def ratio(self) -> float | None:
        if self.ratios:
            return statistics.median(self.ratios)
        if self.baseline is None or not self.samples or self.baseline == 0:
            return None
        return self.median / self.baseline

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.update(runs=self.runs, median=self.median, min=self.low, max=self.high)
        out["ratio"] = self.ratio
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Row:
        names = {"bench", "figure", "unit", "samples", "baseline", "target", "ok", "note", "ratios"}
        return cls(**{k: v for k, v in data.items() if k in names})


def _num(value: float | None, unit: str = "") -> str:
    if value is None or value != value:  # None or NaN
        return "-"
    if unit == "x":
        return f"{value:.3g}x"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


HEADER = ("bench", "figure", "unit", "runs", "median", "min", "max", "baseline", "ratio")
TAIL = ("target", "ok")


def table(rows: Sequence[Row]) -> str:
    """The rows as a Markdown table (readable as plain text too)."""
    lines = [
        [
            r.bench,
            r.figure + (f" ({r.note})" if r.note else ""),
            r.unit,
            str(r.runs),
            _num(r.median),
            _num(r.low),
            _num(r.high),
            _num(r.baseline),
            _num(r.ratio, "x"),
            r.target or "-",
            "-" if r.ok is None else ("yes" if r.ok else "NO"),
        ]
        for r in rows
    ]
    head = [*HEADER, *TAIL]
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(head)]

    def fmt(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    out = [fmt(head), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out.extend(fmt(line) for line in lines)
    return "\n".join(out)


def machine() -> str:
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return f"{cpus} CPUs, Python {sys.version.split()[0]}, load average {load}"


def parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--quick", action="store_true", help="tiny sizes: checks the bench runs")
    p.add_argument("--json", type=Path, help="also write the rows to this file")
    p.add_argument(
        "--work",
        type=Path,
        help="work in this folder and keep it (generated trees are reused across benches)",
    )
    return p


def judge(args: argparse.Namespace, passed: bool) -> bool | None:
    """Whether a target is met; ``None`` (not judged) for the tiny sizes of ``--quick``."""
    return None if args.quick else passed


def finish(rows: Sequence[Row], args: argparse.Namespace) -> int:
    """Print the table (and write the JSON); the exit code is 0 even when a target is missed."""
    print(table(rows))
    print(f"\n{machine()}")
    missed = [r for r in rows if r.ok is False]
    if missed:
        print("missed: " + "; ".join(f"{r.bench}: {r.figure}" for r in missed))
    if args.json is not None:
        args.json.write_text(json.dumps([r.as_dict() for r in rows], indent=1) + "\n")
    return 0


@contextmanager
def workdir(args: argparse.Namespace, name: str) -> Iterator[Path]:
    if args.work is not None:
        folder = args.work.resolve() / name
        folder.mkdir(parents=True, exist_ok=True)
        yield folder
        return
    tmp = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def log(message: str) -> None:
    print(f"# {message}", file=sys.stderr, flush=True)


# -- processes: wall time and peak memory --------------------------------------------------------


def child_env(
    pythonpath: Sequence[Path] = (), extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment of measured processes: bytecode caching on, as on a user's machine."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    if pythonpath:
        old = env.get("PYTHONPATH")
        env["PYTHONPATH"] = os.pathsep.join(
            [*(str(p) for p in pythonpath), *([old] if old else [])]
        )
    env.setdefault("RUNCOMFY_API_TOKEN", TOKEN)
    env.update(extra or {})
    return env


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    try:
        names = os.listdir("/proc")
    except OSError:
        return kids
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces, so split after the last ')'.
        ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
        if ppid == pid:
            kids.append(int(name))
    return kids


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            for line in f:
                if line.startswith(b"VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def tree_rss(pid: int) -> tuple[int, int]:
    """(sum, largest) of the resident memory of a process and its descendants, in bytes (Linux;
    else zeros)."""
    total = largest = 0
    todo = [pid]
    while todo:
        p = todo.pop()
        rss = _rss(p)
        total += rss
        largest = max(largest, rss)
        todo.extend(_children(p))
    return total, largest


SAMPLE_SECONDS = 0.05
"""How often the memory of a measured process tree is sampled."""


DROP_CACHES = Path("/proc/sys/vm/drop_caches")


def settle() -> None:
    """Let the disk finish earlier work (deleted trees, written files) before a timed run.

    Where allowed (Linux, as root), the kernel's dentry and inode caches are dropped too:
    they grow over a long session of creating and deleting trees, and make creating files
    slower. Measured: the system time of generating the same 1,000 models went from 1.2 s to
    7 s over a few hours of work, and back to 1.2 s once they were dropped. File contents
    stay cached.
    """
    if hasattr(os, "sync"):
        os.sync()
    with contextlib.suppress(OSError):
        DROP_CACHES.write_text("2\n", encoding="ascii")
    time.sleep(1.0)


@dataclass
class Measured:
    wall: float
    peak_rss: int
    """Largest sum of the resident memory of the process and its children seen (bytes)."""
    max_rss: int
    """The largest resident memory of one process of the tree seen (bytes)."""
    returncode: int
    stdout: str = ""
    stderr: str = ""
    cpu: float = 0.0
    """User + system CPU seconds of the process and its children."""


def run(
    cmd: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    sample_memory: bool = True,
    check: bool = True,
    stdin: str | None = None,
) -> Measured:
    """Run ``cmd`` to its end, measuring wall time and (optionally) memory of its process tree."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        list(cmd),
        env=dict(env) if env is not None else None,
        cwd=cwd,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    peak = largest = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak, largest
        while not stop.is_set():
            total, one = tree_rss(proc.pid)
            peak, largest = max(peak, total), max(largest, one)
            stop.wait(SAMPLE_SECONDS)

    sampler = threading.Thread(target=sample, daemon=True) if sample_memory else None
    if sampler is not None and Path("/proc").is_dir():
        sampler.start()
    out, err = proc.communicate(stdin)
    wall = time.perf_counter() - start
    stop.set()
    if sampler is not None and sampler.is_alive():
        sampler.join()
    result = Measured(
        wall=wall,
        peak_rss=peak,
        max_rss=largest,
        returncode=proc.returncode,
        stdout=out,
        stderr=err,
        cpu=_child_cpu(),
    )
    if check and proc.returncode != 0:
        raise RuntimeError(
            f"{' '.join(cmd)} exited with {proc.returncode}:\n{err[-3000:]}\n{out[-1000:]}"
        )
    return result


_CHILD_CPU = [0.0]


def _child_cpu() -> float:
    """CPU seconds used by the children reaped since the last call."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = usage.ru_utime + usage.ru_stime
    spent = total - _CHILD_CPU[0]
    _CHILD_CPU[0] = total
    return spent


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def mb(n: float) -> float:
    return n / (1 << 20)


# -- corpora and generated trees -----------------------------------------------------------------


def make_corpus(n: int, out: Path, *, with_real: bool = False) -> list[str]:
    """``n`` schemas under ``out`` (see make_corpus.py); with ``with_real`` the real ones too."""
    sys.path.insert(0, str(BENCH))
    try:
        import make_corpus
    finally:
        sys.path.remove(str(BENCH))
    ids: list[str] = make_corpus.write_corpus(n, out, with_real=with_real)
    return ids


def trees(args: argparse.Namespace, work: Path) -> Path:
    """Where generated trees go: shared by the benches of one ``--work`` folder."""
    return args.work.resolve() / "trees" if args.work is not None else work


def model_tree(folder: Path, n: int) -> Path:
    """A generated package of ``n`` models (the real ones among them) under ``folder``.

    With ``n`` at most the number of real schemas, the real schemas alone. A tree left by an
    earlier run is regenerated, which only rebuilds what changed.
    """
    corpus, out = folder / f"corpus-{n}", folder / f"tree-{n}"
    if n <= len(list(SCHEMAS.rglob("*.json"))):
        corpus = SCHEMAS
    elif not corpus.is_dir():
        make_corpus(n, corpus, with_real=True)
    generate(corpus, out)
    return out


def generate(schemas: Path, out: Path, *args: str, check: bool = True) -> Measured:
    return run(
        [CODEGEN, "generate", "--schemas", str(schemas), "--out", str(out), *args], check=check
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


EMULATOR_PIDS: dict[str, int] = {}
"""The process id of each emulator :func:`emulator_process` runs, by its URL."""


@contextmanager
def emulator_process(
    *,
    run_seconds: float = 0.0,
    queue_seconds: float = 0.0,
    env: Mapping[str, str] | None = None,
    catalog: Path | None = None,
) -> Iterator[str]:
    """A ``runcomfy-models emulator`` in its own process (so its CPU is not ours); yields its URL."""
    import httpx

    port = free_port()
    cmd = [
        MODELS_CLI,
        "emulator",
        "--port",
        str(port),
        "--run-seconds",
        str(run_seconds),
        "--queue-seconds",
        str(queue_seconds),
    ]
    if catalog is not None:
        cmd += ["--catalog", str(catalog)]
    proc = subprocess.Popen(
        cmd,
        env=dict(env) if env is not None else child_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    EMULATOR_PIDS[url] = proc.pid
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"the emulator stopped: {proc.stderr.read() if proc.stderr else ''}"
                )
            try:
                httpx.get(f"{url}/_emulator/stats", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def emulator_stats(url: str) -> dict[str, Any]:
    import httpx

    data: dict[str, Any] = httpx.get(f"{url}/_emulator/stats", timeout=10).json()
    return data


def emulator_reset(url: str) -> None:
    import httpx

    httpx.post(f"{url}/_emulator/reset", timeout=10).raise_for_status()


@dataclass
class Interleaved:
    """Runs of several commands, interleaved so that a burst of load hits all of them alike.

    Each round runs every command once, in the opposite order of the round before, so no
    command always follows the same one; :meth:`ratios` pairs the commands round by round.
    """

    samples: dict[str, list[float]] = field(default_factory=dict)
    cpu: dict[str, list[float]] = field(default_factory=dict)
    """User + system CPU seconds of each run (its children included), as ``samples``."""
    peak_mb: dict[str, list[float]] = field(default_factory=dict)
    """Peak summed resident memory of each run's processes (MB), as ``samples``; filled only
    by :meth:`measure` with ``sample_memory``."""

    def measure(
        self,
        commands: Mapping[str, Sequence[str]],
        envs: Mapping[str, Mapping[str, str]],
        runs: int,
        warmup: int = 2,
        before: Callable[[str], None] | None = None,
        alternate: bool = True,
        sample_memory: bool = False,
    ) -> None:
        """``before(name)``, if given, runs ahead of each run of ``name`` (untimed); with
        ``alternate`` (the default), every other round runs the commands in reverse order;
        with ``sample_memory``, each run's peak memory goes to :attr:`peak_mb`."""
        for i in range(warmup + runs):
            order = list(commands.items())
            for name, cmd in reversed(order) if alternate and i % 2 else order:
                if before is not None:
                    before(name)
                m = run(cmd, env=envs[name], sample_memory=sample_memory)
                if i >= warmup:
                    self.samples.setdefault(name, []).append(m.wall)
                    self.cpu.setdefault(name, []).append(m.cpu)
                    if sample_memory:
                        self.peak_mb.setdefault(name, []).append(mb(m.peak_rss))

    def ratios(
        self, name: str, base: str, *, cpu: bool = False, memory: bool = False
    ) -> list[float]:
        """``name`` / ``base`` of each round (the runs taken side by side), for a paired median:
        of wall time, or of CPU time with ``cpu``, or of peak memory with ``memory``."""
        got = self.peak_mb if memory else self.cpu if cpu else self.samples
        return [a / b for a, b in zip(got[name], got[base], strict=True) if b > 0]
