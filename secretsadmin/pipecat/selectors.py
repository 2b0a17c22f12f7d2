"""Reads of Pipecat Cloud, shared through Django's cache.

The sets list, which every page and every polling badge needs, and each set's keys are fetched
at most once per account (and set) per `PIPECAT_POLL_SECONDS` (the regions every ten minutes),
whoever is watching: the first request to find the cache empty takes a short lock and fetches,
the others wait for its result. With Redis as the cache this holds across workers and hosts.
What a page shows is therefore at most one interval old; the dashboard's own changes forget what
they touch, so they show at once.
"""

import contextlib
import time

from django.conf import settings
from django.core.cache import cache

from secretsadmin.providers.pipecat import (
    BadRequest,
    BadRequestReason,
    NotFound,
    SecretSet,
    SetDetail,
    pipecat_clients,
)

REGIONS_SECONDS = 600
LOCK_SECONDS = 10  # longer than one call may take, so a crashed fetcher frees the lock
WAIT_STEP = 0.05
GENERATION_SECONDS = 3600  # outlives any read in flight when a change forgets its key


def _key(account: str, what: str) -> str:
    return f"pipecat:{account}:{what}"


def _set_key(account: str, name: str) -> str:
    return _key(account, f"set:{name}")


def account_names() -> tuple[str, ...]:
    return pipecat_clients().names


def list_sets(account: str, *, fresh: bool = False) -> list[SecretSet]:
    key = _key(account, "sets")
    return _shared(key, lambda: _by_name(pipecat_clients().get(account)), fresh=fresh)


def _by_name(client) -> list[SecretSet]:
    # Sorted once per fetch: the API lists sets in no promised order.
    return sorted(client.list_sets(), key=lambda secret_set: secret_set.name)


def _shared(key: str, fetch, *, fresh: bool = False, seconds: int | None = None):
    """The value under `key`, fetched at most once per `seconds` (PIPECAT_POLL_SECONDS) by
    whoever finds it missing first. `fresh` reads upstream now, not waiting for a read already in
    flight, which may have begun before a change the caller must not miss; what it reads is
    shared from then on."""
    seconds = seconds or settings.PIPECAT_POLL_SECONDS
    if fresh:
        _forget(key)
        return _fetch_and_keep(key, fetch, seconds)
    value = _kept(key)
    if value is not None:
        return value
    lock = f"{key}:lock"
    deadline = time.monotonic() + LOCK_SECONDS
    while not cache.add(lock, 1, LOCK_SECONDS):
        time.sleep(WAIT_STEP)
        value = _kept(key)
        if value is not None:
            return value
        if time.monotonic() > deadline:
            break  # the fetcher is stuck or gone: fetch ourselves rather than fail
    try:
        return _fetch_and_keep(key, fetch, seconds)
    finally:
        cache.delete(lock)


def _fetch_and_keep(key: str, fetch, seconds: int):
    generation = cache.get(_generation(key), 0)
    value = fetch()
    cache.set(key, (generation, value), seconds)
    return value


def _kept(key: str):
    """The shared value, unless something was forgotten since its read began: a read in flight
    when a change lands must not serve the old state for a whole interval. The value carries the
    generation it was read in, so no worker can put it back between a check and a write."""
    found = cache.get_many([key, _generation(key)])
    kept = found.get(key)
    if kept is None or kept[0] != found.get(_generation(key), 0):
        return None
    return kept[1]


def _generation(key: str) -> str:
    return f"{key}:generation"


def forget(account: str, name: str) -> None:
    """After a change to a set: the next reads fetch, so every page shows the change at once."""
    _forget(_key(account, "sets"), _set_key(account, name))


def _forget(*keys: str) -> None:
    cache.delete_many(keys)
    for key in keys:
        generation = _generation(key)
        cache.add(generation, 0, GENERATION_SECONDS)
        with contextlib.suppress(ValueError):  # expired in between: no read is that old
            cache.incr(generation)


def find_set(account: str, name: str) -> SecretSet:
    """The set from the shared list; a set missing from it is looked for once more upstream,
    since another tool may have created it within the last interval."""
    for fresh in (False, True):
        for secret_set in list_sets(account, fresh=fresh):
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


def read_set(account: str, name: str, *, fresh: bool = False) -> tuple[SecretSet, SetDetail | None]:
    """A set and its key names, for its page: one `GET /secrets/{name}`, shared for the interval.
    An image pull set, which the API cannot read by name, comes from the list, without keys.
    `fresh` reads upstream: before telling which keys a change would overwrite."""
    return _shared(_set_key(account, name), lambda: _fetch_set(account, name), fresh=fresh)


def _fetch_set(account: str, name: str) -> tuple[SecretSet, SetDetail | None]:
    try:
        detail = pipecat_clients().get(account).get_set(name)
    except BadRequest as error:
        if error.reason != BadRequestReason.IMAGE_PULL_NOT_READABLE:
            raise
        return find_set(account, name), None
    return detail.summary, detail


def regions(account: str) -> list:
    fetch = pipecat_clients().get(account).regions
    return _shared(_key(account, "regions"), fetch, seconds=REGIONS_SECONDS)


def default_region(account: str) -> str:
    fetch = pipecat_clients().get(account).default_region
    return _shared(_key(account, "default-region"), fetch, seconds=REGIONS_SECONDS)


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
