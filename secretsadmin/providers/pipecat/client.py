"""An httpx client of the Pipecat Cloud API (secrets, agents) for one account (one organisation).

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

from ..config import Timeouts
from ..http import ErrorKinds, ProviderCalls
from ..pauses import Pause, PausePolicy
from ..retry import RetryPolicy, retry_after
from . import decode
from .config import PipecatAccount
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
    deploy_error,
)
from .models import Accepted, Agent, Deleted, Redeployed, Region, SecretSet, SetDetail
from .names import agent_name_problem, path_part_problem

logger = logging.getLogger(__name__)

ERRORS_BY_STATUS: dict[int, type[PipecatError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Unauthorized,
    404: NotFound,
    409: Conflict,
    429: RateLimited,
}
DEPLOYS = frozenset({"redeploy"})  # whose 404 and 409 name a set as often as the agent
DEFAULT_RETRY = RetryPolicy(conflict_methods=frozenset({"PUT", "DELETE"}))


class PipecatClient:
    def __init__(
        self,
        account: PipecatAccount,
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
            base_url=f"{account.api_url}/v1",
            headers={
                "Authorization": f"Bearer {account.api_key.reveal()}",
                "Accept": "application/json",
                "User-Agent": "secretsadmin",
            },
            timeout=httpx.Timeout(timeouts.read, connect=timeouts.connect),
            transport=transport,
        )
        self._calls = ProviderCalls(
            http,
            label="pipecat",
            account=account.name,
            logger=logger,
            error_of=self._error,
            kinds=ErrorKinds(unavailable=Unavailable, malformed=MalformedResponse),
            retry=retry,
            total=timeouts.total,
            pause=Pause(f"pipecat:{account.name}", pause) if pause else None,
            sleep=sleep,
            clock=clock,
            rng=rng,
        )

    def __repr__(self) -> str:
        return f"PipecatClient(account={self.account.name!r}, api_url={self.account.api_url!r})"

    def close(self) -> None:
        self._calls.close()

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

    def list_agents(self) -> list[Agent]:
        """Every agent of the organisation, in every region, with the sets it binds."""
        path = "/agents?includeActiveDeployment=true"
        return self._decoded("list_agents", "GET", path, decode.agents)

    def get_agent(self, name: str) -> Agent:
        return self._decoded("get_agent", "GET", _agent_path(name), decode.agent)

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
        return self._delete("delete_set", _path(name))

    def delete_key(self, name: str, key: str) -> Deleted:
        return self._delete("delete_key", _path(name, key))

    def redeploy(self, name: str) -> Redeployed:
        """A new deployment of the agent as it is configured, so that it reads its sets' values
        again. The body is `forceRedeploy` alone: every field of `UpdateServiceRequest` is
        optional and the ones left out stay as deployed, so nothing else can change by it.

        Refused: `SetNotReady` (any 409) while a set it binds is not `ready`; `NotFound` when
        the agent or such a set is gone (a read of the agent tells which). Never repeated on a
        5xx or a timeout: each POST that lands makes one more deployment."""
        path = _agent_path(name)
        response = self._call("redeploy", "POST", path, body={"forceRedeploy": True})
        agent = self._calls.read("redeploy", "POST", response, decode.agent)
        return Redeployed(agent=agent, status=response.status_code)

    # -- the calls --------------------------------------------------------------------------------

    def _upsert(
        self, operation: str, name: str, body: dict[str, Any], region: str | None
    ) -> Accepted:
        if region is not None:
            body["region"] = region
        response = self._call(operation, "PUT", _path(name), body=body)
        stored_in = self._calls.read(operation, "PUT", response, decode.accepted_region)
        return Accepted(region=stored_in, status=response.status_code)

    def _delete(self, operation: str, path: str) -> Deleted:
        """Only the documented `{"status": "OK"}` confirms a delete: any other success (a proxy's
        page, say, for a request that went astray) leaves its outcome unknown."""
        response = self._call(operation, "DELETE", path)
        self._calls.read(operation, "DELETE", response, decode.deleted)
        return Deleted(response.status_code)

    def _decoded[T](self, operation: str, method: str, path: str, read: Callable[[Any], T]) -> T:
        return self._calls.decoded(operation, method, path, read)

    def _call(
        self, operation: str, method: str, path: str, *, body: dict[str, Any] | None = None
    ) -> httpx.Response:
        return self._calls.call(operation, method, path, body=body)

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
        error = ERRORS_BY_STATUS.get(status, PipecatError)(message, code=code, **context)
        return deploy_error(error) if operation in DEPLOYS else error


def image_pull_credentials(username: str, token: str) -> str:
    return base64.b64encode(f"{username}:{token}".encode()).decode("ascii")


def _agent_path(name: str) -> str:
    problem = agent_name_problem(name)
    if problem:
        raise ValueError(f"not a name a Pipecat Cloud agent can have ({problem}): {name!r}")
    return f"/agents/{name}"


def _path(*segments: str) -> str:
    # Nothing in a name may become a path separator, a query or a fragment (quoting sees to
    # that), be resolved away ("." and "..": DELETE /secrets/set/. is DELETE /secrets/set, the
    # whole set) or be stripped by a server (a final newline, which `$` lets through).
    for segment in segments:
        problem = path_part_problem(segment)
        if problem:
            raise ValueError(f"not a name Pipecat Cloud can have ({problem}): {segment!r}")
    return "/secrets/" + "/".join(quote(segment, safe="") for segment in segments)
