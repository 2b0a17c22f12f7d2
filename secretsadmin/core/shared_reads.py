"""Reads of a provider shared through Django's cache, whoever asks for them.

A value is fetched at most once per interval: the first request to find it missing takes a short
lock and fetches, the others wait for its result. With Redis as the cache this holds across
workers and hosts. What a page shows is therefore at most one interval old; a change made through
the dashboard forgets what it touches, so it shows at once.
"""

import contextlib
import time
from collections.abc import Callable
from typing import cast

from django.core.cache import cache

LOCK_SECONDS = 10  # longer than one call may take, so a crashed fetcher frees the lock
WAIT_STEP = 0.05
GENERATION_SECONDS = 3600  # outlives any read in flight when a change forgets its key


def shared[T](key: str, fetch: Callable[[], T], *, seconds: float, fresh: bool = False) -> T:
    """The value under `key`, fetched at most once per `seconds` by whoever finds it missing
    first. `fresh` reads upstream now, not waiting for a read already in flight, which may have
    begun before a change the caller must not miss; what it reads is shared from then on."""
    if fresh:
        forget(key)
        return _fetch_and_keep(key, fetch, seconds)
    found, value = _kept(key)
    if found:
        return cast(T, value)
    lock = f"{key}:lock"
    deadline = time.monotonic() + LOCK_SECONDS
    while not cache.add(lock, 1, LOCK_SECONDS):
        time.sleep(WAIT_STEP)
        found, value = _kept(key)
        if found:
            return cast(T, value)
        if time.monotonic() > deadline:
            break  # the fetcher is stuck or gone: fetch ourselves rather than fail
    try:
        return _fetch_and_keep(key, fetch, seconds)
    finally:
        cache.delete(lock)


def forget(*keys: str) -> None:
    """After a change: the next reads of these keys fetch, even those already in flight."""
    cache.delete_many(keys)
    for key in keys:
        generation = _generation(key)
        cache.add(generation, 0, GENERATION_SECONDS)
        with contextlib.suppress(ValueError):  # expired in between: no read is that old
            cache.incr(generation)


def _fetch_and_keep[T](key: str, fetch: Callable[[], T], seconds: float) -> T:
    generation = cache.get(_generation(key), 0)
    value = fetch()
    cache.set(key, (generation, value), seconds)
    return value


def _kept(key: str) -> tuple[bool, object]:
    """Whether a value is shared, and which, unless something was forgotten since its read began:
    a read in flight when a change lands must not serve the old state for a whole interval. The
    value carries the generation it was read in, so no worker can put it back between a check
    and a write."""
    found = cache.get_many([key, _generation(key)])
    kept = found.get(key)
    if kept is None or kept[0] != found.get(_generation(key), 0):
        return False, None
    return True, kept[1]


def _generation(key: str) -> str:
    return f"{key}:generation"
