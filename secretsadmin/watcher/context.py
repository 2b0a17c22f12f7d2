"""What a job is handed each round it runs."""

from collections.abc import Callable
from dataclasses import dataclass

from .budget import Budget


@dataclass(frozen=True)
class Context:
    # Ask it before each upstream call: `budget.take(provider, account)`, or `budget.wait(…,
    # until=ends)`. A call it refuses is left for a later round.
    budget: Budget
    # When the round should be over (time.monotonic()): the next round is due then.
    ends: float
    # False once this process no longer leads: a long job stops at the next item it would start.
    leading: Callable[[], bool]
