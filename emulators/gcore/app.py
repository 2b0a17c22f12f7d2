"""The Gcore Cloud secrets API: secrets, their tasks, regions and projects, and the load
balancers' listeners and pools that use the secrets (a listener's or a pool's update is a task
too); every change is written to the user-action log (`useractions`).

Writes answer `{"tasks": [id]}` at once and take effect when the task finishes, after
`task_queue_seconds` as NEW and `task_run_seconds` as RUNNING on the app's clock. `created`,
`expiration` and the task timestamps are wall-clock times: the wall clock read when the app starts,
moved on by the app clock since.
"""

import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta

from ..clock import Clock
from ..wsgi import EmulatorApp, HTTPError, Request, Response
from .auth import KeyRing, Principal
from .balancers import (
    LISTENER_FIELDS,
    POOL_FIELDS,
    POOL_SECRETS,
    UPDATE_LISTENER,
    UPDATE_POOL,
    UPDATES,
    Listener,
    LoadBalancer,
    Pool,
    listener_secret_problems,
    pool_secret_problems,
)
from .catalog import DEFAULT_PROJECTS, DEFAULT_REGIONS, Project, Region
from .errors import error_response, invalid, not_found
from .seed import seed_demo
from .store import CREATE, DELETE, Secret, SecretStore, Task
from .useractions import ACTIONS, UserAction, select
from .validation import (
    SecretDraft,
    ValidationFailed,
    parse_page,
    validate_generic,
    validate_listener_update,
    validate_pool_update,
    validate_tls,
)

DEFAULT_TASK_ERROR = "Failed to store the secret: secret store backend error"
FORBIDDEN = "You do not have permission to perform this action."
_INTEGER = re.compile(r"-?[0-9]+")
# The SDK documents this page size of `GET /cloud/v1/regions` when no limit is given; it documents
# none for secrets or projects, which the emulator then lists whole.
REGIONS_PAGE = 100

Handler = Callable[[Request, Principal], Response]


