"""Password guessing, slowed down: after too many failed sign-ins to one account, or from one
address, within a window, sign-in is refused (the right password too) until the window ends.

Counted in Django's cache, so across workers and hosts when the cache is Redis (with the
per-process cache of a single-host install, each worker counts on its own: the limit is then per
worker). The account is counted by a keyed fingerprint of the name typed (`typed_names`).
"""

import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from . import typed_names


@dataclass(frozen=True)
class Lockout:
    """Why sign-in is refused now, and for how long."""

    scope: str  # "account" or "address"
    seconds_left: int

    @property
    def message(self) -> str:
        minutes = max(1, math.ceil(self.seconds_left / 60))
        whose = "this account" if self.scope == "account" else "your address"
        return (
            f"Too many failed sign-ins to {whose}. Try again in {minutes} minute"
            f"{'' if minutes == 1 else 's'}, or ask an administrator."
        )


def _keys(username: str, address: str) -> dict[str, tuple[str, int]]:
    name = typed_names.fingerprint(username)
    return {
        "account": (f"login-failures:account:{name}", settings.LOGIN_FAILURES_PER_ACCOUNT),
        "address": (f"login-failures:address:{address}", settings.LOGIN_FAILURES_PER_ADDRESS),
    }


def locked(username: str, address: str) -> Lockout | None:
    """The lockout in force for this name or address, if any."""
    keys = _keys(username, address)
    found = cache.get_many([k for key, _ in keys.values() for k in (key, _ends(key))])
    for scope, (key, limit) in keys.items():
        if found.get(key, 0) >= limit:
            ends = found.get(_ends(key), time.time())
            return Lockout(scope, int(ends - time.time()))
    return None


def failed(username: str, address: str) -> Lockout | None:
    """Counts a failed sign-in; the lockout it starts, if this failure reached a limit."""
    window = settings.LOGIN_LOCKOUT_SECONDS
    started: Lockout | None = None
    for scope, (key, limit) in _keys(username, address).items():
        if _increment(key, window) == limit:
            started = started or Lockout(scope, window)
    return started


def succeeded(username: str, address: str) -> None:
    """A sign-in that worked clears its account's count (not its address's: one right
    password does not excuse a hundred guesses at other accounts)."""
    key = _keys(username, address)["account"][0]
    cache.delete_many([key, _ends(key)])


def _increment(key: str, window: int) -> int:
    """The new count in a fixed window that started with the first failure. The cache counts
    atomically, so failures sent at once each count."""
    for _ in range(3):
        if cache.add(key, 0, window):
            cache.set(_ends(key), time.time() + window, window)
        try:
            return cache.incr(key)
        except ValueError:  # the window ended in between: start the next one
            continue
    return 0


def _ends(key: str) -> str:
    return f"{key}:ends"
