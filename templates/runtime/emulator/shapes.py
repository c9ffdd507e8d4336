"""How the emulator words its answers: as RunComfy documents them, or as its own clients read them.

RunComfy's own clients (the MCP server's and the ComfyUI partner nodes', with
their tests) handle more shapes than the documentation shows. :class:`Shapes`
makes the emulator answer in any of them, so a client can be tested against
each: ``Shapes(result_success="completed", error="string")``, or on the command
line ``--shape result_success=completed --shape error=string``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any, Final, Literal, get_args

from .jobs import JobState

ErrorShape = Literal["object", "string", "list"]
CancelShape = Literal["outcome", "status", "requested", "empty"]
OutputShape = Literal["documented", "list", "extras", "unknown_key", "nested", "no_file"]

QUEUED_WORDS: Final = ("in_queue", "queued", "pending", "waiting")
RUNNING_WORDS: Final = ("in_progress", "running", "processing", "starting")

_CHOICES: Final[dict[str, tuple[str, ...]]] = {
    "queued": QUEUED_WORDS,
    "running": RUNNING_WORDS,
    "status_outcome": ("completed", "outcome"),
    "result_success": ("succeeded", "completed"),
    "cancelled": ("cancelled", "canceled"),
    "error": get_args(ErrorShape),
    "cancel": get_args(CancelShape),
    "output": get_args(OutputShape),
}


@dataclass(frozen=True, slots=True)
class Shapes:
    """The words and shapes of the emulator's answers; the defaults are the documented ones.

    - ``queued``/``running``: the word for a queued/running job in ``/status`` and ``/result``.
    - ``status_outcome``: ``completed`` (documented) or ``outcome``: ``/status`` then says
      ``succeeded``/``failed`` instead of ``completed``.
    - ``result_success``: ``succeeded`` (documented) or ``completed`` in ``/result``.
    - ``cancelled``: ``cancelled`` or ``canceled``, wherever a cancelled job is reported.
    - ``error``: a failed job's ``error`` as an ``object``, a ``string`` or a ``list``.
    - ``cancel``: the cancel answer: ``outcome`` (``{request_id, outcome}``), ``status``
      (``{status: "cancelled"}``), ``requested`` (``{status, outcome:
      "cancellation_requested"}``) or ``empty`` (``{}``).
    - ``output``: a succeeded job's ``output`` (see :func:`.outputs.output_body`):
      ``documented`` (the model's media key, ``{"audio": url}``), ``list`` (its plural,
      ``{"audios": [url]}``), ``extras`` (with ``seed`` and ``has_nsfw_concepts``),
      ``unknown_key`` (``{"audio_url": url, "seed": ...}``), ``nested`` (``{"result":
      {"files": [url]}}``) or ``no_file`` (``{"seed": ...}``: nothing to download).
    """

    queued: str = "in_queue"
    running: str = "in_progress"
    status_outcome: str = "completed"
    result_success: str = "succeeded"
    cancelled: str = "cancelled"
    error: ErrorShape = "object"
    cancel: CancelShape = "outcome"
    output: OutputShape = "documented"

    def __post_init__(self) -> None:
        for name, allowed in _CHOICES.items():
            value = getattr(self, name)
            if value not in allowed:
                raise ValueError(f"shape {name}={value!r} is not one of: {', '.join(allowed)}")

    def status_word(self, state: JobState) -> str:
        """The ``/status`` word for a job state."""
        if state in ("succeeded", "failed"):
            return state if self.status_outcome == "outcome" else "completed"
        return self._common_word(state)

    def result_word(self, state: JobState) -> str:
        """The ``/result`` word for a job state."""
        if state == "succeeded":
            return self.result_success
        return "failed" if state == "failed" else self._common_word(state)

    def _common_word(self, state: JobState) -> str:
        if state == "in_queue":
            return self.queued
        if state == "in_progress":
            return self.running
        return self.cancelled

    def error_body(self, code: int, message: str) -> Any:
        """A failed job's ``error`` field."""
        if self.error == "string":
            return message
        if self.error == "list":
            return [{"error_code": code, "message": message}]
        return {"error_code": code, "error_message": message}

    def cancel_body(self, request_id: str, outcome: str) -> dict[str, Any]:
        """The cancel answer for an outcome (``cancelled`` or ``not_cancellable``)."""
        if self.cancel == "empty":
            return {}
        if self.cancel == "status":
            word = self.cancelled if outcome == "cancelled" else self.running
            return {"request_id": request_id, "status": word}
        if self.cancel == "requested" and outcome == "cancelled":
            return {
                "request_id": request_id,
                "status": self.running,
                "outcome": "cancellation_requested",
            }
        return {"request_id": request_id, "outcome": outcome}

    def to_dict(self) -> dict[str, str]:
        return {key: str(value) for key, value in asdict(self).items()}

    @classmethod
    def parse(cls, items: Iterable[str] | Mapping[str, str]) -> Shapes:
        """Build from ``key=value`` strings (the command line) or a mapping (JSON)."""
        values: dict[str, str] = {}
        pairs = items.items() if isinstance(items, Mapping) else (_split(i) for i in items)
        names = {f.name for f in fields(cls)}
        for key, value in pairs:
            if key not in names:
                raise ValueError(
                    f"unknown shape {key!r}; expected one of: {', '.join(sorted(names))}"
                )
            values[key] = value
        return cls(**values)  # type: ignore[arg-type]


def _split(item: str) -> tuple[str, str]:
    key, sep, value = item.partition("=")
    if not sep:
        raise ValueError(f"a shape is key=value, got {item!r}")
    return key.strip(), value.strip()


# Every shape RunComfy's own clients handle, one variant each: what client tests run against.
VARIANTS: Final[dict[str, Shapes]] = {
    "documented": Shapes(),
    "result-completed": Shapes(result_success="completed"),
    "status-outcome": Shapes(status_outcome="outcome", cancelled="canceled"),
    "pending-processing": Shapes(queued="pending", running="processing"),
    "waiting-starting": Shapes(queued="waiting", running="starting"),
    "queued-running": Shapes(queued="queued", running="running"),
    "error-string": Shapes(error="string"),
    "error-list": Shapes(error="list"),
    "cancel-status": Shapes(cancel="status"),
    "cancel-requested": Shapes(cancel="requested"),
    "cancel-empty": Shapes(cancel="empty"),
}

# The shapes of a succeeded job's output that RunComfy's own clients read, one variant each.
OUTPUT_VARIANTS: Final[dict[str, Shapes]] = {
    f"output-{shape.replace('_', '-')}": Shapes(output=shape) for shape in get_args(OutputShape)
}
