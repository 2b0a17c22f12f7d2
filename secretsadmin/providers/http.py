"""Calling one account's HTTP API: the retries `RetryPolicy` allows, one log line per failure, and
the provider's typed errors for an answer that is not a success or for no answer at all.

Each provider's client owns one `ProviderCalls` around its pooled `httpx.Client` (whose headers
alone hold the API key: no message, repr or log line here has it) and says what only it knows:
how its error answers read (`error_of`) and which of its error classes mean "no answer" and "an
unreadable answer".
"""

import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from .errors import MalformedResponse, ProviderError, Unavailable
from .retry import RetryPolicy

# Failures that happen before a byte of the request reaches the API: nothing can have changed.
NOT_SENT = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.UnsupportedProtocol,
    httpx.LocalProtocolError,
    httpx.ProxyError,
)

type ErrorOf = Callable[[str, str, httpx.Response], ProviderError]


@dataclass(frozen=True)
class ErrorKinds:
    """The provider's own classes for what every provider meets."""

    unavailable: type[Unavailable]
    malformed: type[MalformedResponse]


class ProviderCalls:
    def __init__(
        self,
        http: httpx.Client,
        *,
        label: str,
        account: str,
        logger: logging.Logger,
        error_of: ErrorOf,
        kinds: ErrorKinds,
        retry: RetryPolicy,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        """`label` starts each log line ("pipecat prod: ..."); `error_of(operation, method,
        response)` is the error a failed answer means."""
        self.http = http
        self._label = label
        self.account = account
        self._logger = logger
        self._error_of = error_of
        self._kinds = kinds
        self._retry = retry
        self._sleep = sleep
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography

    def close(self) -> None:
        self.http.close()

    def decoded[T](
        self,
        operation: str,
        method: str,
        path: str,
        read: Callable[[Any], T],
        *,
        body: object = None,
        params: dict[str, str | int] | None = None,
    ) -> T:
        response = self.call(operation, method, path, body=body, params=params)
        return self.read(operation, method, response, read)

    def read[T](
        self, operation: str, method: str, response: httpx.Response, read: Callable[[Any], T]
    ) -> T:
        """`read` applied to the answer's JSON; anything unexpected is `MalformedResponse`."""
        try:
            return read(json_body(response.content))
        except ValueError as exc:
            raise self._kinds.malformed(
                f"unexpected answer: {exc}",
                account=self.account,
                operation=operation,
                status=response.status_code,
                # The API accepted the change; only its answer is unreadable.
                may_have_applied=method != "GET",
            ) from None

    def call(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        body: object = None,
        params: dict[str, str | int] | None = None,
    ) -> httpx.Response:
        attempt = 0
        while True:
            attempt += 1
            started = time.monotonic()
            try:
                response = self.http.request(method, path, json=body, params=params)
            except httpx.TransportError as exc:
                delay = self._retry.delay_after_failure(method, attempt, self._rng)
                self._log_failure(method, path, attempt, type(exc).__name__, delay, serious=True)
                if delay is None:
                    raise self._unavailable(operation, method, exc) from exc
                self._sleep(delay)
                continue
            elapsed_ms = (time.monotonic() - started) * 1000
            if response.is_success:
                self._logger.debug(
                    "%s %s: %s %s -> %s in %.0f ms",
                    self._label, self.account, method, path, response.status_code, elapsed_ms,
                )  # fmt: skip
                return response
            delay = self._retry.delay_after_answer(method, response, attempt, self._rng)
            status = response.status_code
            # A refusal the person can act on (400, 401, 404...) is not the service failing.
            serious = status >= 500 or status in (409, 429)
            self._log_failure(method, path, attempt, str(status), delay, serious=serious)
            if delay is None:
                raise self._error_of(operation, method, response)
            self._sleep(delay)

    def _log_failure(
        self, method: str, path: str, attempt: int, what: str, delay: float | None, *, serious: bool
    ) -> None:
        then = "giving up" if delay is None else f"retrying in {delay:.2f} s"
        self._logger.log(
            logging.WARNING if serious or delay is not None else logging.INFO,
            "%s %s: %s %s -> %s (attempt %d), %s",
            self._label, self.account, method, path, what, attempt, then,
        )  # fmt: skip

    def _unavailable(self, operation: str, method: str, exc: httpx.TransportError) -> Unavailable:
        timeout = self.http.timeout
        if isinstance(exc, httpx.ConnectTimeout):
            message = f"could not connect within {timeout.connect:g} s"
        elif isinstance(exc, NOT_SENT):
            message = f"could not connect ({type(exc).__name__})"
        elif isinstance(exc, httpx.TimeoutException):
            message = f"no answer within {timeout.read:g} s"
        else:
            message = f"the connection broke before a complete answer ({type(exc).__name__})"
        sent = not isinstance(exc, NOT_SENT)
        return self._kinds.unavailable(
            message,
            account=self.account,
            operation=operation,
            reached=sent,
            may_have_applied=method != "GET" and sent,
        )


def json_body(content: bytes) -> Any:
    try:
        return json.loads(content)
    except (ValueError, UnicodeDecodeError):
        raise ValueError("the answer is not JSON") from None
