"""An account that keeps not answering is not called for a while (a circuit breaker).

Every page that calls a provider which hangs would otherwise hold a server thread for its whole
deadline; after `failures` calls in a row got no answer, calls fail at once for `seconds`, saying
so, and then one is let through to see whether the provider is back. Kept in Django's cache, so
every worker (and, with Redis, every host) stops calling at once.
"""

import time
from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True)
class PausePolicy:
    failures: int = 3  # calls in a row without an answer
    seconds: float = 30.0


class Pause:
    def __init__(self, name: str, policy: PausePolicy) -> None:
        """`name` says whose calls these are: "pipecat:prod"."""
        self.policy = policy
        self._failures = f"pause:{name}:failures"
        self._until = f"pause:{name}:until"

    def seconds_left(self) -> float:
        """How long calls are still paused; 0 when they may be made."""
        until = cache.get(self._until)
        return 0.0 if until is None else max(0.0, until - time.time())

    def failed(self) -> bool:
        """A call got no answer; whether this one paused the calls."""
        window = max(60, int(self.policy.seconds) * 2)
        cache.add(self._failures, 0, window)
        try:
            count = cache.incr(self._failures)
        except ValueError:  # expired in between: this failure starts a new count
            cache.add(self._failures, 1, window)
            count = 1
        if count < self.policy.failures:
            return False
        seconds = self.policy.seconds
        cache.set(self._until, time.time() + seconds, max(1, int(seconds) + 1))
        return True

    def answered(self) -> None:
        cache.delete_many([self._failures, self._until])
