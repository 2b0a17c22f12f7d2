"""Reads of Pipecat Cloud, shared through Django's cache.

The sets list is the one read every page and every polling badge needs. It is fetched at most
once per account per `PIPECAT_POLL_SECONDS`, whoever is watching: the first request to find the
cache empty takes a short lock and fetches, the others wait for its result. With Redis as the
cache this holds across workers and hosts.
"""

import time

from django.conf import settings
from django.core.cache import cache

from secretsadmin.providers.pipecat import NotFound, SecretSet, SetDetail, pipecat_clients

REGIONS_SECONDS = 600
LOCK_SECONDS = 10  # longer than one list call may take, so a crashed fetcher frees the lock
WAIT_STEP = 0.05


def _key(account: str, what: str) -> str:
    return f"pipecat:{account}:{what}"


def account_names() -> tuple[str, ...]:
    return pipecat_clients().names


def list_sets(account: str) -> list[SecretSet]:
    key = _key(account, "sets")
    sets = cache.get(key)
    if sets is not None:
        return sets
    lock = f"{key}:lock"
    deadline = time.monotonic() + LOCK_SECONDS
    while not cache.add(lock, 1, LOCK_SECONDS):
        time.sleep(WAIT_STEP)
        sets = cache.get(key)
        if sets is not None:
            return sets
        if time.monotonic() > deadline:
            break  # the fetcher is stuck or gone: fetch ourselves rather than fail
    try:
        sets = pipecat_clients().get(account).list_sets()
        cache.set(key, sets, settings.PIPECAT_POLL_SECONDS)
        return sets
    finally:
        cache.delete(lock)


def forget_sets(account: str) -> None:
    """After a change: the next read fetches, so every page shows the change at once."""
    cache.delete(_key(account, "sets"))


def find_set(account: str, name: str) -> SecretSet:
    """The set from the shared list; a set missing from it is looked for once more upstream,
    since another tool may have created it within the last interval."""
    for fresh in (False, True):
        if fresh:
            forget_sets(account)
        for secret_set in list_sets(account):
            if secret_set.name == name:
                return secret_set
    raise NotFound(
        f"Set {name} not found",
        account=account,
        operation="list_sets",
        status=404,
        code="NOT_FOUND",
    )


def set_exists(account: str, name: str, *, fresh: bool = False) -> bool:
    """Whether the set exists. `fresh` confirms a miss upstream: before a create, since a PUT on a
    name created elsewhere in the last interval would merge into that set instead."""
    if not fresh:
        return any(s.name == name for s in list_sets(account))
    try:
        find_set(account, name)
    except NotFound:
        return False
    return True


def set_detail(account: str, secret_set: SecretSet) -> SetDetail | None:
    """Key names of a regular set; None for an image pull set, whose keys the API never lists."""
    if secret_set.is_image_pull_secret:
        return None
    return pipecat_clients().get(account).get_set(secret_set.name)


def regions(account: str) -> list:
    return _cached(_key(account, "regions"), lambda: pipecat_clients().get(account).regions())


def default_region(account: str) -> str:
    client = pipecat_clients().get(account)
    return _cached(_key(account, "default-region"), client.default_region)


def _cached(key: str, fetch):
    value = cache.get(key)
    if value is None:
        value = fetch()
        cache.set(key, value, REGIONS_SECONDS)
    return value


def filter_sets(sets: list[SecretSet], *, q: str, type: str, region: str, status: str) -> list:
    q = q.strip().lower()
    return [
        s
        for s in sets
        if (not q or q in s.name)
        and (not type or s.type == type)
        and (not region or s.region == region)
        and (not status or s.status == status)
    ]
