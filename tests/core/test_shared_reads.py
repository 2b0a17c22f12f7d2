"""Shared reads: one fetch per interval whoever asks, and each process's copy never older than
the cache's."""

import threading
import time

import pytest
from django.core.cache import cache

from secretsadmin.core import shared_reads
from secretsadmin.providers import deadlines
from secretsadmin.providers.errors import ServerError


class Upstream:
    """A provider read that counts its calls and answers a new list each time."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> tuple[str, ...]:
        self.calls += 1
        return (f"answer {self.calls}",)


@pytest.fixture
def upstream():
    shared_reads._memory.clear()
    return Upstream()


def test_a_value_is_fetched_once_per_interval_and_kept_in_the_process(upstream):
    first = shared_reads.shared("k", upstream, seconds=60)
    again = shared_reads.shared("k", upstream, seconds=60)
    assert upstream.calls == 1
    assert again is first  # this process's copy, not unpickled again


def test_a_process_does_not_serve_its_copy_once_another_replaced_the_value(upstream):
    shared_reads.shared("k", upstream, seconds=60)
    mine = dict(shared_reads._memory)
    shared_reads.shared("k", upstream, seconds=60, fresh=True)  # another worker's fresh read
    shared_reads._memory.clear()
    shared_reads._memory.update(mine)  # this worker still holds the first answer
    assert shared_reads.shared("k", upstream, seconds=60) == ("answer 2",)
    assert upstream.calls == 2


def test_a_forgotten_value_is_fetched_again_even_with_a_copy_in_memory(upstream):
    shared_reads.shared("k", upstream, seconds=60)
    shared_reads.forget("k")
    assert shared_reads.shared("k", upstream, seconds=60) == ("answer 2",)


def test_the_processs_copies_are_bounded(upstream, monkeypatch):
    monkeypatch.setattr(shared_reads, "MEMORY_KEYS", 3)
    for n in range(10):
        shared_reads.shared(f"k{n}", upstream, seconds=60)
    assert len(shared_reads._memory) <= 3
    assert shared_reads.shared("k9", upstream, seconds=60) == ("answer 10",)  # still shared
    assert upstream.calls == 10


def test_readers_arriving_at_once_fetch_once_however_the_lock_falls():
    """A reader that missed, then took the lock just after another fetched and let it go, must
    not fetch again (with Redis, a third of such races did)."""
    for trial in range(50):
        fetched = []
        start = threading.Barrier(8)

        def read(trial: int = trial, fetched: list = fetched, start=start) -> None:
            start.wait()
            shared_reads.shared(f"race:{trial}", lambda: fetched.append(1) or trial, seconds=5)

        threads = [threading.Thread(target=read) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(fetched) == 1, f"trial {trial}: {len(fetched)} fetches"


class Failing:
    """A provider read that counts its calls and fails each time."""

    def __init__(self, error: ServerError) -> None:
        self.calls, self.error = 0, error

    def __call__(self) -> tuple[str, ...]:
        self.calls += 1
        raise self.error


def test_a_failure_is_shared_for_its_seconds_and_reaches_other_workers_whole(upstream):
    error = ServerError("boom", account="prod", operation="get_set", status=503, request_id="r1")
    failing = Failing(error)
    with pytest.raises(ServerError):
        shared_reads.shared("k", failing, seconds=60, failures=60)
    shared_reads._memory.clear()  # another worker: the error comes from the cache
    with pytest.raises(ServerError) as raised:
        shared_reads.shared("k", failing, seconds=60, failures=60)
    assert failing.calls == 1
    assert (str(raised.value), raised.value.request_id) == (str(error), "r1")


def test_a_failure_is_not_shared_unless_asked(upstream):
    failing = Failing(ServerError("boom", account="prod", operation="get_set", status=503))
    for _ in range(2):
        with pytest.raises(ServerError):
            shared_reads.shared("k", failing, seconds=60)
    assert failing.calls == 2


def test_a_reader_stops_waiting_for_anothers_fetch_when_its_page_is_out_of_time(upstream):
    """Another reader's fetch hangs, holding the lock: this page waits no longer than its own
    deadline (not the lock's life on top of it), then fetches itself, which with a provider's
    client says at once that the time is up."""
    cache.add("k:lock", time.time(), shared_reads.LOCK_SECONDS)  # another reader is fetching
    started = time.monotonic()
    with deadlines.within(0.2):
        assert shared_reads.shared("k", upstream, seconds=60) == ("answer 1",)
    assert time.monotonic() - started < shared_reads.LOCK_SECONDS / 2


def test_a_reader_does_not_wait_on_a_fetch_under_way_for_longer_than_its_patience(upstream):
    """Another reader began fetching longer ago than a reader waits: this one is told so at once,
    and asks nothing itself, so a provider that does not answer is not asked by every page."""
    began = time.time() - shared_reads.PATIENCE - 1
    cache.add("k:lock", began, shared_reads.LOCK_SECONDS)
    with pytest.raises(shared_reads.StillFetching) as slow:
        shared_reads.shared("k", upstream, seconds=60)
    assert str(slow.value) == (
        "still waiting for its answer to the same read, asked 4 s ago; not asked again meanwhile"
    )
    assert upstream.calls == 0


def test_readers_wait_for_a_slow_fetch_no_longer_than_their_patience(monkeypatch):
    """The others stop waiting once the fetch has taken their patience; the fetcher still gets
    its answer, and shares it from then on."""
    monkeypatch.setattr(shared_reads, "PATIENCE", 0.3)
    answered = threading.Event()

    def slow() -> str:
        answered.wait(5)
        return "at last"

    fetcher = threading.Thread(target=shared_reads.shared, args=("k", slow), kwargs={"seconds": 60})
    fetcher.start()
    time.sleep(0.1)  # the fetch is under way
    with pytest.raises(shared_reads.StillFetching):
        shared_reads.shared("k", lambda: "never asked", seconds=60)
    answered.set()
    fetcher.join()
    assert shared_reads.shared("k", lambda: "never asked", seconds=60) == "at last"
