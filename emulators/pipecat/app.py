"""The Pipecat Cloud API as a WSGI app (secrets, agents): routes, authentication, error bodies.

Every route exists twice, as the public docs spell it (`/v1/secrets`) and as the official client
calls it by default (`/v1/organizations/{org}/secrets`). A token belongs to one organisation; an
organisation path naming another one is refused with 403, as the real API refuses a user outside
the organisation (the official client's source documents that 403).
"""

from collections.abc import Callable, Mapping
from http import HTTPStatus

from ..clock import Clock
from ..wsgi import EmulatorApp, Request, Response
from .agents import DEFAULT_DEPLOY_FAILURE, AgentStore, DeployFailure
from .regions import REGIONS
from .store import DEFAULT_FAILURE_MESSAGE, Rejected, SecretStore, SetType
from .validation import INVALID_FORMAT, InvalidRequest, parse_upsert, valid_set_name

# Codes the API puts beside its messages; the documented ones first, then plausible ones for the
# statuses the docs do not cover but a gateway or the platform can still answer.
CODES = {
    400: "GENERIC_BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    409: "CONFLICT",
    429: "TOO_MANY_REQUESTS",
    500: "INTERNAL_SERVER_ERROR",
    502: "BAD_GATEWAY",
    503: "SERVICE_UNAVAILABLE",
}
# The documented wording, where it differs from the HTTP reason phrase.
MESSAGES = {404: "Not found", 500: "Internal server error"}
BAD_REQUEST = "GENERIC_BAD_REQUEST"

Handler = Callable[[Request, str], Response]


