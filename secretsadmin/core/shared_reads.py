"""Reads of a provider shared through Django's cache, whoever asks for them.

A value is fetched at most once per interval: the first request to find it missing takes a short
lock and fetches, the others wait for its result, though no longer than `PATIENCE` after the fetch
began: a provider that leaves one read unanswered that long is said not to answer, at once, to
every page asking meanwhile, and is not asked again by each. With Redis as the cache this holds
across workers and hosts. What a page shows is therefore at most one interval old; a change made
through the dashboard forgets what it touches, so it shows at once.

Each process also keeps the last value it read or fetched under each key, with the stamp the
cache holds beside it: while the cache's stamp is that one, the value is taken from memory
instead of being read and unpickled again (2,000 sets took 3 to 5 ms a request, more with Redis
than the page's own work). The stamp is a small key, gone when the value is forgotten, replaced
or expires, so the process's copy is never older than the cache's.

What the provider answers instead of a value is shared too, for `failures` seconds: that the
thing asked for does not exist, an error, no answer at all. A page or badge of a set that does
not exist would otherwise cost a call per request, and a provider failing would be asked again
by every request while it fails. Each reader gets its own copy of the error, raised as the
provider's. A call the dashboard did not make (calls to the account paused, the page out of
time) is this reader's alone.
"""

import contextlib
import copy
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from django.conf import settings
from django.core.cache import cache

from secretsadmin.providers import deadlines
from secretsadmin.providers.errors import ProviderError, Unavailable

LOCK_SECONDS = 10  # a crashed fetcher's lock goes after this long
# How long a reader waits for another's fetch of the same value, counted from when that fetch
# began. A provider that answers none in that time is said to be slow at once: each page waiting
# on it would hold a server thread, and enough of them hold every thread (/healthz included).
PATIENCE = 3.0
WAIT_STEP = 0.05
GENERATION_SECONDS = 3600  # outlives any read in flight when a change forgets its key
MEMORY_KEYS = 1024  # a process forgets its copies beyond this many keys (each set is one key)

_memory: dict[str, tuple[str, object]] = {}  # key -> (stamp, value), in this process
_memory_lock = threading.Lock()


class StillFetching(Exception):
    """Another reader's fetch of the value has been under way longer than `PATIENCE`."""

    def __init__(self, seconds: float) -> None:
        super().__init__(
            f"still waiting for its answer to the same read, asked {seconds:.0f} s ago; "
            "not asked again meanwhile"
        )


@dataclass(frozen=True)
class _Failed:
    """What is kept of a read the provider failed: its error."""

    error: ProviderError


def shared[T](
    key: str,
    fetch: Callable[[], T],
    *,
    seconds: float,
    failures: float = 0,
    fresh: bool = False,
    slow: Callable[[str], Exception] | None = None,
) -> T:
    """The value under `key`, fetched at most once per `seconds` by whoever finds it missing
    first; the others wait for it, unless it has been fetched for longer than `PATIENCE`
    (`StillFetching`, or what `slow` makes of its words: the provider's own error). A provider's
    error raised instead is shared for `failures` seconds (at most `seconds`; none by default).
    `fresh` reads upstream now, not waiting for a read already in flight, which may have begun
    before a change the caller must not miss; what it reads is shared from then on. Callers in
    one process get the same object: it must not be changed (a tuple, say)."""
    if fresh:
        forget(key)
        return _fetch_and_keep(key, fetch, seconds, failures)
    found, value = _kept(key)
    if found:
        return cast(T, _served(value))
    lock = f"{key}:lock"
    deadline = time.monotonic() + _longest_wait()
    while not cache.add(lock, time.time(), LOCK_SECONDS):  # the lock says when its fetch began
        time.sleep(WAIT_STEP)
        found, value = _kept(key)
        if found:
            return cast(T, _served(value))
        began = cache.get(lock)
        if isinstance(began, float) and time.time() - began > PATIENCE:
            still = StillFetching(time.time() - began)
            raise still if slow is None else slow(str(still))
        if time.monotonic() > deadline:
            # The page's time is up (its own fetch says so without calling), or the fetcher is
            # stuck: the lock stays the fetcher's.
            return _fetch_and_keep(key, fetch, seconds, failures)
    try:
        # Another reader may have fetched, kept its value and let the lock go since this one
        # last looked (before the loop, or between two of its looks).
        found, value = _kept(key)
        if found:
            return cast(T, _served(value))
        return _fetch_and_keep(key, fetch, seconds, failures)
    finally:
        cache.delete(lock)


