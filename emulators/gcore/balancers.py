"""Load balancers, their listeners and pools: what references the secrets, in the SDK's fields.

Only what names a secret (and a name) changes here, through a task: a listener's `secret_id` and
`sni_secret_id`, a pool's `secret_id`, `ca_secret_id` and `crl_secret_id`; the rest is fixed state
a test or a seed adds. An update holds its listener or pool and its load balancer (PENDING_UPDATE)
until it ends, as Octavia does: meanwhile an update of any listener or pool of that load balancer
is refused (409).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from .timefmt import isoformat

UPDATE_LISTENER = "update_lblistener"
# Named after the listener's task type; the SDK documents neither.
UPDATE_POOL = "update_lbpool"
UPDATES = frozenset({UPDATE_LISTENER, UPDATE_POOL})
# What `PATCH /cloud/v2/lblisteners/...` takes (the SDK's `ListenerUpdateParams`).
LISTENER_FIELDS = frozenset(
    {
        "admin_state_up",
        "allowed_cidrs",
        "connection_limit",
        "name",
        "secret_id",
        "sni_secret_id",
        "timeout_client_data",
        "timeout_member_connect",
        "timeout_member_data",
        "user_list",
    }
)
# What `PATCH /cloud/v2/lbpools/...` takes (the SDK's `PoolUpdateParams`).
POOL_FIELDS = frozenset(
    {
        "admin_state_up",
        "ca_secret_id",
        "crl_secret_id",
        "healthmonitor",
        "lb_algorithm",
        "members",
        "name",
        "protocol",
        "secret_id",
        "session_persistence",
        "timeout_client_data",
        "timeout_member_connect",
        "timeout_member_data",
    }
)
POOL_SECRETS = ("secret_id", "ca_secret_id", "crl_secret_id")
# The SDK: a listener's secrets are "for `TERMINATED_HTTPS` or PROMETHEUS listeners".
TLS_LISTENER_PROTOCOLS = frozenset({"TERMINATED_HTTPS", "PROMETHEUS"})


@dataclass
class LoadBalancer:
    id: str
    project_id: int
    region_id: int
    region_name: str
    name: str
    created: datetime
    vip_address: str
    vip_port_id: str
    listener_ids: list[str] = field(default_factory=list)
    task_id: str | None = None  # the update of one of its listeners or pools, while it runs

    def to_api(self) -> dict:
        return {
            "id": self.id,
            "additional_vips": [],
            "admin_state_up": True,
            "created_at": isoformat(self.created),
            "creator_task_id": None,
            "ddos_profile": None,
            "flavor": None,
            "floating_ips": [],
            "listeners": [{"id": i} for i in self.listener_ids],
            "logging": None,
            "name": self.name,
            "operating_status": "ONLINE",
            "preferred_connectivity": "L2",
            "project_id": self.project_id,
            "provisioning_status": "PENDING_UPDATE" if self.task_id else "ACTIVE",
            "region": self.region_name,
            "region_id": self.region_id,
            "stats": None,
            "tags_v2": [],
            "task_id": self.task_id,
            "updated_at": None,
            "vip_address": self.vip_address,
            "vip_fqdn": None,
            "vip_ip_family": "ipv4",
            "vip_port_id": self.vip_port_id,
            "vrrp_ips": [],
        }


@dataclass
class Listener:
    id: str
    project_id: int
    region_id: int
    load_balancer_id: str
    name: str
    protocol: str  # HTTP, HTTPS, PROMETHEUS, TCP, TERMINATED_HTTPS, UDP
    protocol_port: int
    secret_id: str | None = None
    sni_secret_id: list[str] = field(default_factory=list)
    connection_limit: int = 100000
    pool_count: int = 0
    task_id: str | None = None  # the update holding the listener, while it runs

    def to_api(self) -> dict:
        return {
            "id": self.id,
            "admin_state_up": True,
            "allowed_cidrs": None,
            "connection_limit": self.connection_limit,
            "creator_task_id": None,
            "insert_headers": {},
            "load_balancer_id": self.load_balancer_id,
            "name": self.name,
            "operating_status": "ONLINE",
            "pool_count": self.pool_count,
            "protocol": self.protocol,
            "protocol_port": self.protocol_port,
            "provisioning_status": "PENDING_UPDATE" if self.task_id else "ACTIVE",
            "secret_id": self.secret_id,
            "sni_secret_id": list(self.sni_secret_id),
            "stats": None,
            "task_id": self.task_id,
            "timeout_client_data": 50000,
            "timeout_member_connect": 5000,
            "timeout_member_data": 50000,
            "user_list": [],
        }


@dataclass
class Pool:
    id: str
    project_id: int
    region_id: int
    name: str
    protocol: str  # HTTP, HTTPS, PROXY, PROXYV2, TCP, UDP
    listener_ids: list[str]
    load_balancer_ids: list[str]
    secret_id: str | None = None
    ca_secret_id: str | None = None
    crl_secret_id: str | None = None
    task_id: str | None = None  # the update holding the pool, while it runs

    def changes(self, body: dict) -> dict:
        """What `body` would change: the API skips a field already so (`PoolUpdateParams`)."""
        current = self.to_api()
        return {k: v for k, v in body.items() if k not in current or current[k] != v}

    def to_api(self) -> dict:
        return {
            "id": self.id,
            "admin_state_up": True,
            "ca_secret_id": self.ca_secret_id,
            "creator_task_id": None,
            "crl_secret_id": self.crl_secret_id,
            "healthmonitor": None,
            "lb_algorithm": "ROUND_ROBIN",
            "listeners": [{"id": i} for i in self.listener_ids],
            "loadbalancers": [{"id": i} for i in self.load_balancer_ids],
            "members": [],
            "name": self.name,
            "operating_status": "ONLINE",
            "protocol": self.protocol,
            "provisioning_status": "PENDING_UPDATE" if self.task_id else "ACTIVE",
            "secret_id": self.secret_id,
            "session_persistence": None,
            "task_id": self.task_id,
            "timeout_client_data": 50000,
            "timeout_member_connect": 5000,
            "timeout_member_data": 50000,
        }


def listener_secret_problems(
    listener: Listener, changes: dict, secret_types: Mapping[str, str]
) -> dict[str, list[str]]:
    """Why the secrets `changes` names cannot serve `listener`; `secret_types` holds each named
    secret's type. Octavia's rules, as Gcore's listeners are Octavia's: only a TLS listener takes
    certificates, and a TERMINATED_HTTPS one (one with SNI certificates, too) keeps a default."""
    touched = [name for name in ("secret_id", "sni_secret_id") if name in changes]
    if not touched:
        return {}
    problems: dict[str, list[str]] = {}

    def refuse(name: str, message: str) -> None:
        problems.setdefault(name, []).append(message)

    secret_id = changes.get("secret_id", listener.secret_id)
    sni = changes.get("sni_secret_id", listener.sni_secret_id) or []
    named = {"secret_id": [secret_id] if secret_id else [], "sni_secret_id": sni}
    for name in touched:
        for i in named[name]:
            if secret_types[i] != "certificate":
                refuse(name, f"Secret {i} is not a certificate")
    if listener.protocol not in TLS_LISTENER_PROTOCOLS:
        for name in touched:
            if named[name]:
                refuse(name, f"A {listener.protocol} listener takes no certificate")
    elif not secret_id and (listener.protocol == "TERMINATED_HTTPS" or sni):
        refuse("secret_id", f"A {listener.protocol} listener needs a default certificate")
    return problems


def pool_secret_problems(
    pool: Pool, changes: dict, secret_types: Mapping[str, str]
) -> dict[str, list[str]]:
    """As `listener_secret_problems`, for a pool: its own `secret_id` is a client certificate,
    and a revocation list is read only against a CA (Octavia refuses a CRL without one)."""
    problems: dict[str, list[str]] = {}
    client = changes.get("secret_id")
    if client and secret_types[client] != "certificate":
        problems["secret_id"] = [f"Secret {client} is not a certificate"]
    ca = changes.get("ca_secret_id", pool.ca_secret_id)
    crl = changes.get("crl_secret_id", pool.crl_secret_id)
    if crl and not ca:
        problems["crl_secret_id"] = ["A revocation list needs a CA certificate (ca_secret_id)"]
    return problems


class BalancerStore:
    def __init__(self) -> None:
        self.load_balancers: dict[str, LoadBalancer] = {}
        self.listeners: dict[str, Listener] = {}
        self.pools: dict[str, Pool] = {}

    def clear(self) -> None:
        self.load_balancers.clear()
        self.listeners.clear()
        self.pools.clear()

    def add_load_balancer(self, balancer: LoadBalancer) -> None:
        self.load_balancers[balancer.id] = balancer

    def add_listener(self, listener: Listener) -> None:
        self.listeners[listener.id] = listener
        self.load_balancers[listener.load_balancer_id].listener_ids.append(listener.id)

    def add_pool(self, pool: Pool) -> None:
        self.pools[pool.id] = pool
        for listener_id in pool.listener_ids:
            self.listeners[listener_id].pool_count += 1

    def load_balancers_in(self, project_id: int, region_id: int) -> list[LoadBalancer]:
        return _in(self.load_balancers.values(), project_id, region_id)

    def listeners_in(self, project_id: int, region_id: int) -> list[Listener]:
        return _in(self.listeners.values(), project_id, region_id)

    def pools_in(self, project_id: int, region_id: int) -> list[Pool]:
        return _in(self.pools.values(), project_id, region_id)

    def listener(self, project_id: int, region_id: int, listener_id: str) -> Listener | None:
        found = self.listeners.get(listener_id)
        if found and (found.project_id, found.region_id) == (project_id, region_id):
            return found
        return None

    def pool(self, project_id: int, region_id: int, pool_id: str) -> Pool | None:
        found = self.pools.get(pool_id)
        if found and (found.project_id, found.region_id) == (project_id, region_id):
            return found
        return None

    def load_balancer(
        self, project_id: int, region_id: int, balancer_id: str
    ) -> LoadBalancer | None:
        found = self.load_balancers.get(balancer_id)
        if found and (found.project_id, found.region_id) == (project_id, region_id):
            return found
        return None

    def balancers_of(self, held: Listener | Pool) -> list[LoadBalancer]:
        ids = [held.load_balancer_id] if isinstance(held, Listener) else held.load_balancer_ids
        return [self.load_balancers[i] for i in ids if i in self.load_balancers]

    def lock(self, held: Listener | Pool, task_id: str) -> None:
        held.task_id = task_id
        for balancer in self.balancers_of(held):
            balancer.task_id = task_id

    def apply(self, task_type: str, resource_id: str, changes: dict) -> str | None:
        """Applies a finished update task's changes; the error it ends with, if any."""
        self.release(resource_id)
        if task_type == UPDATE_POOL:
            return self.update_pool(resource_id, changes)
        return self.update_listener(resource_id, changes)

    def update_pool(self, pool_id: str, changes: dict) -> str | None:
        pool = self.pools.get(pool_id)
        if pool is None:
            return f"Pool {pool_id} could not be found"
        pool.task_id = None
        if "name" in changes:
            pool.name = changes["name"]
        for name in POOL_SECRETS:
            if name in changes:
                setattr(pool, name, changes[name])
        return None

    def update_listener(self, listener_id: str, changes: dict) -> str | None:
        """Applies a finished update task's changes; the error it ends with, if any."""
        listener = self.listeners.get(listener_id)
        if listener is None:
            return f"Listener {listener_id} could not be found"
        listener.task_id = None
        if "name" in changes:
            listener.name = changes["name"]
        if "secret_id" in changes:
            listener.secret_id = changes["secret_id"]
        if "sni_secret_id" in changes:
            listener.sni_secret_id = list(changes["sni_secret_id"] or [])
        if changes.get("connection_limit") is not None:
            limit = changes["connection_limit"]
            listener.connection_limit = 100000 if limit == -1 else limit
        return None

    def release(self, resource_id: str) -> None:
        """An update ended (a failed one leaves its listener or pool as it was): it and its
        load balancer are unlocked."""
        held = self.listeners.get(resource_id) or self.pools.get(resource_id)
        if held is not None:
            for balancer in self.balancers_of(held):
                if balancer.task_id == held.task_id:
                    balancer.task_id = None
            held.task_id = None


class _Scoped(Protocol):
    project_id: int
    region_id: int


def _in[T: _Scoped](items: Iterable[T], project_id: int, region_id: int) -> list[T]:
    return [i for i in items if (i.project_id, i.region_id) == (project_id, region_id)]
