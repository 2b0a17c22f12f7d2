"""Which listeners and pools of a region use a secret, from the region's shared reads.

Finding a secret's users costs the region's listeners and pools, one read of each per interval
however many secrets' pages ask. The load balancers' names come from a list kept ten minutes
(`selectors.NAMES_SECONDS`), read only once something uses the secret, and again (at most once
per interval) when it lacks a load balancer a user names; if it fails, the load balancers are
named by their ids: the users are what matters.
"""

from dataclasses import dataclass
from typing import Literal

from secretsadmin.providers.errors import ProviderError
from secretsadmin.providers.gcore import Listener, LoadBalancer, Pool

from . import selectors

Role = Literal["default certificate", "SNI certificate", "client certificate", "CA", "CRL"]


@dataclass(frozen=True)
class SecretUse:
    """One way a listener or a pool uses the secret."""

    kind: Literal["listener", "pool"]
    id: str
    name: str
    role: Role
    load_balancer: str  # its name, or its id when the names could not be read
    protocol: str
    port: int | None  # the listener's; a pool's is its listener's, when it has one

    def describe(self) -> str:
        """A sentence naming the user, as a refusal to delete quotes it."""
        where = f"{self.protocol} {self.port}" if self.port else self.protocol
        return f"{self.kind} {self.name} of {self.load_balancer} ({where}) as {self.role}"


def users_of(
    account: str, region_id: int, secret_id: str, *, fresh: bool = False
) -> tuple[SecretUse, ...]:
    """Listeners (by default certificate, then SNI) and pools (by client certificate, CA, CRL)
    using the secret, in the API's order. Raises the provider's error when the listeners or the
    pools cannot be read: nobody can then say the secret is unused. `fresh` reads both upstream
    at once (what a delete decides on must not be an interval old)."""
    listeners = selectors.region_listeners(account, region_id, fresh=fresh)
    pools = selectors.region_pools(account, region_id, fresh=fresh)
    found = [*_listener_roles(listeners, secret_id), *_pool_roles(pools, secret_id)]
    if not found:
        return ()
    names = _load_balancer_names(account, region_id, _balancers_of(found))
    ports = {listener.id: listener for listener in listeners}
    uses = []
    for user, role in found:
        port: int | None
        if isinstance(user, Listener):
            balancer, protocol, port = user.load_balancer_id, user.protocol, user.protocol_port
            kind: Literal["listener", "pool"] = "listener"
        else:
            front = next((ports[i] for i in user.listener_ids if i in ports), None)
            balancer = next(iter(user.load_balancer_ids), None)
            protocol, port = user.protocol, front.protocol_port if front else None
            kind = "pool"
        label = names.get(balancer or "", balancer or "no load balancer")
        uses.append(SecretUse(kind, user.id, user.name, role, label, protocol, port))
    return tuple(uses)


def _listener_roles(
    listeners: tuple[Listener, ...], secret_id: str
) -> list[tuple[Listener | Pool, Role]]:
    found: list[tuple[Listener | Pool, Role]] = []
    for listener in listeners:
        if listener.secret_id == secret_id:
            found.append((listener, "default certificate"))
        if secret_id in listener.sni_secret_ids:
            found.append((listener, "SNI certificate"))
    return found


def _pool_roles(pools: tuple[Pool, ...], secret_id: str) -> list[tuple[Listener | Pool, Role]]:
    found: list[tuple[Listener | Pool, Role]] = []
    for pool in pools:
        roles: tuple[tuple[str | None, Role], ...] = (
            (pool.secret_id, "client certificate"),
            (pool.ca_secret_id, "CA"),
            (pool.crl_secret_id, "CRL"),
        )
        found += [(pool, role) for used, role in roles if used == secret_id]
    return found


def _balancers_of(found: list[tuple[Listener | Pool, Role]]) -> set[str]:
    """The load balancers the users name (a pool's first, as its row shows)."""
    ids: set[str] = set()
    for user, _ in found:
        if isinstance(user, Listener):
            ids.update([user.load_balancer_id] if user.load_balancer_id else [])
        else:
            ids.update(user.load_balancer_ids[:1])
    return ids


def _load_balancer_names(account: str, region_id: int, wanted: set[str]) -> dict[str, str]:
    try:
        names = _names(selectors.region_load_balancers(account, region_id))
        if not wanted <= names.keys():
            names = _names(selectors.load_balancers_again(account, region_id))
    except ProviderError:
        return {}
    return names


def _names(balancers: tuple[LoadBalancer, ...]) -> dict[str, str]:
    return {balancer.id: balancer.name for balancer in balancers}
