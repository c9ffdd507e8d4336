"""Fault rules: what the emulator does wrong on purpose, and when."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Final, Literal, get_args

Route = Literal["submit", "status", "result", "cancel", "catalog", "files", "balance", "*"]
FaultKind = Literal[
    "status",
    "status_after",
    "slow",
    "drop_before",
    "drop_after",
    "error_body",
    "unknown_status",
    "negative_cost",
    "drip",
]
"""``status``: answer an HTTP error instead of processing the request; ``status_after``:
process it (a submit creates its job), then answer the HTTP error all the same;
``drop_before``/``drop_after``: drop the connection before/after processing; ``drip``:
send the answer's body a few bytes at a time, ``delay`` seconds apart."""

ROUTES: Final[tuple[str, ...]] = get_args(Route)
KINDS: Final[tuple[str, ...]] = get_args(FaultKind)

# The status value the real API never reports; used by the "unknown_status" kind.
UNKNOWN_STATUS: Final = "paused"

# Kinds that only make sense where a job status is reported.
_STATUS_ROUTES: Final = frozenset({"status", "result"})

# In the command-line form `route:kind=value`, the value sets this field.
_SHORTHAND_FIELD: Final[dict[str, str]] = {
    "status": "status",
    "status_after": "status",
    "slow": "delay",
    "drip": "delay",
    "error_body": "error_code",
}

_INT_FIELDS: Final = frozenset({"status", "times", "error_code"})
_FLOAT_FIELDS: Final = frozenset({"delay"})
_STR_FIELDS: Final = frozenset({"route", "kind", "retry_after", "model_id"})
_FIELDS: Final = _INT_FIELDS | _FLOAT_FIELDS | _STR_FIELDS


@dataclass(frozen=True, slots=True)
class FaultRule:
    """One injected misbehaviour for a route.

    `times=None` applies the rule to every matching request; otherwise it is
    used up after that many. `model_id` narrows the rule to one model (for
    status/result/cancel/files: the model of the job asked about).
    """

    route: Route
    kind: FaultKind
    status: int = 500
    retry_after: str | None = None
    delay: float = 0.0
    times: int | None = None
    model_id: str | None = None
    error_code: int | None = None

    def __post_init__(self) -> None:
        if self.route not in ROUTES:
            raise ValueError(f"unknown fault route {self.route!r}; expected one of {ROUTES}")
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {KINDS}")
        if not 100 <= self.status <= 599:
            raise ValueError(f"fault status must be an HTTP status (100-599), got {self.status}")
        if self.delay < 0:
            raise ValueError(f"fault delay must not be negative, got {self.delay}")
        if self.times is not None and self.times < 1:
            raise ValueError(f"fault times must be at least 1 (or absent), got {self.times}")

    @property
    def effective_error_code(self) -> int:
        """The `error_code` answered: given, or derived from the HTTP status (503 -> 503001)."""
        return self.error_code if self.error_code is not None else self.status * 1000 + 1

    def applies_to(self, route: str, model_id: str | None) -> bool:
        if self.route not in ("*", route):
            return False
        if self.kind == "unknown_status" and route not in _STATUS_ROUTES:
            return False
        if self.kind == "negative_cost" and route != "result":
            return False
        return self.model_id is None or self.model_id == model_id

    def to_dict(self) -> dict[str, Any]:
        return {key: value for key, value in asdict(self).items() if value is not None}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FaultRule:
        """Build a rule from its JSON form, e.g. `{"route": "submit", "kind": "status", "status": 429}`."""
        if not isinstance(data, Mapping):
            raise ValueError(f"a fault rule must be a JSON object, got {type(data).__name__}")
        unknown = sorted(set(data) - _FIELDS)
        if unknown:
            raise ValueError(f"unknown fault rule field(s): {', '.join(unknown)}")
        for required in ("route", "kind"):
            if required not in data:
                raise ValueError(f"a fault rule needs {required!r}")
        values = {key: _coerce(key, value) for key, value in data.items()}
        return cls(**values)

    @classmethod
    def from_spec(cls, spec: str) -> FaultRule:
        """Parse the command-line form `route:kind[=value][,field=value...]`.

        Examples: `submit:status=429,retry_after=2,times=3`, `status:slow=1.5`,
        `result:drop_after,times=1`, `*:error_body=400002`,
        `submit:status=503,model_id=wan-ai/wan-3.0/image-to-video`.
        The value after the kind sets its main field: the HTTP status for
        `status`, the delay in seconds for `slow` (and between pieces for `drip`), the error
        code for `error_body`.
        """
        route, sep, rest = spec.strip().partition(":")
        if not sep or not rest:
            raise ValueError(
                f"fault spec {spec!r} must look like 'route:kind[=value][,field=value...]'"
            )
        items = [item.strip() for item in rest.split(",")]
        values: dict[str, Any] = {"route": route.strip()}
        kind, has_value, kind_value = items[0].partition("=")
        if kind.strip() != "kind":  # the shorthand `kind[=value]`; else all items are field=value
            items = items[1:]
            values["kind"] = kind.strip()
            if has_value:
                field = _SHORTHAND_FIELD.get(values["kind"])
                if field is None:
                    raise ValueError(f"fault kind {values['kind']!r} takes no value (in {spec!r})")
                values[field] = kind_value.strip()
        for item in items:
            key, has_eq, value = item.partition("=")
            if not has_eq:
                raise ValueError(f"expected field=value, got {item!r} (in {spec!r})")
            values[key.strip()] = value.strip()
        return cls.from_dict(values)


