"""The live status line shown on a terminal while ``run`` waits for a job."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import IO

from ..job_types import JobStatus
from .style import is_terminal, styled

__all__ = ["LiveLine", "format_elapsed"]

_SPINNER = "|/-\\"
_STATE_TEXT = {
    "in_queue": "in queue",
    "in_progress": "running",
    "completed": "finishing",
    "cancelled": "cancelled",
}
_STATE_COLOR = {"in_queue": "yellow", "in_progress": "cyan", "completed": "green"}


def format_elapsed(seconds: float) -> str:
    whole = int(seconds)
    if whole < 60:
        return f"{whole}s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m{secs:02d}s"


class LiveLine:
    """State, queue position and elapsed time, redrawn in place with ``\\r``.

    Disabled (silent) unless ``stream`` is a terminal; a background thread keeps
    the elapsed time ticking between polls.
    """

    def __init__(
        self,
        request_id: str,
        *,
        stream: IO[str] | None = None,
        enabled: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
        interval: float = 0.2,
    ) -> None:
        self.request_id = request_id
        self.stream: IO[str] = sys.stderr if stream is None else stream
        self.enabled = is_terminal(self.stream) if enabled is None else enabled
        self._clock = clock
        self._started = clock()
        self._interval = interval
        self._status: JobStatus | None = None
        self._frame = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._drawn = False

    def update(self, status: JobStatus) -> None:
        """The ``on_update`` callback of ``Job.wait``."""
        with self._lock:
            self._status = status
        self.draw()

    def render(self) -> str:
        with self._lock:
            status = self._status
            frame = _SPINNER[self._frame % len(_SPINNER)]
        state = "submitted" if status is None else status.state
        text = _STATE_TEXT.get(state, state)
        if status is not None and status.queue_position is not None:
            text += f", position {status.queue_position}"
        elapsed = format_elapsed(self._clock() - self._started)
        colored = styled(text, self.stream, fg=_STATE_COLOR.get(state), bold=True)
        return f"{frame} {colored}  {elapsed}  request {self.request_id}"

    def draw(self) -> None:
        if not self.enabled:
            return
        line = self.render()
        with self._lock:
            self._frame += 1
            self.stream.write("\r" + line + "\x1b[K")
            self.stream.flush()
            self._drawn = True

    def clear(self) -> None:
        if not self.enabled:
            return
        with self._lock:
            if self._drawn:
                self.stream.write("\r\x1b[K")
                self.stream.flush()
                self._drawn = False

    def _tick(self) -> None:
        while not self._stop.wait(self._interval):
            self.draw()

    def start(self) -> None:
        if self.enabled and self._thread is None:
            self.draw()
            self._thread = threading.Thread(target=self._tick, name="live-line", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self.clear()

    def __enter__(self) -> LiveLine:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
