"""An httpx client of the Gcore Cloud secrets API, of the load balancers using its secrets, and
of the API's own log of who changed them, for one account (one project).

One pooled `httpx.Client` per account, reused across requests and threads. The API key lives only
in that client's `Authorization` header: it is in no message, repr or log line of this module.

Writes answer with the task that carries them out (`Submitted`); follow it with `get_task`. An
update of a listener or a pool that would change nothing answers no task (None). No
write is ever repeated after a timeout or a 5xx: the API takes no idempotency key, so a create
sent twice can make two secrets of one name. Only a 429, which the API did not process, is.
"""

import base64
import logging
import random
import re
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx

from ..config import Timeouts
from ..deadlines import at_once
from ..http import ErrorKinds, Params, ProviderCalls
from ..pauses import Pause, PausePolicy
from ..retry import RetryPolicy, retry_after
from . import decode
from .config import GcoreAccount
from .errors import (
    BadRequest,
    Conflict,
    GcoreError,
    MalformedResponse,
    NotFound,
    RateLimited,
    ServerError,
    Unauthorized,
    Unavailable,
)
from .models import (
    Listener,
    LoadBalancer,
    Pool,
    Project,
    Region,
    Secret,
    SecretType,
    Submitted,
    Task,
    UserAction,
)

logger = logging.getLogger(__name__)

