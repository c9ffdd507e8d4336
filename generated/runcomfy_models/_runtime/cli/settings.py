"""Global options shared by every command, and the clients built from them.

The root command builds a :class:`Settings` before any subcommand runs (also for ``--help``),
so the clients, and the HTTP library with them, are imported only when one is made.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import click

from ..policies import PollPolicy, RetryPolicy

if TYPE_CHECKING:
    import httpx

    from ..async_client import AsyncRunComfy
    from ..client import RunComfy

__all__ = ["Settings", "get_settings"]

_DEFAULT_POLL = PollPolicy()
_DEFAULT_RETRY = RetryPolicy()


@dataclass(frozen=True)
class Settings:
    """What the global options say; None means "the runtime's default"."""

    base_url: str | None = None
    max_retries: int | None = None
    retry_max_delay: float | None = None
    poll_interval: float | None = None
    verbose: int = 0

    def retry_policy(self, default_retries: int | None = None) -> RetryPolicy:
        retries = self.max_retries
        if retries is None:
            retries = _DEFAULT_RETRY.max_retries if default_retries is None else default_retries
        if self.retry_max_delay is None:
            return RetryPolicy(max_retries=retries)
        cap = self.retry_max_delay
        return RetryPolicy(
            max_retries=retries,
            base=min(_DEFAULT_RETRY.base, cap),
            cap=cap,
            retry_after_cap=cap,
        )

    def poll_policy(self) -> PollPolicy:
        if self.poll_interval is None:
            return _DEFAULT_POLL
        interval = self.poll_interval
        return PollPolicy(initial=min(_DEFAULT_POLL.initial, interval), max_interval=interval)

    def client(self, *, max_retries: int | None = None) -> RunComfy:
        """A sync client; the token comes from the environment."""
        from ..client import RunComfy  # the HTTP stack only for commands that call the API

        retry = self.retry_policy()
        if max_retries is not None:
            retry = RetryPolicy(
                max_retries=max_retries,
                base=retry.base,
                cap=retry.cap,
                retry_after_cap=retry.retry_after_cap,
            )
        return RunComfy(base_url=self.base_url, retry=retry, poll=self.poll_policy())

    def async_client(
        self,
        *,
        default_retries: int | None = None,
        http_client: httpx.AsyncClient | None = None,
    ) -> AsyncRunComfy:
        """An async client; with ``http_client`` it uses (and does not close) that pool."""
        from ..async_client import AsyncRunComfy

        return AsyncRunComfy(
            base_url=self.base_url,
            retry=self.retry_policy(default_retries),
            poll=self.poll_policy(),
            http_client=http_client,
        )


def get_settings(ctx: click.Context) -> Settings:
    """The settings stored by the root command (defaults when a command runs on its own)."""
    settings = ctx.find_object(Settings)
    return settings if settings is not None else Settings()
