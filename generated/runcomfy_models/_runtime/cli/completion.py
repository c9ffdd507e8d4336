"""Shell completion that keeps a value with spaces or parentheses in one piece.

zsh and fish quote what they insert; bash inserts completions as they are, so
``1152:864 (4:3)`` would become three words and a syntax error. The bash
answers are therefore shell-quoted (``'1152:864 (4:3)'``); a quote the user
has begun typing is understood by click when it reads the current word.
"""

from __future__ import annotations

import shlex
from typing import Any

from click.shell_completion import BashComplete, CompletionItem, add_completion_class

__all__ = ["QuotingBashComplete", "install"]


class QuotingBashComplete(BashComplete):
    def format_completion(self, item: CompletionItem) -> str:
        value: Any = item.value
        if item.type == "plain" and isinstance(value, str) and shlex.quote(value) != value:
            return f"{item.type},{shlex.quote(value)}"
        return super().format_completion(item)


def install() -> None:
    """Use :class:`QuotingBashComplete` for bash (click looks the class up by shell name)."""
    add_completion_class(QuotingBashComplete, "bash")
