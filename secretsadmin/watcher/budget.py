"""How many upstream calls the watcher may still make to one account.

At most `per_minute` calls to one (provider, account) in any 60 seconds, and, when rounds come
more often than once a minute, at most a round's share of them in any one interval: a round
cannot spend the minute's calls at once and leave the next rounds none. Kept in the process:
only the leading watcher calls, so no other process spends from it."""

import math
import threading
import time
from collections import deque
from collections.abc import Callable

MINUTE = 60.0


class Budget:
    def __init__(
        self,
        per_minute: int,
        interval: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_minute < 1 or interval <= 0:
            raise ValueError("a budget needs at least one call a minute and a positive interval")
        self.per_minute = per_minute
        # The spread: calls allowed in any `window` seconds (the interval, up to a minute).
        self.window = min(interval, MINUTE)
        self.per_window = math.ceil(per_minute * self.window / MINUTE)
        self._clock, self._sleep = clock, sleep
        self._calls: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def take(self, provider: str, account: str, calls: int = 1) -> bool:
        """Spends `calls` of the account's budget now if it has them (all or none). An operation
        of more calls than a round's share goes alone: only when the interval has seen none."""
        with self._lock:
            if self._wait_for(provider, account, calls) > 0:
                return False
            self._calls[(provider, account)].extend([self._clock()] * calls)
            return True

    def wait(self, provider: str, account: str, calls: int = 1, *, until: float) -> bool:
        """Like `take`, but waits for the budget until `until` (on the budget's clock, e.g. the
        round's `Context.ends`); False when it would come later than that."""
        while True:
            with self._lock:
                wait = self._wait_for(provider, account, calls)
            if wait == 0 and self.take(provider, account, calls):
                return True
            if self._clock() + wait > until:
                return False
            self._sleep(wait)

    def left(self, provider: str, account: str) -> int:
        """Calls that could be made to the account now."""
        with self._lock:
            made = self._recent(provider, account)
            in_window = self._in_window(made)
            return max(0, min(self.per_minute - len(made), self.per_window - in_window))

    def _wait_for(self, provider: str, account: str, calls: int) -> float:
        """Seconds until `calls` calls fit; 0 when they fit now."""
        if calls > self.per_minute:
            raise ValueError(f"{calls} calls can never fit a budget of {self.per_minute} a minute")
        made = self._recent(provider, account)
        now = self._clock()
        waits = [0.0]
        if len(made) + calls > self.per_minute:
            # Until enough of the oldest calls are a minute old.
            waits.append(made[len(made) + calls - self.per_minute - 1] + MINUTE - now)
        in_window = self._in_window(made)
        allowed = self.per_window if calls <= self.per_window else calls
        if in_window + calls > allowed:
            # Until enough of the window's calls have left it.
            leaving = in_window + calls - allowed
            waits.append(made[len(made) - in_window + leaving - 1] + self.window - now)
        return max(waits)

    def _recent(self, provider: str, account: str) -> deque[float]:
        """The account's calls of the last minute, oldest first (older ones forgotten)."""
        made = self._calls.setdefault((provider, account), deque())
        horizon = self._clock() - MINUTE
        while made and made[0] <= horizon:
            made.popleft()
        return made

    def _in_window(self, made: deque[float]) -> int:
        horizon = self._clock() - self.window
        return sum(1 for at in made if at > horizon)