class GcoreEmulator(EmulatorApp):
    def __init__(
        self,
        api_keys: Mapping[str, Iterable[int]],
        *,
        projects: Iterable[Project] = DEFAULT_PROJECTS,
        regions: Iterable[Region] = DEFAULT_REGIONS,
        clock: Clock | None = None,
        wall_clock: Callable[[], datetime] | None = None,
        task_queue_seconds: float = 1.0,
        task_run_seconds: float = 2.0,
        client_id: int = 424242,
    ) -> None:
        """`api_keys` maps each accepted token to the ids of the projects it may use."""
        super().__init__(clock)
        self.projects = {p.id: p for p in projects}
        self.regions = {r.id: r for r in regions}
        api_keys = {token: tuple(ids) for token, ids in api_keys.items()}
        unknown = {i for ids in api_keys.values() for i in ids} - self.projects.keys()
        if unknown:
            raise ValueError(f"API keys name unknown projects: {sorted(unknown)}")
        self.keys = KeyRing(api_keys)
        self.client_id = client_id
        self.store = SecretStore()
        self.user_actions: list[UserAction] = []  # in the order they were asked for
        self._default_timing = (task_queue_seconds, task_run_seconds)
        self.task_queue_seconds, self.task_run_seconds = self._default_timing
        self._wall_anchor = (wall_clock or _utc_now)(), self.clock.now()

        self._endpoint(
            "GET", "/cloud/v1/secrets/{project_id}/{region_id}", "list_secrets", self._list_secrets
        )
        self._endpoint(
            "POST",
            "/cloud/v1/secrets/{project_id}/{region_id}",
            "create_secret",
            self._create_secret,
        )
        self._endpoint(
            "POST",
            "/cloud/v2/secrets/{project_id}/{region_id}",
            "create_tls_secret",
            self._create_tls_secret,
        )
        self._endpoint(
            "GET",
            "/cloud/v1/secrets/{project_id}/{region_id}/{secret_id}",
            "get_secret",
            self._get_secret,
        )
        self._endpoint(
            "DELETE",
            "/cloud/v1/secrets/{project_id}/{region_id}/{secret_id}",
            "delete_secret",
            self._delete_secret,
        )
        self._endpoint("GET", "/cloud/v1/tasks/{task_id}", "get_task", self._get_task)
        self._endpoint(
            "GET",
            "/cloud/v1/loadbalancers/{project_id}/{region_id}",
            "list_load_balancers",
            self._list_load_balancers,
        )
        self._endpoint(
            "GET",
            "/cloud/v1/loadbalancers/{project_id}/{region_id}/{load_balancer_id}",
            "get_load_balancer",
            self._get_load_balancer,
        )
        self._endpoint(
            "GET",
            "/cloud/v1/lblisteners/{project_id}/{region_id}",
            "list_listeners",
            self._list_listeners,
        )
        self._endpoint(
            "GET",
            "/cloud/v1/lblisteners/{project_id}/{region_id}/{listener_id}",
            "get_listener",
            self._get_listener,
        )
        self._endpoint(
            "PATCH",
            "/cloud/v2/lblisteners/{project_id}/{region_id}/{listener_id}",
            "update_listener",
            self._update_listener,
        )
        self._endpoint(
            "GET", "/cloud/v1/lbpools/{project_id}/{region_id}", "list_pools", self._list_pools
        )
        self._endpoint(
            "GET",
            "/cloud/v1/lbpools/{project_id}/{region_id}/{pool_id}",
            "get_pool",
            self._get_pool,
        )
        self._endpoint(
            "PATCH",
            "/cloud/v2/lbpools/{project_id}/{region_id}/{pool_id}",
            "update_pool",
            self._update_pool,
        )
        self._endpoint("GET", "/cloud/v1/regions", "list_regions", self._list_regions)
        self._endpoint("GET", "/cloud/v1/projects", "list_projects", self._list_projects)
        self._endpoint(
            "GET", "/cloud/v1/user_actions", "list_user_actions", self._list_user_actions
        )

    # -- public API for tests, seeds and drills ----------------------------------------------

    def wall_now(self) -> datetime:
        wall, started = self._wall_anchor
        return wall + timedelta(seconds=self.clock.now() - started)

    def fail_next_task(
        self, n: int = 1, message: str = DEFAULT_TASK_ERROR, *, task_type: str | None = None
    ) -> None:
        """The next `n` tasks of `task_type` (`update_lblistener`, `update_lbpool`...; of any
        type, without one) end in ERROR with `message` and change nothing."""
        with self.state_lock:
            self.store.fail_next_tasks(n, message, task_type)

    def set_task_timing(self, queue_seconds: float, run_seconds: float) -> None:
        """Time new tasks spend as NEW, then as RUNNING; (0, 0) finishes them at once."""
        if queue_seconds < 0 or run_seconds < 0:
            raise ValueError("task timings cannot be negative")
        with self.state_lock:
            self.task_queue_seconds, self.task_run_seconds = queue_seconds, run_seconds

    def add_secret(
        self,
        project_id: int,
        region_id: int,
        name: str,
        secret_type: str,
        payload: bytes,
        *,
        created: datetime | None = None,
        expiration: datetime | None = None,
        algorithm: str | None = None,
        bit_length: int | None = None,
        mode: str | None = None,
        content_type: str = "application/octet-stream",
        secret_id: str | None = None,
    ) -> Secret:
        """Store a secret at once, with no task: existing state for a test or a seed."""
        secret = Secret(
            id=secret_id or str(uuid.uuid4()),
            project_id=project_id,
            region_id=region_id,
            name=name,
            secret_type=secret_type,
            created=created or self.wall_now(),
            content_type=content_type,
            payload=payload,
            expiration=expiration,
            algorithm=algorithm,
            bit_length=bit_length,
            mode=mode,
        )
        with self.state_lock:
            self.store.add_secret(secret)
        return secret

    def secrets(self, project_id: int, region_id: int) -> list[Secret]:
        """The secrets a client would see now in one project and region."""
        with self.state_lock:
            self.store.settle(self.clock.now())
            return self.store.secrets_in(project_id, region_id)

    def secret_named(self, project_id: int, region_id: int, name: str) -> list[Secret]:
        """The secrets called `name` a client would see now, oldest first: names may repeat."""
        return [s for s in self.secrets(project_id, region_id) if s.name == name]

    def add_load_balancer(
        self, project_id: int, region_id: int, name: str, *, balancer_id: str | None = None
    ) -> LoadBalancer:
        """A load balancer, at once and with no listener yet: state for a test or a seed."""
        number = len(self.store.balancers.load_balancers) + 10
        balancer = LoadBalancer(
            id=balancer_id or str(uuid.uuid4()),
            project_id=project_id,
            region_id=region_id,
            region_name=self.regions[region_id].display_name,
            name=name,
            created=self.wall_now(),
            vip_address=f"203.0.113.{number % 250}",
            vip_port_id=str(uuid.uuid4()),
        )
        with self.state_lock:
            self.store.balancers.add_load_balancer(balancer)
        return balancer

    def add_listener(
        self,
        balancer: LoadBalancer,
        name: str,
        protocol: str,
        port: int,
        *,
        secret_id: str | None = None,
        sni_secret_ids: Iterable[str] = (),
    ) -> Listener:
        """A listener of `balancer`, terminating TLS with `secret_id` and `sni_secret_ids`."""
        listener = Listener(
            id=str(uuid.uuid4()),
            project_id=balancer.project_id,
            region_id=balancer.region_id,
            load_balancer_id=balancer.id,
            name=name,
            protocol=protocol,
            protocol_port=port,
            secret_id=secret_id,
            sni_secret_id=list(sni_secret_ids),
        )
        with self.state_lock:
            self.store.balancers.add_listener(listener)
        return listener

    def add_pool(
        self,
        listener: Listener,
        name: str,
        protocol: str,
        *,
        secret_id: str | None = None,
        ca_secret_id: str | None = None,
        crl_secret_id: str | None = None,
    ) -> Pool:
        """A pool behind `listener`, speaking TLS to its members with these secrets."""
        pool = Pool(
            id=str(uuid.uuid4()),
            project_id=listener.project_id,
            region_id=listener.region_id,
            name=name,
            protocol=protocol,
            listener_ids=[listener.id],
            load_balancer_ids=[listener.load_balancer_id],
            secret_id=secret_id,
            ca_secret_id=ca_secret_id,
            crl_secret_id=crl_secret_id,
        )
        with self.state_lock:
            self.store.balancers.add_pool(pool)
        return pool

    def listener(self, listener_id: str) -> Listener:
        """A listener as a client would see it now."""
        with self.state_lock:
            self.store.settle(self.clock.now())
            return self.store.balancers.listeners[listener_id]

    def pool(self, pool_id: str) -> Pool:
        """A pool as a client would see it now."""
        with self.state_lock:
            self.store.settle(self.clock.now())
            return self.store.balancers.pools[pool_id]

    def reset_state(self) -> None:
        self.store.clear()
        self.user_actions.clear()
        self.task_queue_seconds, self.task_run_seconds = self._default_timing

    # -- plumbing ------------------------------------------------------------------------------

    def error(self, status: int, message: str, code: str | None = None) -> Response:
        return error_response(status, message, code)

    def _endpoint(self, method: str, pattern: str, operation: str, handler: Handler) -> None:
        def guarded(request: Request) -> Response:
            principal = self.keys.authenticate(request)
            self.store.settle(self.clock.now())
            try:
                return handler(request, principal)
            except ValidationFailed as exc:
                return invalid(exc.invalid_fields).response

        self.route(method, pattern, operation, guarded)

    def _scope(self, request: Request, principal: Principal) -> tuple[int, int]:
        project_id = _path_int(request, "project_id")
        region_id = _path_int(request, "region_id")
        if project_id not in self.projects:
            raise not_found("Project", project_id)
        if project_id not in principal.projects:
            raise HTTPError(error_response(403, FORBIDDEN))
        if region_id not in self.regions:
            raise not_found("Region", region_id)
        return project_id, region_id

    def _queue(
        self,
        request: Request,
        principal: Principal,
        task_type: str,
        scope: tuple[int, int],
        resource: tuple[str, str],
        data: dict,
        secret: Secret | None = None,
    ) -> Task:
        """Every change passes here: its task is queued and the user-action log names who asked
        for it. `resource` is the (id, name) of what it changes."""
        project_id, region_id = scope
        resource_id, resource_name = resource
        task = Task(
            id=str(uuid.uuid4()),
            task_type=task_type,
            project_id=project_id,
            region_id=region_id,
            user_id=principal.user_id,
            client_id=self.client_id,
            resource_id=resource_id,
            started_at=self.clock.now(),
            created_on=self.wall_now(),
            queue_seconds=self.task_queue_seconds,
            run_seconds=self.task_run_seconds,
            data=data,
            secret=secret,
        )
        self.store.submit(task)
        action_type, api_group, resource_type = ACTIONS[task_type]
        self.user_actions.append(
            UserAction(
                id=str(uuid.uuid4()),
                action_type=action_type,
                api_group=api_group,
                resource_type=resource_type,
                resource_id=resource_id,
                search_field=resource_name,
                timestamp=task.created_on,
                user_id=principal.user_id,
                email=principal.email,
                token_id=principal.token_id,
                client_id=self.client_id,
                project_id=project_id,
                region_id=region_id,
                task_id=task.id,
                source_user_ip=request.remote_addr or None,
                user_agent=request.headers.get("user-agent"),
            )
        )
        # A zero delay finishes within this request, as the SDK's first poll then expects.
        self.store.settle(self.clock.now())
        return task

    # -- handlers ------------------------------------------------------------------------------

    def _list_secrets(self, request: Request, principal: Principal) -> Response:
        project_id, region_id = self._scope(request, principal)
        secrets = self.store.secrets_in(project_id, region_id)
        return Response(200, _page(secrets, request, Secret.to_api))

    def _get_secret(self, request: Request, principal: Principal) -> Response:
        project_id, region_id = self._scope(request, principal)
        secret_id = request.params["secret_id"]
        secret = self.store.secret(project_id, region_id, secret_id)
        if secret is None:
            raise not_found("Secret", secret_id)
        return Response(200, secret.to_api())

    def _create_secret(self, request: Request, principal: Principal) -> Response:
        project_id, region_id = self._scope(request, principal)
        draft = validate_generic(_json_body(request), self.wall_now())
        return self._create(request, principal, draft, (project_id, region_id))

    def _create_tls_secret(self, request: Request, principal: Principal) -> Response:
        project_id, region_id = self._scope(request, principal)
        draft = validate_tls(_json_body(request), self.wall_now())
        return self._create(request, principal, draft, (project_id, region_id))

    def _create(
        self, request: Request, principal: Principal, draft: SecretDraft, scope: tuple[int, int]
    ) -> Response:
        project_id, region_id = scope
        secret = Secret(
            id=str(uuid.uuid4()),
            project_id=project_id,
            region_id=region_id,
            name=draft.name,
            secret_type=draft.secret_type,
            created=self.wall_now(),
            content_type=draft.content_type,
            payload=draft.payload,
            expiration=draft.expiration,
            algorithm=draft.algorithm,
            bit_length=draft.bit_length,
            mode=draft.mode,
        )
        data = {"name": secret.name, "secret_type": secret.secret_type}
        task = self._queue(
            request, principal, CREATE, scope, (secret.id, secret.name), data, secret
        )
        return Response(200, {"tasks": [task.id]})

    def _delete_secret(self, request: Request, principal: Principal) -> Response:
        project_id, region_id = self._scope(request, principal)
        secret_id = request.params["secret_id"]
        secret = self.store.secret(project_id, region_id, secret_id)
        if secret is None:
            raise not_found("Secret", secret_id)
        data = {"secret_id": secret_id}
        scope = (project_id, region_id)
        task = self._queue(request, principal, DELETE, scope, (secret_id, secret.name), data)
        return Response(200, {"tasks": [task.id]})

    def _get_task(self, request: Request, principal: Principal) -> Response:
        task_id = request.params["task_id"]
        task = self.store.task(task_id)
        # Another client's task does not exist, as far as this key can tell.
        if task is None or task.project_id not in principal.projects:
            raise not_found("Task", task_id)
        return Response(200, task.to_api(self.clock.now()))

    def _list_load_balancers(self, request: Request, principal: Principal) -> Response:
        project_id, region_id = self._scope(request, principal)
        found = self.store.balancers.load_balancers_in(project_id, region_id)
        return Response(200, _page(found, request, LoadBalancer.to_api))

    def _get_load_balancer(self, request: Request, principal: Principal) -> Response:
        project_id, region_id = self._scope(request, principal)
        balancer_id = request.params["load_balancer_id"]
        found = self.store.balancers.load_balancer(project_id, region_id, balancer_id)
        if found is None:
            raise not_found("LoadBalancer", balancer_id)
        return Response(200, found.to_api())

    def _list_listeners(self, request: Request, principal: Principal) -> Response:
        project_id, region_id = self._scope(request, principal)
        found = self.store.balancers.listeners_in(project_id, region_id)
        balancer_id = request.arg("load_balancer_id")
        if balancer_id:
            found = [listener for listener in found if listener.load_balancer_id == balancer_id]
        return Response(200, _page(found, request, Listener.to_api))

    def _get_listener(self, request: Request, principal: Principal) -> Response:
        project_id, region_id = self._scope(request, principal)
        return Response(200, self._listener(request, project_id, region_id).to_api())

    def _update_listener(self, request: Request, principal: Principal) -> Response:
        project_id, region_id = self._scope(request, principal)
        listener = self._listener(request, project_id, region_id)
        changes = validate_listener_update(_json_body(request), LISTENER_FIELDS)
        named = [changes.get("secret_id"), *(changes.get("sni_secret_id") or [])]
        types = self._secret_types(project_id, region_id, named)
        _refuse_any(listener_secret_problems(listener, changes, types))
        return self._hold(request, principal, listener, UPDATE_LISTENER, changes)

    def _update_pool(self, request: Request, principal: Principal) -> Response:
        project_id, region_id = self._scope(request, principal)
        pool = self._pool(request, project_id, region_id)
        body = validate_pool_update(_json_body(request), POOL_FIELDS)
        types = self._secret_types(project_id, region_id, [body.get(n) for n in POOL_SECRETS])
        _refuse_any(pool_secret_problems(pool, body, types))
        changes = pool.changes(body)
        if not changes:
            # The SDK: "If no changes are detected at all ..., no task will be created and an
            # empty task list will be returned" (a held pool included: nothing would wait on it).
            return Response(200, {"tasks": []})
        return self._hold(request, principal, pool, UPDATE_POOL, changes)

    def _secret_types(
        self, project_id: int, region_id: int, secret_ids: Iterable[str | None]
    ) -> dict[str, str]:
        """Each named secret's type; a secret not in the region is not found (404)."""
        types = {}
        for secret_id in filter(None, secret_ids):
            secret = self.store.secret(project_id, region_id, secret_id)
            if secret is None:
                raise not_found("Secret", secret_id)
            types[secret_id] = secret.secret_type
        return types

    def _hold(
        self,
        request: Request,
        principal: Principal,
        held: Listener | Pool,
        task_type: str,
        changes: dict,
    ) -> Response:
        """Queue the update of `held`, which locks it and its load balancer until the task ends:
        a second update of it, or of another listener or pool of that load balancer, is 409."""
        if held.task_id is not None:
            kind = "Listener" if task_type == UPDATE_LISTENER else "Pool"
            raise HTTPError(
                error_response(409, f"{kind} {held.id} is locked by task {held.task_id}")
            )
        for balancer in self.store.balancers.balancers_of(held):
            if balancer.task_id is not None:
                # Octavia's own words for a load balancer PENDING_UPDATE.
                raise HTTPError(
                    error_response(
                        409, f"Load Balancer {balancer.id} is immutable and cannot be updated."
                    )
                )
        scope = (held.project_id, held.region_id)
        task = self._queue(request, principal, task_type, scope, (held.id, held.name), changes)
        if not task.settled:
            self.store.balancers.lock(held, task.id)
        return Response(200, {"tasks": [task.id]})

    def _list_pools(self, request: Request, principal: Principal) -> Response:
        project_id, region_id = self._scope(request, principal)
        found = self.store.balancers.pools_in(project_id, region_id)
        return Response(200, _page(found, request, Pool.to_api))

    def _get_pool(self, request: Request, principal: Principal) -> Response:
        project_id, region_id = self._scope(request, principal)
        return Response(200, self._pool(request, project_id, region_id).to_api())

    def _pool(self, request: Request, project_id: int, region_id: int) -> Pool:
        pool_id = request.params["pool_id"]
        pool = self.store.balancers.pool(project_id, region_id, pool_id)
        if pool is None:
            raise not_found("Pool", pool_id)
        return pool

    def _listener(self, request: Request, project_id: int, region_id: int) -> Listener:
        listener_id = request.params["listener_id"]
        listener = self.store.balancers.listener(project_id, region_id, listener_id)
        if listener is None:
            raise not_found("Listener", listener_id)
        return listener

    def _list_regions(self, request: Request, principal: Principal) -> Response:
        regions = sorted(self.regions.values(), key=lambda r: r.id)
        return Response(200, _page(regions, request, Region.to_api, default_limit=REGIONS_PAGE))

    def _list_projects(self, request: Request, principal: Principal) -> Response:
        projects = [self.projects[i] for i in sorted(principal.projects)]
        return Response(200, _page(projects, request, lambda p: p.to_api(self.client_id)))

    def _list_user_actions(self, request: Request, principal: Principal) -> Response:
        found = select(self.user_actions, request.query, principal.projects)
        return Response(200, _page(found, request, UserAction.to_api))

    # -- control API -----------------------------------------------------------------------------

    def _control(self, request: Request) -> Response:
        action = request.path.removeprefix("/_emulator/").strip("/")
        if not action.startswith("gcore/") or request.method != "POST":
            return super()._control(request)
        try:
            body = request.json() or {}
            if action == "gcore/task-failures":
                # {"count"?, "message"?, "task_type"?}: "update_lblistener" makes only the next
                # listener update fail, so a test can fail one switch among other tasks.
                task_type = body.get("task_type")
                if task_type is not None and task_type not in (CREATE, DELETE, *UPDATES):
                    raise ValueError(f"no task type {task_type!r}")
                self.fail_next_task(
                    int(body.get("count", 1)),
                    str(body.get("message", DEFAULT_TASK_ERROR)),
                    task_type=task_type,
                )
                return Response(201, {"status": "added"})
            if action == "gcore/task-timing":
                self.set_task_timing(float(body["queue_seconds"]), float(body["run_seconds"]))
                return Response(200, {"status": "set"})
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            return Response(400, {"error": f"bad control request: {exc!r}"})
        if action == "gcore/seed-demo":
            with self.state_lock:
                seed_demo(self)
            return Response(200, {"status": "seeded"})
        return super()._control(request)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _refuse_any(problems: dict[str, list[str]]) -> None:
    if problems:
        raise ValidationFailed(problems)


def _path_int(request: Request, name: str) -> int:
    value = request.params[name]
    # `int()` alone would also take "76\n" or " 76" for region 76.
    if not _INTEGER.fullmatch(value):
        raise ValidationFailed({name: ["Input should be a valid integer"]})
    return int(value)


def _json_body(request: Request) -> object:
    try:
        return request.json()
    except ValueError:
        raise ValidationFailed({"body": ["Invalid JSON"]}) from None


def _page[T](
    items: list[T],
    request: Request,
    to_api: Callable[[T], dict],
    *,
    default_limit: int | None = None,
) -> dict:
    """Only the page asked for is serialised, as an API would: each page of a listing of
    thousands costs its own items, not all of them (and holds the state lock that long)."""
    limit, offset = parse_page(request.arg("limit"), request.arg("offset"))
    limit = default_limit if limit is None else limit
    end = None if limit is None else offset + limit
    return {"count": len(items), "results": [to_api(item) for item in items[offset:end]]}
