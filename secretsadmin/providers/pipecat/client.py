"""An httpx client of the Pipecat Cloud secrets API for one account (one organisation).

One pooled `httpx.Client` per account, reused across requests and threads. The API key lives only
in that client's `Authorization` header: it is in no message, repr or log line of this module.
"""

import base64
import logging
import random
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

import httpx

from . import decode
from .config import PipecatAccount, PipecatTimeouts
from .errors import (
    BadRequest,
    Conflict,
    MalformedResponse,
    NotFound,
    PipecatError,
    RateLimited,
    ServerError,
    Unauthorized,
    Unavailable,
)
from .models import Accepted, Deleted, Region, SecretSet, SetDetail
from .retry import RetryPolicy, retry_after

logger = logging.getLogger(__name__)

ERRORS_BY_STATUS: dict[int, type[PipecatError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Unauthorized,
    404: NotFound,
    409: Conflict,
    429: RateLimited,
}
# Failures that happen before a byte of the request reaches the API: nothing can have changed.
NOT_SENT = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.UnsupportedProtocol,
    httpx.LocalProtocolError,
    httpx.ProxyError,
)
DEFAULT_RETRY = RetryPolicy()


class PipecatClient:
    def __init__(
        self,
        account: PipecatAccount,
        timeouts: PipecatTimeouts,
        *,
        transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy = DEFAULT_RETRY,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.account = account
        self.timeouts = timeouts
        self._retry = retry
        self._sleep = sleep
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography
        self._http = httpx.Client(
            base_url=f"{account.api_url}/v1",
            headers={
                "Authorization": f"Bearer {account.api_key.reveal()}",
                "Accept": "application/json",
                "User-Agent": "secretsadmin",
            },
            timeout=httpx.Timeout(timeouts.read, connect=timeouts.connect),
            transport=transport,
        )

    def __repr__(self) -> str:
        return f"PipecatClient(account={self.account.name!r}, api_url={self.account.api_url!r})"

    def close(self) -> None:
        self._http.close()

    # -- reading ----------------------------------------------------------------------------------

    def list_sets(self) -> list[SecretSet]:
        return self._decoded("list_sets", "GET", "/secrets", decode.secret_sets)

    def get_set(self, name: str) -> SetDetail:
        """A regular set's keys; an image pull secret cannot be read by name (`BadRequest`)."""
        return self._decoded(
            "get_set", "GET", _path(name), lambda body: decode.set_detail(name, body)
        )

    def regions(self) -> list[Region]:
        return self._decoded("regions", "GET", "/regions", decode.regions)

    def default_region(self) -> str:
        """Where a set created without a region goes."""
        return self._decoded("default_region", "GET", "/properties", decode.default_region)

    # -- changing ---------------------------------------------------------------------------------

    def upsert_set(
        self, name: str, secrets: Mapping[str, str], region: str | None = None
    ) -> Accepted:
        """Creates the set, or adds and overwrites these keys in it; its other keys stay."""
        if not secrets or not all(secrets.values()):
            raise ValueError("a set needs at least one key, and every value must be non-empty")
        body: dict[str, Any] = {
            "secrets": [{"secretKey": key, "secretValue": value} for key, value in secrets.items()]
        }
        return self._upsert("upsert_set", name, body, region)

    def upsert_image_pull_secret(
        self, name: str, host: str, username: str, token: str, region: str | None = None
    ) -> Accepted:
        """Creates or replaces an image pull secret; the API wants `base64("username:token")`,
        built here so that nobody ever handles base64 by hand."""
        if not username or not token:
            raise ValueError("an image pull secret needs a username and a token")
        if ":" in username:
            # The registry splits the pair at its first colon.
            raise ValueError("a registry username cannot contain ':'")
        credentials = image_pull_credentials(username, token)
        body = {"isImagePullSecret": True, "host": host, "secretValue": credentials}
        return self._upsert("upsert_image_pull_secret", name, body, region)

    def delete_set(self, name: str) -> Deleted:
        return Deleted(self._call("delete_set", "DELETE", _path(name)).status_code)

    def delete_key(self, name: str, key: str) -> Deleted:
        return Deleted(self._call("delete_key", "DELETE", _path(name, key)).status_code)

    # -- the calls --------------------------------------------------------------------------------

    def _upsert(
        self, operation: str, name: str, body: dict[str, Any], region: str | None
    ) -> Accepted:
        if region is not None:
            body["region"] = region
        response = self._call(operation, "PUT", _path(name), body=body)
        stored_in = self._read(operation, "PUT", response, decode.accepted_region)
        return Accepted(region=stored_in, status=response.status_code)

    def _decoded[T](
        self,
        operation: str,
        method: str,
        path: str,
        read: Callable[[Any], T],
        *,
        body: dict[str, Any] | None = None,
    ) -> T:
        return self._read(operation, method, self._call(operation, method, path, body=body), read)

    def _read[T](
        self,
        operation: str,
        method: str,
        response: httpx.Response,
        read: Callable[[Any], T],
    ) -> T:
        try:
            return read(decode.json_body(response.content))
        except ValueError as exc:
            raise MalformedResponse(
                f"unexpected answer: {exc}",
                account=self.account.name,
                operation=operation,
                status=response.status_code,
                # The API accepted the change; only its answer is unreadable.
                may_have_applied=method != "GET",
            ) from None

    def _call(
        self, operation: str, method: str, path: str, *, body: dict[str, Any] | None = None
    ) -> httpx.Response:
        attempt = 0
        while True:
            attempt += 1
            started = time.monotonic()
            try:
                response = self._http.request(method, path, json=body)
            except httpx.TransportError as exc:
                delay = self._retry.delay_after_failure(method, attempt, self._rng)
                self._log_failure(method, path, attempt, type(exc).__name__, delay, serious=True)
                if delay is None:
                    raise self._unavailable(operation, method, exc) from exc
                self._sleep(delay)
                continue
            elapsed_ms = (time.monotonic() - started) * 1000
            if response.is_success:
                logger.debug(
                    "pipecat %s: %s %s -> %s in %.0f ms",
                    self.account.name, method, path, response.status_code, elapsed_ms,
                )  # fmt: skip
                return response
            delay = self._retry.delay_after_answer(method, response, attempt, self._rng)
            status = response.status_code
            # A refusal the person can act on (400, 401, 404...) is not the service failing.
            serious = status >= 500 or status in (409, 429)
            self._log_failure(method, path, attempt, str(status), delay, serious=serious)
            if delay is None:
                raise self._error(operation, method, response)
            self._sleep(delay)

    def _log_failure(
        self, method: str, path: str, attempt: int, what: str, delay: float | None, *, serious: bool
    ) -> None:
        then = "giving up" if delay is None else f"retrying in {delay:.2f} s"
        logger.log(
            logging.WARNING if serious or delay is not None else logging.INFO,
            "pipecat %s: %s %s -> %s (attempt %d), %s",
            self.account.name, method, path, what, attempt, then,
        )  # fmt: skip

    def _error(self, operation: str, method: str, response: httpx.Response) -> PipecatError:
        status = response.status_code
        message, code = decode.error_body(response.content) or (response.reason_phrase, "")
        context = {
            "account": self.account.name,
            "operation": operation,
            "status": status,
            "request_id": response.headers.get("x-request-id", ""),
        }
        if status == 429:
            return RateLimited(message, code=code, retry_after=retry_after(response), **context)
        if status >= 500:
            # The API may have stored the change before failing: a write's outcome is unknown.
            return ServerError(message, code=code, may_have_applied=method != "GET", **context)
        return ERRORS_BY_STATUS.get(status, PipecatError)(message, code=code, **context)

    def _unavailable(self, operation: str, method: str, exc: httpx.TransportError) -> Unavailable:
        if isinstance(exc, httpx.ConnectTimeout):
            message = f"could not connect within {self.timeouts.connect:g} s"
        elif isinstance(exc, NOT_SENT):
            message = f"could not connect ({type(exc).__name__})"
        elif isinstance(exc, httpx.TimeoutException):
            message = f"no answer within {self.timeouts.read:g} s"
        else:
            message = f"the connection broke before a complete answer ({type(exc).__name__})"
        sent = not isinstance(exc, NOT_SENT)
        return Unavailable(
            message,
            account=self.account.name,
            operation=operation,
            reached=sent,
            may_have_applied=method != "GET" and sent,
        )


def image_pull_credentials(username: str, token: str) -> str:
    return base64.b64encode(f"{username}:{token}".encode()).decode("ascii")


def _path(*segments: str) -> str:
    # Nothing in a name may become a path separator, a query or a fragment; and "." or "..",
    # which quoting leaves as they are, would be resolved away: DELETE /secrets/set/. is
    # DELETE /secrets/set, the whole set.
    if any(segment in ("", ".", "..") for segment in segments):
        raise ValueError(f"not a name Pipecat Cloud can have: {segments!r}")
    return "/secrets/" + "/".join(quote(segment, safe="") for segment in segments)
