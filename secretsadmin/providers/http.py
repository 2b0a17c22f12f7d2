"""Calling one account's HTTP API: the retries `RetryPolicy` allows, within one deadline for the
call (`total` seconds, retries included) and the page's (`deadlines`); one log line per failure;
the provider's typed errors for an answer that is not a success or for no answer at all; and a
pause of the account's calls once it keeps not answering (`pauses`).

Each provider's client owns one `ProviderCalls` around its pooled `httpx.Client` (whose headers
alone hold the API key: no message, repr or log line here has it) and says what only it knows:
how its error answers read (`error_of`) and which of its error classes mean "no answer" and "an
unreadable answer".
"""

import json
import logging
import math
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from . import deadlines, instruments
from .errors import MalformedResponse, ProviderError, Unavailable
from .pauses import Pause
from .retry import RetryPolicy

# A query's parameters; a list is sent repeated (`?id=a&id=b`).
Params = Mapping[str, str | int | Sequence[str | int]]

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
# Less time than this left is no time to make a call in.
MIN_ATTEMPT_SECONDS = 0.05
MIN_PHASE_SECONDS = 0.001


class TimeLeft(dict[str, float | None]):
    """One attempt's timeouts, as httpx's transport reads them when each phase begins (waiting
    for a pooled connection, connecting, sending, each read of the answer): none longer than what
    is left of the attempt's time by then. httpx would give each phase its whole timeout, so a
    call that waited for a connection other hung calls held could then wait as long again for
    the answer, past the page's deadline."""

    def __init__(self, timeouts: dict[str, float | None], *, ends: float) -> None:
        super().__init__(timeouts)
        self._ends = ends

    def get(self, phase: str, default: float | None = None) -> float | None:  # type: ignore[override]
        configured = super().get(phase, default)
        # Never 0: a socket given no time fails as a broken connection, not as a slow one.
        left = max(MIN_PHASE_SECONDS, self._ends - time.monotonic())
        return left if configured is None else min(configured, left)


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
        total: float | None = None,
        pause: Pause | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
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
        self._total = total
        self._pause = pause
        self._sleep = sleep
        self._clock = clock
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
        params: Params | None = None,
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
            error = self._kinds.malformed(
                f"unexpected answer: {exc}",
                account=self.account,
                operation=operation,
                status=response.status_code,
                # The API accepted the change; only its answer is unreadable.
                may_have_applied=method != "GET",
            )
            instruments.failed(self._label, self.account, operation, error)
            raise error from None

    def call(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        body: object = None,
        params: Params | None = None,
    ) -> httpx.Response:
        instruments.calls.labels(self._label, self.account, operation).inc()
        try:
            return self._call(operation, method, path, body=body, params=params)
        except ProviderError as error:
            instruments.failed(self._label, self.account, operation, error)
            raise

    def _call(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        body: object,
        params: Params | None,
    ) -> httpx.Response:
        self._refuse_if_paused(operation)
        started = self._clock()
        attempt = 0
        while True:
            attempt += 1
            timeout = self._attempt_timeout(operation, started)
            begun = time.monotonic()
            request = self.http.build_request(
                method, path, json=body, params=params, timeout=timeout
            )
            left = self._left(started)
            if left is not None:
                request.extensions["timeout"] = TimeLeft(timeout.as_dict(), ends=begun + left)
            try:
                response = self.http.send(request)
            except httpx.TransportError as exc:
                self._count(operation, begun, instruments.no_answer(exc, NOT_SENT))
                delay = self._within(
                    self._retry.delay_after_failure(method, attempt, self._rng), started
                )
                self._log_failure(method, path, attempt, type(exc).__name__, delay, serious=True)
                if delay is None:
                    if self._pause is not None and self._pause.failed():
                        self._logger.warning(
                            "%s %s: not answering; calls paused for %g s",
                            self._label, self.account, self._pause.policy.seconds,
                        )  # fmt: skip
                    raise self._unavailable(operation, method, exc, timeout) from exc
                self._sleep(delay)
                continue
            self._count(operation, begun, str(response.status_code))
            if self._pause is not None:
                self._pause.answered()
            elapsed_ms = (time.monotonic() - begun) * 1000
            if response.is_success:
                self._logger.debug(
                    "%s %s: %s %s -> %s in %.0f ms",
                    self._label, self.account, method, path, response.status_code, elapsed_ms,
                )  # fmt: skip
                return response
            delay = self._within(
                self._retry.delay_after_answer(method, response, attempt, self._rng), started
            )
            status = response.status_code
            # A refusal the person can act on (400, 401, 404...) is not the service failing.
            serious = status >= 500 or status in (409, 429)
            self._log_failure(method, path, attempt, str(status), delay, serious=serious)
            if delay is None:
                raise self._error_of(operation, method, response)
            self._sleep(delay)

    def _count(self, operation: str, begun: float, status: str) -> None:
        labels = (self._label, self.account, operation)
        instruments.latency.labels(*labels).observe(time.monotonic() - begun)
        instruments.requests.labels(*labels, status).inc()

    def _left(self, started: float) -> float | None:
        """Seconds left of this call's and the page's deadlines, or None when neither is set."""
        left = [deadlines.remaining()]
        if self._total is not None:
            left.append(self._total - (self._clock() - started))
        known = [seconds for seconds in left if seconds is not None]
        return min(known) if known else None

    def _within(self, delay: float | None, started: float) -> float | None:
        """`delay` before a retry, or None when no attempt would fit in the time left after it."""
        left = self._left(started)
        if delay is None or left is None:
            return delay
        return delay if delay + MIN_ATTEMPT_SECONDS < left else None

    def _attempt_timeout(self, operation: str, started: float) -> httpx.Timeout:
        configured = self.http.timeout
        left = self._left(started)
        if left is None:
            return configured
        if left < MIN_ATTEMPT_SECONDS:
            raise self._kinds.unavailable(
                "not asked: the page had used up its time to wait for providers",
                account=self.account,
                operation=operation,
                asked=False,
            )
        return httpx.Timeout(
            min(configured.read or left, left), connect=min(configured.connect or left, left)
        )

    def _refuse_if_paused(self, operation: str) -> None:
        if self._pause is None:
            return
        left = self._pause.seconds_left()
        if left > 0:
            raise self._kinds.unavailable(
                f"not asked for another {math.ceil(left)} s: it did not answer the last "
                f"{self._pause.policy.failures} times",
                account=self.account,
                operation=operation,
                asked=False,
            )

    def _log_failure(
        self, method: str, path: str, attempt: int, what: str, delay: float | None, *, serious: bool
    ) -> None:
        then = "giving up" if delay is None else f"retrying in {delay:.2f} s"
        self._logger.log(
            logging.WARNING if serious or delay is not None else logging.INFO,
            "%s %s: %s %s -> %s (attempt %d), %s",
            self._label, self.account, method, path, what, attempt, then,
        )  # fmt: skip

    def _unavailable(
        self, operation: str, method: str, exc: httpx.TransportError, timeout: httpx.Timeout
    ) -> Unavailable:
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