class PipecatEmulator(EmulatorApp):
    def __init__(
        self,
        tokens: Mapping[str, str],
        *,
        clock: Clock | None = None,
        provisioning_delay: float = 2.0,
        conflict_window: float = 0.0,
        default_region: str = "us-west",
        deploy_delay: float = 10.0,
    ) -> None:
        """`tokens` maps each accepted bearer token to its organisation.

        `conflict_window` is 0 by default because the official client sends one PUT per key,
        back to back: a real API that refused those would break its own CLI.
        """
        super().__init__(clock)
        self.tokens = dict(tokens)
        self.store = SecretStore(self.clock, provisioning_delay, conflict_window, default_region)
        self.agents = AgentStore(self.clock, self.store, deploy_delay)
        for prefix in ("/v1", "/v1/organizations/{org}"):
            self._routes_under(prefix)
        self._agent_routes()
        # The official client asks for the caller's organisations when none is configured.
        self.route("GET", "/v1/organizations", "organizations", self._authed(self._organizations))

    def _routes_under(self, prefix: str) -> None:
        sets, one_set = f"{prefix}/secrets", f"{prefix}/secrets/{{set_name}}"
        self.route("GET", sets, "list_sets", self._authed(self._list_sets))
        self.route("GET", one_set, "get_set", self._authed(self._get_set))
        self.route("PUT", one_set, "put_set", self._authed(self._put_set))
        self.route("DELETE", one_set, "delete_set", self._authed(self._delete_set))
        self.route("DELETE", f"{one_set}/{{key}}", "delete_key", self._authed(self._delete_key))
        self.route("GET", f"{prefix}/regions", "regions", self._authed(self._regions))
        self.route("GET", f"{prefix}/properties", "properties", self._authed(self._properties))

    def _agent_routes(self) -> None:
        # The docs spell `/agents`; the official client calls the same operations `/services`
        # under its organisation and reads one agent from a `body` wrapper.
        self.route("GET", "/v1/agents", "list_agents", self._authed(self._list_agents))
        self.route("POST", "/v1/agents", "create_agent", self._authed(self._create_agent))
        one = "/v1/agents/{agent_name}"
        self.route("GET", one, "get_agent", self._authed(self._get_agent))
        self.route("POST", one, "update_agent", self._authed(self._update_agent))
        self.route("DELETE", one, "delete_agent", self._authed(self._delete_agent))
        services = "/v1/organizations/{org}/services"
        self.route("GET", services, "list_agents", self._authed(self._list_agents))
        self.route("POST", services, "create_agent", self._authed(self._create_agent))
        self.route(
            "GET", f"{services}/{{agent_name}}", "get_agent", self._authed(self._get_agent_wrapped)
        )
        self.route("PUT", services, "update_agent", self._authed(self._update_named_agent))

    # -- scripting, for tests and drills ----------------------------------------------------------

    def fail_next_provisioning(self, n: int = 1, message: str = DEFAULT_FAILURE_MESSAGE) -> None:
        """The next `n` accepted PUTs end their provisioning `failed` with `message`."""
        with self.state_lock:
            self.store.fail_next_provisioning(n, message)

    def fail_next_deploys(
        self,
        n: int = 1,
        *,
        agent: str | None = None,
        reason: str = "ImagePullBackOff",
        message: str = DEFAULT_DEPLOY_FAILURE,
    ) -> None:
        """The next `n` deployments (of `agent` only, when named) end `Failed` at the delay,
        their code `waiting` for `reason`; the deployment before keeps serving."""
        with self.state_lock:
            self.agents.fail_next_deploys(n, DeployFailure(reason, message), agent)

    def set_default_region(self, org: str, region: str) -> None:
        if region not in REGIONS:
            raise ValueError(f"unknown region {region!r}")
        with self.state_lock:
            self.store.set_default_region(org, region)

    # -- toolkit hooks ----------------------------------------------------------------------------

    def error(self, status: int, message: str, code: str | None = None) -> Response:
        if code is None:
            # Raised by the toolkit (faults, unknown routes): speak as the API would.
            code = CODES.get(status, HTTPStatus(status).name)
            message = MESSAGES.get(status, message)
        return Response(status, {"error": message, "code": code})

    def reset_state(self) -> None:
        self.store.clear()
        self.agents.clear()

    def _control(self, request: Request) -> Response:
        path = request.path.rstrip("/")
        if request.method == "POST" and path == "/_emulator/pipecat/provisioning-failures":
            try:
                spec = request.json() or {}
                self.fail_next_provisioning(
                    int(spec.get("times", 1)), str(spec.get("message", DEFAULT_FAILURE_MESSAGE))
                )
            except (AttributeError, TypeError, ValueError) as exc:
                return Response(400, {"error": str(exc)})
            return Response(201, {"status": "added"})
        if request.method == "POST" and path == "/_emulator/pipecat/deploy-failures":
            try:
                spec = request.json() or {}
                agent = spec.get("agent")
                self.fail_next_deploys(
                    int(spec.get("times", 1)),
                    agent=None if agent is None else str(agent),
                    reason=str(spec.get("reason", "ImagePullBackOff")),
                    message=str(spec.get("message", DEFAULT_DEPLOY_FAILURE)),
                )
            except (AttributeError, TypeError, ValueError) as exc:
                return Response(400, {"error": str(exc)})
            return Response(201, {"status": "added"})
        return super()._control(request)

    # -- authentication ---------------------------------------------------------------------------

    def _authed(self, handler: Handler) -> Callable[[Request], Response]:
        def authenticated(request: Request) -> Response:
            org = self.tokens.get(_bearer_token(request))
            if org is None:
                return self.error(401, "Unauthorized", "UNAUTHORIZED")
            if request.params.get("org", org) != org:
                return self.error(403, "Forbidden", "FORBIDDEN")
            try:
                return handler(request, org)
            except Rejected as exc:
                return self.error(exc.status, exc.message, exc.code)

        return authenticated

    # -- handlers ---------------------------------------------------------------------------------

    def _organizations(self, request: Request, org: str) -> Response:
        return Response(200, {"organizations": [{"name": org, "verboseName": org}]})

    def _list_sets(self, request: Request, org: str) -> Response:
        now, region = self.clock.now(), request.arg("region")
        sets = [s for s in self.store.sets(org) if region in (None, s.region)]
        return Response(200, {"sets": [s.summary(now) for s in sets]})

    def _get_set(self, request: Request, org: str) -> Response:
        secret_set = self.store.get(org, request.params["set_name"])
        if secret_set is None:
            return self.error(404, "Set not found", "NOT_FOUND")
        if secret_set.type == SetType.IMAGE_PULL:
            return self.error(400, "Cannot retrieve image pull secrets by name", BAD_REQUEST)
        return Response(200, secret_set.detail(self.clock.now()))

    def _put_set(self, request: Request, org: str) -> Response:
        name = request.params["set_name"]
        try:
            if not valid_set_name(name):
                raise InvalidRequest
            change = parse_upsert(request.json())
        except InvalidRequest as exc:
            return self.error(400, exc.message, BAD_REQUEST)
        except ValueError:  # not JSON at all
            return self.error(400, INVALID_FORMAT, BAD_REQUEST)
        if change.region is not None and change.region not in REGIONS:
            message = "Invalid region or organization does not have access"
            return self.error(400, message, BAD_REQUEST)
        secret_set = self.store.upsert(org, name, change)
        return Response(202, {"status": "OK", "region": secret_set.region})

    def _delete_set(self, request: Request, org: str) -> Response:
        self.store.delete(org, request.params["set_name"])
        return Response(200, {"status": "OK"})

    def _delete_key(self, request: Request, org: str) -> Response:
        self.store.delete_key(org, request.params["set_name"], request.params["key"])
        return Response(200, {"status": "OK"})

    def _list_agents(self, request: Request, org: str) -> Response:
        region = request.arg("region")
        include = request.arg("includeActiveDeployment") == "true"
        agents = [a for a in self.agents.agents(org) if region in (None, a.region)]
        return Response(200, {"services": [self.agents.list_item(org, a, include) for a in agents]})

    def _get_agent(self, request: Request, org: str) -> Response:
        agent = self.agents.get(org, request.params["agent_name"])
        if agent is None:
            return self.error(404, "Not found", "NOT_FOUND")
        return Response(200, self.agents.detail(agent))

    def _get_agent_wrapped(self, request: Request, org: str) -> Response:
        answer = self._get_agent(request, org)
        return answer if answer.status != 200 else Response(200, {"body": answer.body})

    def _update_agent(self, request: Request, org: str) -> Response:
        try:
            agent = self.agents.update(org, request.params["agent_name"], request.json())
        except ValueError:  # not JSON, or not the documented shape (InvalidDeploy)
            return self.error(400, "Invalid parameters", BAD_REQUEST)
        return Response(200, self.agents.detail(agent))

    def _create_agent(self, request: Request, org: str) -> Response:
        try:
            agent = self.agents.create(org, request.json())
        except ValueError:  # not JSON, or not the documented shape (InvalidDeploy)
            return self.error(400, "Invalid parameters", BAD_REQUEST)
        return Response(200, self.agents.detail(agent))

    def _delete_agent(self, request: Request, org: str) -> Response:
        self.agents.delete(org, request.params["agent_name"])
        return Response(200, {"status": "OK"})

    def _update_named_agent(self, request: Request, org: str) -> Response:
        # The official client's update: the whole deploy body, the agent named inside it.
        try:
            body = request.json()
            name = body["serviceName"]
        except (ValueError, TypeError, KeyError):
            return self.error(400, "Invalid parameters", BAD_REQUEST)
        request.params["agent_name"] = str(name)
        return self._update_agent(request, org)

    def _regions(self, request: Request, org: str) -> Response:
        regions = [{"code": code, "display_name": name} for code, name in REGIONS.items()]
        return Response(200, {"regions": regions})

    def _properties(self, request: Request, org: str) -> Response:
        return Response(200, {"properties": {"defaultRegion": self.store.default_region_of(org)}})


def _bearer_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None
