"""The watcher's call budget: at most WATCH_CALLS_PER_MINUTE to one account in any minute, and
a round's share of them in any one interval, so that one round cannot spend the next ones'."""

import pytest

from secretsadmin.watcher.budget import Budget


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept = getattr(self, "slept", 0.0) + seconds
        self.now += seconds


def budget(per_minute: int, interval: float) -> tuple[Budget, Clock]:
    clock = Clock()
    return Budget(per_minute, interval, clock=clock, sleep=clock.sleep), clock


def spend(budget: Budget, provider: str = "gcore", account: str = "prod") -> int:
    taken = 0
    while budget.take(provider, account):
        taken += 1
    return taken


def test_a_round_gets_its_share_of_the_minute_and_the_next_round_the_next_share():
    calls, clock = budget(per_minute=60, interval=10)
    assert spend(calls) == 10  # a sixth of the minute's calls, in a round every 10 s
    clock.now += 9.9
    assert spend(calls) == 0
    clock.now += 0.1
    assert spend(calls) == 10


def test_no_minute_ever_sees_more_than_the_budget():
    calls, clock = budget(per_minute=30, interval=7)
    made = []
    for _ in range(2000):  # a job asking every 0.1 s for 200 s
        if calls.take("pipecat", "prod"):
            made.append(clock.now)
        clock.now += 0.1
    assert len(made) >= 30 * 3  # the budget is spent, not starved
    for start in made:
        assert sum(1 for at in made if start <= at < start + 60) <= 30


def test_with_rounds_a_minute_or_more_apart_the_minutes_budget_is_the_limit():
    calls, clock = budget(per_minute=5, interval=300)
    assert spend(calls) == 5
    clock.now += 59.9
    assert spend(calls) == 0
    clock.now += 0.1
    assert spend(calls) == 5


def test_each_account_of_each_provider_has_its_own_budget():
    calls, _ = budget(per_minute=6, interval=60)
    assert spend(calls, "gcore", "prod") == 6
    assert spend(calls, "gcore", "staging") == 6
    assert spend(calls, "pipecat", "prod") == 6
    assert calls.left("gcore", "prod") == 0
    assert calls.left("gcore", "other") == 6


def test_an_operation_of_several_calls_takes_all_or_none():
    calls, clock = budget(per_minute=60, interval=10)
    assert calls.take("gcore", "prod", 8)
    assert not calls.take("gcore", "prod", 3)  # 2 are left: none are spent
    assert calls.take("gcore", "prod", 2)
    clock.now += 10
    # More than a round's share goes alone, once the interval has seen no other call.
    assert calls.take("gcore", "prod", 12)
    assert not calls.take("gcore", "prod")
    with pytest.raises(ValueError, match="never fit"):
        calls.take("gcore", "prod", 61)


def test_waiting_takes_the_budget_when_it_comes_back_within_the_round():
    calls, clock = budget(per_minute=60, interval=10)
    assert spend(calls) == 10
    round_ends = clock.now + 10
    assert calls.wait("gcore", "prod", until=round_ends)
    assert clock.slept == pytest.approx(10)
    assert calls.left("gcore", "prod") == 9  # the round's share, less the call just taken


def test_waiting_gives_up_at_once_when_the_budget_comes_back_after_the_round():
    calls, clock = budget(per_minute=60, interval=10)
    spend(calls)
    assert not calls.wait("gcore", "prod", until=clock.now + 5)
    assert getattr(clock, "slept", 0.0) == 0.0
