"""When a failed call to a provider may be repeated, and how long to wait first.

Only what cannot do harm is repeated: a write refused with 409 where the provider asks for a retry
and the write is idempotent (`conflict_methods`: Pipecat Cloud's PUT and DELETE), any call refused
with 429 (it was not processed), and a GET that met a gateway error or a network failure. A write
that timed out or met a 5xx is never repeated: it may have been applied, and the person must
decide (a create repeated blindly can make two secrets).
"""

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

GATEWAY_ERRORS = frozenset({502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    conflict_methods: frozenset[str] = frozenset()  # writes a 409 may be repeated on
    conflict_attempts: int = 4
    transient_attempts: int = 3  # 502/503/504 and network failures on GET
    rate_limit_attempts: int = 3  # 429, any method
    base_delay: float = 0.2
    max_delay: float = 2.0
    # A longer Retry-After is not waited for: the person would be left staring at a spinner.
    max_retry_after: float = 5.0

    def backoff(self, retry: int, rng: random.Random) -> float:
        """Full jitter: anywhere from 0 to the capped exponential delay of the `retry`-th retry."""
        return rng.uniform(0, self.ceiling(retry))

    def ceiling(self, retry: int) -> float:
        return min(self.max_delay, self.base_delay * 2.0 ** (retry - 1))

    def delay_after_answer(
        self, method: str, response: httpx.Response, attempt: int, rng: random.Random
    ) -> float | None:
        """Seconds to wait before repeating the call `response` answered, or None to give up."""
        status = response.status_code
        if status == 409 and method in self.conflict_methods:
            return self.backoff(attempt, rng) if attempt < self.conflict_attempts else None
        if status == 429:
            if attempt >= self.rate_limit_attempts:
                return None
            wait = retry_after(response)
            if wait is None:
                return self.backoff(attempt, rng)
            return wait if wait <= self.max_retry_after else None
        if status in GATEWAY_ERRORS and method == "GET":
            if attempt >= self.transient_attempts:
                return None
            wait = retry_after(response)
            if wait is not None and wait <= self.max_retry_after:
                return wait
            return self.backoff(attempt, rng)
        return None

    def delay_after_failure(self, method: str, attempt: int, rng: random.Random) -> float | None:
        """Seconds to wait before repeating a call that got no answer, or None to give up."""
        if method == "GET" and attempt < self.transient_attempts:
            return self.backoff(attempt, rng)
        return None


def retry_after(response: httpx.Response) -> float | None:
    """The `Retry-After` header in seconds (it may be a number or an HTTP date), if usable."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