@dataclass(frozen=True)
class AccountReads:
    """A provider's shared reads of its accounts: under `<provider>:<account>:<what>`, each kept
    for one poll interval (the setting `interval_setting` names) unless told otherwise, a failure
    for one interval always; a read another page has waited on too long already is not waited on
    again, the provider said not to answer (its own `unavailable` error)."""

    provider: str
    interval_setting: str
    unavailable: type[Unavailable]

    def key(self, account: str, what: str) -> str:
        return f"{self.provider}:{account}:{what}"

    def read[T](
        self,
        account: str,
        what: str,
        fetch: Callable[[], T],
        *,
        fresh: bool = False,
        seconds: float = 0,
    ) -> T:
        interval = getattr(settings, self.interval_setting)
        return shared(
            self.key(account, what),
            fetch,
            seconds=seconds or interval,
            failures=interval,
            fresh=fresh,
            # Not asked by this reader: not a provider's answer to share, whatever fetch it is in.
            slow=lambda said: self.unavailable(said, account=account, operation=what, asked=False),
        )


def _served(value: object) -> object:
    if isinstance(value, _Failed):
        # A copy: one error object raised by several threads would gather all their tracebacks.
        raise copy.copy(value.error)
    return value


def _longest_wait() -> float:
    """The lock's life, or what is left of the page's time for providers when that is less."""
    left = deadlines.remaining()
    return LOCK_SECONDS if left is None else max(0.0, min(LOCK_SECONDS, left))


def forget(*keys: str) -> None:
    """After a change: the next reads of these keys fetch, even those already in flight."""
    cache.delete_many([*keys, *map(_stamp, keys)])
    for key in keys:
        generation = _generation(key)
        cache.add(generation, 0, GENERATION_SECONDS)
        with contextlib.suppress(ValueError):  # expired in between: no read is that old
            cache.incr(generation)


def _fetch_and_keep[T](key: str, fetch: Callable[[], T], seconds: float, failures: float) -> T:
    generation = cache.get(_generation(key), 0)
    try:
        value = fetch()
    except ProviderError as error:
        if failures > 0 and not (isinstance(error, Unavailable) and not error.asked):
            # A copy, without the traceback whose frames hold the request's locals (the values
            # a form sent among them) for as long as the process keeps it.
            _keep(key, generation, _Failed(copy.copy(error)), min(seconds, failures))
        raise
    _keep(key, generation, value, seconds)
    return value


def _keep(key: str, generation: int, value: object, seconds: float) -> None:
    stamp = uuid.uuid4().hex
    cache.set_many({key: (generation, stamp, value), _stamp(key): (generation, stamp)}, seconds)
    _remember(key, stamp, value)


def _kept(key: str) -> tuple[bool, object]:
    """Whether a value is shared, and which, unless something was forgotten since its read began:
    a read in flight when a change lands must not serve the old state for a whole interval. The
    value carries the generation it was read in, so no worker can put it back between a check
    and a write."""
    found = cache.get_many([_stamp(key), _generation(key)])
    stamped = found.get(_stamp(key))
    if stamped is None or stamped[0] != found.get(_generation(key), 0):
        return False, None
    stamp = stamped[1]
    remembered = _memory.get(key)
    if remembered is not None and remembered[0] == stamp:
        return True, remembered[1]
    kept = cache.get(key)
    if kept is None or kept[1] != stamp:  # replaced or gone since the stamp was read
        return False, None
    _remember(key, stamp, kept[2])
    return True, kept[2]


def _remember(key: str, stamp: str, value: object) -> None:
    with _memory_lock:
        if key not in _memory and len(_memory) >= MEMORY_KEYS:
            _memory.clear()  # rare: only an organisation with this many sets read gets here
        _memory[key] = (stamp, value)


def _generation(key: str) -> str:
    return f"{key}:generation"


def _stamp(key: str) -> str:
    return f"{key}:stamp"
