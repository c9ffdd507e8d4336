"""Settings and request building shared by ``RunComfy`` and ``AsyncRunComfy``."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Generic, TypeVar

import httpx

from .billing import BALANCE_PATH, PriceCache, balance_origin
from .config import (
    PollPolicy,
    RetryPolicy,
    TimeoutLike,
    check_max_retries,
    resolve_base_url,
    resolve_token,
    to_timeout,
)
from .errors import InvalidInputError, UnexpectedResponseError
from .job_types import JobResult
from .timings import TimingHistory, default_history
from .transport import ApiRequest, Attempts
from .wire import Action, model_url, parse_result, parse_submit, request_url

__all__ = ["ClientCore", "encode_payload"]

HttpT = TypeVar("HttpT", httpx.Client, httpx.AsyncClient)

logger = logging.getLogger("runcomfy_models")


def encode_payload(payload: Mapping[str, Any], model_id: str) -> bytes:
    """The submit body as UTF-8 JSON, or InvalidInputError (before anything is sent) naming
    the input that cannot be sent: a value JSON has no form for, or text that is not valid
    Unicode (a lone surrogate such as ``"\\ud800"``)."""
    try:
        text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        return text.encode("utf-8")
    except UnicodeEncodeError:
        where = _unencodable_path(payload) or "the input"
        raise InvalidInputError(
            f"The input for {model_id} cannot be sent: {where} holds text that is not valid "
            "Unicode (a lone surrogate); nothing was sent."
        ) from None
    except (TypeError, ValueError, RecursionError) as exc:
        raise InvalidInputError(
            f"The input for {model_id} cannot be sent as JSON: {exc}. Media values must be "
            "URLs or data: URIs: the model modules encode a Path, bytes or a file for you, "
            "or use encode_media()."
        ) from exc


def _unencodable_path(value: Any, path: str = "", depth: int = 0) -> str | None:
    """Where in ``value`` a string (or key) that UTF-8 cannot encode is, as ``a.b[2]``."""
    if depth > 64:
        return None
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return path or "the input"
        return None
    if isinstance(value, Mapping):
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and _unencodable_path(key, path, depth + 1):
                return f"a key of {path}" if path else "an input name"
            found = _unencodable_path(item, name, depth + 1)
            if found:
                return found
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found = _unencodable_path(item, f"{path}[{index}]", depth + 1)
            if found:
                return found
    return None


class ClientCore(Generic[HttpT]):
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
        allow_insecure_http: bool = False,
        http_client: HttpT | None = None,
        learn_timings: bool = True,
    ) -> None:
        self._token = resolve_token(token)
        self._base_url = resolve_base_url(base_url, allow_insecure_http=allow_insecure_http)
        self._timeout = to_timeout(timeout)
        policy = retry or RetryPolicy()
        if max_retries is not None:
            policy = replace(policy, max_retries=max_retries)
        self._retry = policy
        self._poll = poll or PollPolicy()
        self._timings = default_history() if learn_timings else None
        self._prices = PriceCache()
        self._owns_http = http_client is None
        self._http: HttpT = http_client if http_client is not None else self._new_http()

    def _new_http(self) -> HttpT:
        """The connection pool of a client given no ``http_client`` (no redirects followed)."""
        raise NotImplementedError

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
    def timings(self) -> TimingHistory | None:
        """Where this machine's job durations are kept (None when not learning)."""
        return self._timings

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
        origin: str | None = None,
    ) -> Attempts:
        return Attempts(
            request=request,
            base_url=origin or self._base_url,
            token=self._token,
            timeout=to_timeout(timeout, self._timeout),
            policy=self._retry,
            max_retries=(
                self._retry.max_retries if max_retries is None else check_max_retries(max_retries)
            ),
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
        url = model_url(self._base_url, model_id)
        request = ApiRequest(
            method="POST",
            url=url,
            kind="submit",
            label=f"submit to {model_id}",
            json_body=dict(payload),
            content=encode_payload(payload, model_id),
            model_id=model_id,
        )
        return self._attempts(request, timeout=timeout, max_retries=max_retries)

    def _job_call(
        self,
        request_id: str,
        action: Action,
        *,
        timeout: TimeoutLike | None,
        max_retries: int | None,
        deadline: float | None = None,
        include_cost: bool = False,
    ) -> Attempts:
        """``GET .../status``, ``GET .../result`` or ``POST .../cancel`` of one request."""
        request = ApiRequest(
            method="POST" if action == "cancel" else "GET",
            url=request_url(self._base_url, request_id, action),
            kind="cancel" if action == "cancel" else "read",
            label=f"{action} of {request_id}",
            params={"include_cost": "true"} if include_cost else None,
            request_id=request_id,
        )
        return self._attempts(request, timeout=timeout, max_retries=max_retries, deadline=deadline)

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

    def _catalog_call(
        self,
        query: Mapping[str, str | None],
        limit: int,
        offset: int,
        *,
        timeout: TimeoutLike | None,
    ) -> Attempts:
        params = {key: value for key, value in query.items() if value}
        params.update(limit=str(limit), offset=str(offset))
        request = ApiRequest(
            method="GET",
            url=f"{self._base_url}/v1/models",
            kind="read",
            label="catalog of models",
            params=params,
        )
        return self._attempts(request, timeout=timeout, max_retries=None)

    def _balance_call(self, *, timeout: TimeoutLike | None, max_retries: int | None) -> Attempts:
        """``GET /prod/v2/balance`` on RunComfy's core API, or on the configured origin when
        that is not RunComfy's Model API (see :mod:`.billing`)."""
        origin = balance_origin(self._base_url)
        request = ApiRequest(
            method="GET", url=origin + BALANCE_PATH, kind="read", label="balance of the account"
        )
        return self._attempts(request, timeout=timeout, max_retries=max_retries, origin=origin)

    @staticmethod
    def _submitted(attempts: Attempts, body: Any) -> str:
        """The request id of an accepted submit; an answer without one leaves the job unknown."""
        try:
            request_id = parse_submit(body)
        except UnexpectedResponseError as exc:
            raise attempts.outcome_unknown(exc, "answer without a usable request id") from exc
        logger.info("submitted %s: request %s", attempts.request.model_id, request_id)
        return request_id

    def _parse_result(self, body: Any, request_id: str) -> JobResult:
        """A ``/result`` answer, with the token scrubbed from any error the server echoed."""
        return parse_result(body, request_id, secret=self._token.reveal() if self._token else None)

    @staticmethod
    def _catalog_entry(body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise UnexpectedResponseError("The catalog answer is not a JSON object", body=body)
        return body
