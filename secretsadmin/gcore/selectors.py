"""Reads of Gcore Cloud, shared through the cache (`core.shared_reads`).

Each region's secrets, listeners, pools and load balancers and each task are fetched at most once
per account (region, task) per `GCORE_POLL_SECONDS`, whoever is watching; the regions every ten
minutes; so is a secret or a task that is not there, and a failure of the provider. An account's
table reads its regions at once, so a project in several regions takes as long as its slowest,
and a region that fails is named beside the others' secrets instead of hiding them.
"""

from dataclasses import dataclass

from secretsadmin.audit.history import Entry, changes_by_id
from secretsadmin.core import shared_reads
from secretsadmin.providers.deadlines import at_once
from secretsadmin.providers.errors import ProviderError
from secretsadmin.providers.gcore import (
    GcoreClient,
    GcoreError,
    Listener,
    LoadBalancer,
    NotFound,
    Pool,
    Region,
    Secret,
    Task,
    Unavailable,
    gcore_clients,
)

from . import actions

REGIONS_SECONDS = 600
# Load balancers' names change rarely; their list is kept longer than the interval, so finding a
# secret's users costs the listeners and the pools per interval, not a third read.
NAMES_SECONDS = 600
_reads = shared_reads.AccountReads("gcore", "GCORE_POLL_SECONDS", Unavailable)
_key, _shared = _reads.key, _reads.read


def _secrets_of(region_id: int) -> str:
    return f"secrets:{region_id}"


def _secret(region_id: int, secret_id: str) -> str:
    return f"secret:{region_id}:{secret_id}"


def account_names() -> tuple[str, ...]:
    return gcore_clients().names


def client(account: str) -> GcoreClient:
    return gcore_clients().get(account)


def regions(account: str) -> tuple[Region, ...]:
    """The account's regions: those configured, or every region the API lists as active (one
    being deleted or in maintenance would be a failed read on every page); each named as the API
    names it (a configured id the API does not list keeps its number as its name)."""

    def fetch() -> tuple[Region, ...]:
        gcore = client(account)
        listed = {region.id: region for region in gcore.regions()}
        usable = (region_id for region_id, region in listed.items() if region.usable)
        wanted = gcore.account.region_ids or tuple(sorted(usable))
        return tuple(listed.get(i, Region(i, f"Region {i}")) for i in wanted)

    return _shared(account, "regions", fetch, seconds=REGIONS_SECONDS)


def region_secrets(account: str, region_id: int, *, fresh: bool = False) -> tuple[Secret, ...]:
    def fetch() -> tuple[Secret, ...]:
        return tuple(client(account).list_secrets(region_id))

    return _shared(account, _secrets_of(region_id), fetch, fresh=fresh)


def region_listeners(account: str, region_id: int, *, fresh: bool = False) -> tuple[Listener, ...]:
    """The region's listeners, shared as its secrets are: one read per interval, whoever asks."""
    return _shared(
        account,
        f"listeners:{region_id}",
        lambda: tuple(client(account).list_listeners(region_id)),
        fresh=fresh,
    )


def region_pools(account: str, region_id: int, *, fresh: bool = False) -> tuple[Pool, ...]:
    return _shared(
        account,
        f"pools:{region_id}",
        lambda: tuple(client(account).list_pools(region_id)),
        fresh=fresh,
    )


def region_load_balancers(
    account: str, region_id: int, *, fresh: bool = False
) -> tuple[LoadBalancer, ...]:
    """The region's load balancers, for their names: shared for `NAMES_SECONDS` (a renamed one
    shows its old name that long), read afresh by `fresh`."""
    return _shared(
        account,
        f"loadbalancers:{region_id}",
        lambda: tuple(client(account).list_load_balancers(region_id)),
        fresh=fresh,
        seconds=NAMES_SECONDS,
    )


def load_balancers_again(account: str, region_id: int) -> tuple[LoadBalancer, ...]:
    """The load balancers read afresh, at most once per interval: for a name the list kept for
    `NAMES_SECONDS` lacks (a load balancer made since), however many pages ask for it."""
    return _shared(
        account,
        f"loadbalancers-again:{region_id}",
        lambda: region_load_balancers(account, region_id, fresh=True),
    )


