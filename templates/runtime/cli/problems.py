"""The error of an invalid model input, apart from the input checks (which import pydantic)."""

from __future__ import annotations

from ..errors import InvalidInputError

__all__ = ["InputProblems"]


class InputProblems(InvalidInputError):
    """The input is invalid; ``problems`` holds one message per field."""

    def __init__(self, model_id: str, problems: list[str]) -> None:
        super().__init__(f"Invalid input for {model_id}: " + "; ".join(problems))
        self.model_id = model_id
        self.problems = problems