def _coerce(key: str, value: Any) -> Any:
    if value is None and key not in ("route", "kind"):
        return None
    try:
        if key in _INT_FIELDS:
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError
            return int(value)
        if key in _FLOAT_FIELDS:
            if isinstance(value, bool):
                raise ValueError
            return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"fault field {key!r} must be a number, got {value!r}") from None
    if key == "retry_after" and isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise ValueError(f"fault field {key!r} must be a string, got {value!r}")
    return value


def parse_faults(data: Any) -> list[FaultRule]:
    """Rules from their JSON form: one rule, a list of rules, or `{"faults": [...]}`."""
    if isinstance(data, Mapping) and set(data) == {"faults"}:
        data = data["faults"]
    if isinstance(data, Mapping):
        return [FaultRule.from_dict(data)]
    if isinstance(data, list):
        return [FaultRule.from_dict(item) for item in data]
    raise ValueError('fault rules must be a JSON object, a list of objects, or {"faults": [...]}')


def load_faults(path: str | Path) -> list[FaultRule]:
    """Read fault rules from a JSON file (see `parse_faults` for the accepted shapes)."""
    text = Path(path).read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON: {exc}") from None
    try:
        return parse_faults(data)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


@dataclass(slots=True)
class _ActiveRule:
    rule: FaultRule
    remaining: int | None


class FaultBook:
    """The active rules, in order; the first rule matching a request is used (and counted down)."""

    def __init__(self, rules: Iterable[FaultRule] = ()) -> None:
        self._lock = threading.Lock()
        self._active: list[_ActiveRule] = []
        for rule in rules:
            self.add(rule)

    def add(self, rule: FaultRule) -> None:
        if not isinstance(rule, FaultRule):
            raise TypeError(f"expected a FaultRule, got {type(rule).__name__}")
        with self._lock:
            self._active.append(_ActiveRule(rule, rule.times))

    def clear(self) -> None:
        with self._lock:
            self._active.clear()

    def rules(self) -> list[FaultRule]:
        with self._lock:
            return [active.rule for active in self._active]

    def take(self, route: str, model_id: str | None) -> FaultRule | None:
        """The rule to apply to this request, if any; a rule with `times` is used up."""
        with self._lock:
            for index, active in enumerate(self._active):
                if not active.rule.applies_to(route, model_id):
                    continue
                if active.remaining is not None:
                    active.remaining -= 1
                    if active.remaining == 0:
                        del self._active[index]
                return active.rule
        return None
