"""Settings and request building shared by ``RunComfy`` and ``AsyncRunComfy``."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import httpx

from .config import (
    PollPolicy,
    RetryPolicy,
    TimeoutLike,
    resolve_base_url,
    resolve_token,
    to_timeout,
)
from .errors import InvalidInputError
from .transport import ApiRequest, Attempts
from .wire import model_url, request_url, validate_request_id

__all__ = ["ClientCore"]

logger = logging.getLogger("runcomfy_models")


class ClientCore:
    """Resolves the token, base URL and policies, and builds each API call.

    The token is kept out of reprs, logs and error messages, and is only ever
    sent to the configured base URL.
    """

    def __init__(
        self,
        token: str | None = None,
        *,
        base_url: str | None = None,
        timeout: TimeoutLike | None = None,
        max_retries: int | None = None,
        retry: RetryPolicy | None = None,
        poll: PollPolicy | None = None,
    ) -> None:
        self._token = resolve_token(token)
        self._base_url = resolve_base_url(base_url)
        self._timeout = to_timeout(timeout)
        policy = retry or RetryPolicy()
        if max_retries is not None:
            policy = replace(policy, max_retries=max_retries)
        self._retry = policy
        self._poll = poll or PollPolicy()

    @property
    def base_url(self) -> str:
        return self._base_url

    @property
    def timeout(self) -> httpx.Timeout:
        return self._timeout

    @property
    def retry_policy(self) -> RetryPolicy:
        return self._retry

    @property
    def poll_policy(self) -> PollPolicy:
        return self._poll

    @property
    def max_retries(self) -> int:
        return self._retry.max_retries

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self._base_url!r})"

    def _attempts(
        self,
        request: ApiRequest,
        *,
        timeout: TimeoutLike | None,
        max_retries: int | None,
        deadline: float | None = None,
    ) -> Attempts:
        if max_retries is not None and max_retries < 0:
            raise InvalidInputError("max_retries must be >= 0")
        return Attempts(
            request=request,
            base_url=self._base_url,
            token=self._token,
            timeout=to_timeout(timeout, self._timeout),
            policy=self._retry,
            max_retries=self._retry.max_retries if max_retries is None else max_retries,
            deadline=deadline,
        )

    def _submit_call(
        self,
        model_id: str,
        payload: Mapping[str, Any],
        *,
        timeout: TimeoutLike | None,
        max_retries: int | None,
    ) -> Attempts:
        if not isinstance(payload, Mapping):
            raise InvalidInputError("The payload must be a mapping of input names to values")
        request = ApiRequest(
            method="POST",
            url=model_url(self._base_url, model_id),
            kind="submit",
            label=f"submit to {model_id}",
            json_body=dict(payload),
            model_id=model_id,
        )
        return self._attempts(request, timeout=timeout, max_retries=max_retries)

    def _status_call(
        self,
        request_id: str,
        *,
        timeout: TimeoutLike | None,
        max_retries: int | None,
        deadline: float | None = None,
    ) -> Attempts:
        request = ApiRequest(
            method="GET",
            url=request_url(self._base_url, request_id, "status"),
            kind="read",
            label=f"status of {request_id}",
            request_id=request_id,
        )
        return self._attempts(request, timeout=timeout, max_retries=max_retries, deadline=deadline)

    def _result_call(
        self,
        request_id: str,
        *,
        include_cost: bool,
        timeout: TimeoutLike | None,
        max_retries: int | None,
        deadline: float | None = None,
    ) -> Attempts:
        request = ApiRequest(
            method="GET",
            url=request_url(self._base_url, request_id, "result"),
            kind="read",
            label=f"result of {request_id}",
            params={"include_cost": "true"} if include_cost else None,
            request_id=request_id,
        )
        return self._attempts(request, timeout=timeout, max_retries=max_retries, deadline=deadline)

    def _cancel_call(
        self, request_id: str, *, timeout: TimeoutLike | None, max_retries: int | None
    ) -> Attempts:
        request = ApiRequest(
            method="POST",
            url=request_url(self._base_url, request_id, "cancel"),
            kind="cancel",
            label=f"cancel of {request_id}",
            request_id=validate_request_id(request_id),
        )
        return self._attempts(request, timeout=timeout, max_retries=max_retries)

    def _model_call(
        self, model_id: str, *, timeout: TimeoutLike | None, max_retries: int | None
    ) -> Attempts:
        request = ApiRequest(
            method="GET",
            url=model_url(self._base_url, model_id),
            kind="read",
            label=f"catalog entry of {model_id}",
            model_id=model_id,
        )
        return self._attempts(request, timeout=timeout, max_retries=max_retries)

    @staticmethod
    def _log_submitted(model_id: str, request_id: str) -> None:
        logger.info("submitted %s: request %s", model_id, request_id)