ERRORS_BY_STATUS: dict[int, type[GcoreError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Unauthorized,
    404: NotFound,
    409: Conflict,
    422: BadRequest,
}
DEFAULT_RETRY = RetryPolicy()
PAGE_SIZE = 200
MAX_PAGE_SIZE = 1000  # the API's own limit
PARALLEL_PAGES = 4  # pages of one listing fetched at once once the count is known
# Secrets, tasks, listeners and pools are named by UUIDs; anything else in a path is refused
# before it is sent.
_ID = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")


class GcoreClient:
    def __init__(
        self,
        account: GcoreAccount,
        timeouts: Timeouts,
        *,
        transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy = DEFAULT_RETRY,
        pause: PausePolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        """`pause`: when to stop calling the account for a while (never, without one);
        `sleep` and `clock` wait and tell time for the retries and the call's deadline."""
        self.account = account
        self.timeouts = timeouts
        http = httpx.Client(
            base_url=f"{account.api_url}/cloud",
            headers={
                "Authorization": f"APIKey {account.api_key.reveal()}",
                "Accept": "application/json",
                "User-Agent": "secretsadmin",
            },
            timeout=httpx.Timeout(timeouts.read, connect=timeouts.connect),
            # Enough connections for the pages of a listing fetched at once, in several threads.
            limits=httpx.Limits(max_connections=4 * PARALLEL_PAGES),
            transport=transport,
        )
        self._calls = ProviderCalls(
            http,
            label="gcore",
            account=account.name,
            logger=logger,
            error_of=self._error,
            kinds=ErrorKinds(unavailable=Unavailable, malformed=MalformedResponse),
            retry=retry,
            total=timeouts.total,
            pause=Pause(f"gcore:{account.name}", pause) if pause else None,
            sleep=sleep,
            clock=clock,
            rng=rng,
        )
        self._project_id = account.project_id
        self._project_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"GcoreClient(account={self.account.name!r}, api_url={self.account.api_url!r})"

    def close(self) -> None:
        self._calls.close()

    # -- the project and its regions ---------------------------------------------------------------

    def project_id(self) -> int:
        """The account's project: configured, or else the one the API marks as the key's default
        (asked once per process)."""
        with self._project_lock:
            if self._project_id is None:
                projects = self.projects()
                default = [p for p in projects if p.is_default] or projects[:1]
                if not default:
                    raise NotFound(
                        "the API key may use no project",
                        account=self.account.name,
                        operation="projects",
                        status=404,
                    )
                self._project_id = default[0].id
            return self._project_id

    def projects(self) -> list[Project]:
        return self._all("projects", "/v1/projects", decode.project)

    def regions(self) -> list[Region]:
        return self._all("regions", "/v1/regions", decode.region)

    # -- secrets ----------------------------------------------------------------------------------

    def list_secrets(self, region_id: int, *, page_size: int = PAGE_SIZE) -> list[Secret]:
        """Every secret of the region, in the API's order. The first page gives the count; the
        rest are then fetched at once, `PARALLEL_PAGES` at a time."""
        path = self._secrets_path(region_id)
        return self._all(
            "list_secrets", path, lambda item: decode.secret(item, region_id), page_size=page_size
        )

    def get_secret(self, region_id: int, secret_id: str) -> Secret:
        return self._calls.decoded(
            "get_secret",
            "GET",
            self._secrets_path(region_id, secret_id),
            lambda body: decode.secret(body, region_id),
        )

    def create_secret(
        self,
        region_id: int,
        *,
        name: str,
        secret_type: SecretType,
        payload: bytes,
        algorithm: str | None = None,
        bit_length: int | None = None,
        mode: str | None = None,
        expiration: datetime | None = None,
    ) -> Submitted:
        """Stores `payload` (sent base64-encoded, as the API wants it) as a secret of this type."""
        if not payload:
            raise ValueError("a secret needs a payload")
        body: dict[str, Any] = {
            "name": name,
            "secret_type": secret_type,
            "payload": base64.b64encode(payload).decode("ascii"),
            "payload_content_encoding": "base64",
            "payload_content_type": "application/octet-stream",
        }
        optional = {"algorithm": algorithm, "bit_length": bit_length, "mode": mode}
        body.update({k: v for k, v in optional.items() if v is not None})
        if expiration is not None:
            body["expiration"] = expiration.isoformat()
        return self._submit("create_secret", "POST", self._secrets_path(region_id), body)

    def create_tls_certificate(
        self,
        region_id: int,
        *,
        name: str,
        certificate: str,
        certificate_chain: str,
        private_key: str,
        expiration: datetime | None = None,
    ) -> Submitted:
        """A TLS certificate with its chain and private key (PEM), for HTTPS load balancers."""
        body: dict[str, Any] = {
            "name": name,
            "payload": {
                "certificate": certificate,
                "certificate_chain": certificate_chain,
                "private_key": private_key,
            },
        }
        if expiration is not None:
            body["expiration"] = expiration.isoformat()
        path = self._secrets_path(region_id, version="v2")
        return self._submit("create_tls_certificate", "POST", path, body)

    def delete_secret(self, region_id: int, secret_id: str) -> Submitted:
        path = self._secrets_path(region_id, secret_id)
        return self._submit("delete_secret", "DELETE", path, None)

    # -- what uses the secrets: load balancers, their listeners and pools --------------------------

    def list_load_balancers(self, region_id: int) -> list[LoadBalancer]:
        path = self._region_path("loadbalancers", region_id)
        return self._all("list_load_balancers", path, decode.load_balancer)

    def get_load_balancer(self, region_id: int, load_balancer_id: str) -> LoadBalancer:
        path = f"{self._region_path('loadbalancers', region_id)}/{_id(load_balancer_id)}"
        return self._calls.decoded("get_load_balancer", "GET", path, decode.load_balancer)

    def list_listeners(self, region_id: int) -> list[Listener]:
        path = self._region_path("lblisteners", region_id)
        return self._all("list_listeners", path, decode.listener)

    def list_pools(self, region_id: int) -> list[Pool]:
        return self._all("list_pools", self._region_path("lbpools", region_id), decode.pool)

    def get_listener(self, region_id: int, listener_id: str) -> Listener:
        path = f"{self._region_path('lblisteners', region_id)}/{_id(listener_id)}"
        return self._calls.decoded("get_listener", "GET", path, decode.listener)

    def get_pool(self, region_id: int, pool_id: str) -> Pool:
        path = f"{self._region_path('lbpools', region_id)}/{_id(pool_id)}"
        return self._calls.decoded("get_pool", "GET", path, decode.pool)

    def update_listener_certificates(
        self,
        region_id: int,
        listener_id: str,
        *,
        secret_id: str | None = None,
        sni_secret_ids: Sequence[str] | None = None,
    ) -> Submitted | None:
        """Points the listener at `secret_id` as its default certificate and/or at
        `sni_secret_ids` by SNI; None leaves that one as it is. `sni_secret_ids` is the whole new
        list: the API replaces the listener's list with it, it adds nothing to it."""
        body: dict[str, Any] = {}
        if secret_id is not None:
            body["secret_id"] = _id(secret_id)
        if sni_secret_ids is not None:
            body["sni_secret_id"] = [_id(i) for i in sni_secret_ids]
        path = f"{self._region_path('lblisteners', region_id, version='v2')}/{_id(listener_id)}"
        return self._update("update_listener", path, body)

    def update_pool_certificates(
        self,
        region_id: int,
        pool_id: str,
        *,
        secret_id: str | None = None,
        ca_secret_id: str | None = None,
        crl_secret_id: str | None = None,
    ) -> Submitted | None:
        """Points the pool at these secrets (its client certificate, the CA and the revocation
        list it checks its members against); None leaves that one as it is."""
        named = {
            "secret_id": secret_id,
            "ca_secret_id": ca_secret_id,
            "crl_secret_id": crl_secret_id,
        }
        body = {name: _id(value) for name, value in named.items() if value is not None}
        path = f"{self._region_path('lbpools', region_id, version='v2')}/{_id(pool_id)}"
        return self._update("update_pool", path, body)

    # -- tasks ------------------------------------------------------------------------------------

    def get_task(self, task_id: str) -> Task:
        return self._calls.decoded("get_task", "GET", f"/v1/tasks/{_id(task_id)}", decode.task)

    # -- who changed what: Gcore's user-action log -------------------------------------------------

    def user_actions(
        self,
        *,
        since: datetime,
        resource_ids: Sequence[str] = (),
        region_id: int | None = None,
        page_size: int = PAGE_SIZE,
    ) -> list[UserAction]:
        """Every change asked of the account's project from `since` on (who asked, from where,
        and the task that made it), oldest first: of any of `resource_ids` only, and in
        `region_id` only, when given. Oldest first, an entry logged while the pages are read
        lands after them and shifts none of their offsets."""
        if since.tzinfo is None:
            raise ValueError("`since` needs a time zone: the API would read it as UTC")
        if isinstance(resource_ids, str):
            raise ValueError("`resource_ids` is a list of ids, not one")
        params: dict[str, str | int | Sequence[str | int]] = {
            "from_timestamp": since.astimezone(UTC).isoformat(),
            "order_by": "asc",
            "project_id": self.project_id(),
        }
        if resource_ids:
            params["resource_id"] = list(resource_ids)
        if region_id is not None:
            if region_id < 1:
                raise ValueError(f"not a region id: {region_id!r}")
            params["region_id"] = region_id
        return self._all(
            "user_actions",
            "/v1/user_actions",
            decode.user_action,
            page_size=page_size,
            params=params,
        )

    # -- the calls --------------------------------------------------------------------------------

    def _secrets_path(self, region_id: int, secret_id: str = "", *, version: str = "v1") -> str:
        path = self._region_path("secrets", region_id, version=version)
        return f"{path}/{_id(secret_id)}" if secret_id else path

    def _region_path(self, kind: str, region_id: int, *, version: str = "v1") -> str:
        if region_id < 1:
            raise ValueError(f"not a region id: {region_id!r}")
        return f"/{version}/{kind}/{self.project_id()}/{region_id}"

    def _submit(self, operation: str, method: str, path: str, body: object) -> Submitted:
        response = self._calls.call(operation, method, path, body=body)
        task_id = self._calls.read(operation, method, response, decode.task_ids)
        return Submitted(task_id=task_id, status=response.status_code)

    def _update(self, operation: str, path: str, body: dict[str, Any]) -> Submitted | None:
        """A PATCH of only the fields given: any other is left as it is."""
        if not body:
            raise ValueError("an update needs something to change")
        response = self._calls.call(operation, "PATCH", path, body=body)
        task_id = self._calls.read(operation, "PATCH", response, decode.update_task_ids)
        return Submitted(task_id=task_id, status=response.status_code) if task_id else None

    def _all[T](
        self,
        operation: str,
        path: str,
        read: Callable[[Any], T],
        *,
        page_size: int = MAX_PAGE_SIZE,
        params: Params | None = None,
    ) -> list[T]:
        """Every page of a listing; `params` filter it."""
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"a page holds 1 to {MAX_PAGE_SIZE} items")

        def fetch(offset: int) -> tuple[int, list[Any]]:
            page = {**(params or {}), "limit": page_size, "offset": offset}
            return self._calls.decoded(operation, "GET", path, decode.page, params=page)

        count, first = fetch(0)
        pages = [first]
        offsets = range(len(first), count, page_size) if first else range(0)
        pages += [items for _, items in at_once(fetch, offsets, workers=PARALLEL_PAGES)]
        try:
            items = [read(item) for items in pages for item in items]
        except ValueError as exc:
            raise MalformedResponse(
                f"unexpected answer: {exc}", account=self.account.name, operation=operation
            ) from None
        return _unique(items)

    def _error(self, operation: str, method: str, response: httpx.Response) -> GcoreError:
        status = response.status_code
        message, code, request_id = decode.error_body(response.content) or (
            response.reason_phrase,
            "",
            "",
        )
        context: dict[str, Any] = {
            "account": self.account.name,
            "operation": operation,
            "status": status,
            "code": code,
            "request_id": request_id or response.headers.get("x-request-id", ""),
        }
        if status == 429:
            return RateLimited(message, retry_after=retry_after(response), **context)
        if status >= 500:
            # The API may have queued the change before failing: a write's outcome is unknown.
            return ServerError(message, may_have_applied=method != "GET", **context)
        kind = ERRORS_BY_STATUS.get(status, GcoreError)
        if kind is BadRequest:
            return BadRequest(
                message, invalid_fields=decode.invalid_fields(response.content), **context
            )
        return kind(message, **context)


def _id(value: str) -> str:
    if not _ID.fullmatch(value):
        raise ValueError(f"not an id Gcore Cloud gives: {value!r}")
    return value


def _unique[T](items: list[T]) -> list[T]:
    """Pages read while the list changes may repeat an item at their edges: keep its first."""
    seen: set[str] = set()
    kept = []
    for item in items:
        key = getattr(item, "id", None)
        if key is None or str(key) not in seen:
            kept.append(item)
            if key is not None:
                seen.add(str(key))
    return kept