@dataclass(frozen=True)
class RegionFailure:
    region: Region
    error: ProviderError


@dataclass(frozen=True)
class AccountSecrets:
    """Every secret of the account's regions, and the regions that could not be read."""

    regions: tuple[Region, ...]
    secrets: tuple[Secret, ...]
    failures: tuple[RegionFailure, ...]


def account_secrets(account: str) -> AccountSecrets:
    """Raises the provider's error only when no region could be read (or the regions not be
    listed): then there is nothing to show but what happened."""
    found = regions(account)

    def read(region: Region) -> tuple[Secret, ...] | ProviderError:
        try:
            return region_secrets(account, region.id)
        except ProviderError as error:
            return error

    answers = at_once(read, found, workers=4)
    failures = tuple(
        RegionFailure(region, answer)
        for region, answer in zip(found, answers, strict=True)
        if isinstance(answer, ProviderError)
    )
    if found and len(failures) == len(found):
        raise failures[0].error
    secrets = tuple(
        s for answer in answers if not isinstance(answer, ProviderError) for s in answer
    )
    return AccountSecrets(found, secrets, failures)


class ListNotFound(GcoreError):
    """The region's list itself answered 404 (its project or region unknown to the API), which
    says nothing of any one secret in it."""


def find_secret(account: str, region_id: int, secret_id: str, *, fresh: bool = False) -> Secret:
    """The secret from its region's shared list; one missing from it is read upstream once more,
    since another tool may have created it within the last interval, and what that read finds
    (the secret, or `NotFound`) is shared for the interval too: a page of a secret that does not
    exist costs one call per interval, not one per request. `fresh` reads upstream at once."""
    if not fresh:
        try:
            listed = region_secrets(account, region_id)
        except NotFound as error:
            raise error.as_a(ListNotFound) from error
        for secret in listed:
            if secret.id == secret_id:
                return secret
    return _shared(
        account,
        _secret(region_id, secret_id),
        lambda: client(account).get_secret(region_id, secret_id),
        fresh=fresh,
    )


def history(account: str, secret_id: str) -> list[Entry]:
    """The secret's changes made through the dashboard, newest first, its create among them once
    the create's task named it; other tools' changes are not in the audit log."""
    return changes_by_id(actions.PROVIDER, account, secret_id)


def named(account: str, region_id: int, name: str, *, fresh: bool = False) -> tuple[Secret, ...]:
    """The secrets of that name in the region: Gcore Cloud allows several."""
    return tuple(s for s in region_secrets(account, region_id, fresh=fresh) if s.name == name)


def forget(account: str, region_id: int, *secret_ids: str) -> None:
    """After a change in a region (to these secrets): the next reads fetch, so every page shows
    it at once."""
    shared_reads.forget(
        _key(account, _secrets_of(region_id)),
        *(_key(account, _secret(region_id, secret_id)) for secret_id in secret_ids),
    )


def forget_users(account: str, region_id: int) -> None:
    """After a listener or a pool of the region changed: the next reads of who uses a secret
    fetch, so its page shows the change at once."""
    shared_reads.forget(
        _key(account, f"listeners:{region_id}"), _key(account, f"pools:{region_id}")
    )


def task(account: str, task_id: str, *, fresh: bool = False) -> Task:
    """A task as Gcore Cloud has it, shared: fifty people watching it cost one read per interval."""
    return _shared(
        account, f"task:{task_id}", lambda: client(account).get_task(task_id), fresh=fresh
    )


def region_names(account: str) -> dict[int, str]:
    """Each of the account's regions by id, named as the API names it; the ids alone when the
    regions cannot be read (a courtesy of a page that shows them, not its reason to fail)."""
    try:
        return {region.id: region.display_name for region in regions(account)}
    except ProviderError:
        return {
            region_id: f"Region {region_id}" for region_id in client(account).account.region_ids
        }
