"""Request counters, so tests can prove what reached the server and how often."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any, Final

API_ROUTES: Final = ("submit", "status", "result", "cancel", "catalog", "files", "balance")
SUBMIT_REJECTED: Final = "submit_rejected"
FILES_WITH_TOKEN: Final = "files_with_token"
"""File downloads that carried an Authorization header: a client leaking its token to a CDN."""


class Stats:
    """Counts per route and per model. Not thread-safe: the owner holds a lock."""

    def __init__(self) -> None:
        self.routes: Counter[str] = Counter()
        self.models: dict[str, Counter[str]] = {}
        self.faults: Counter[str] = Counter()

    def count(self, route: str, model_id: str | None = None) -> None:
        self.routes[route] += 1
        if model_id is not None:
            self.models.setdefault(model_id, Counter())[route] += 1

    def count_fault(self, route: str) -> None:
        self.faults[route] += 1

    def snapshot(self, jobs: Mapping[str, int], job_states: tuple[str, ...]) -> dict[str, Any]:
        route_names = (*API_ROUTES, SUBMIT_REJECTED, FILES_WITH_TOKEN)
        return {
            "routes": {name: self.routes[name] for name in route_names},
            "models": {
                model_id: {name: counts[name] for name in route_names}
                for model_id, counts in sorted(self.models.items())
            },
            "faults": {name: self.faults[name] for name in API_ROUTES},
            "jobs": {state: jobs.get(state, 0) for state in job_states},
        }
