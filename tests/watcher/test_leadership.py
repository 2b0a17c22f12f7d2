"""Exactly one watcher works at a time: of two processes one leads and the other waits, and when
the leader is killed the other takes over within about one interval. A leader whose lock's
connection drops notices before its next job and stops until it leads again."""

import os
import threading

import pytest
from django.conf import settings
from django.db import connection

from secretsadmin.watcher.budget import Budget
from secretsadmin.watcher.leadership import AdvisoryLock, FileLock
from secretsadmin.watcher.loop import Watcher
from secretsadmin.watcher.registry import Job
from tests.watcher.conftest import wait_until, watchers

pytestmark = pytest.mark.django_db(transaction=True)
postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the advisory lock is PostgreSQL's"
)
INTERVAL = 0.5


def test_one_of_two_watchers_leads_and_the_other_takes_over_when_it_is_killed(tmp_path):
    with watchers(tmp_path, 2, interval=INTERVAL) as both:
        wait_until(lambda: all(w.said("leading") or w.said("following") for w in both), 60, *both)
        [leader] = [w for w in both if w.said("leading")]
        [follower] = [w for w in both if w is not leader]
        wait_until(lambda: leader.said("job", job="audit_reconcile"), 10, *both)
        assert follower.said("following") and not follower.said("job")  # it only waits

        leader.kill()  # SIGKILL: no goodbye, the lock goes with the process
        took = wait_until(lambda: follower.said("leading"), 10, *both)

        assert took < INTERVAL + 1.5  # within one interval, and what a loaded machine adds
        wait_until(lambda: follower.said("job", job="audit_reconcile", outcome="done"), 5, *both)


def test_a_file_lock_is_held_by_one_holder_until_released_or_its_file_is_gone(tmp_path):
    first, second = FileLock(tmp_path / "watch.lock"), FileLock(tmp_path / "watch.lock")
    assert first.acquire() and first.held()
    assert not second.acquire()
    first.release()
    assert second.acquire()
    assert (tmp_path / "watch.lock").read_text().strip() == str(os.getpid())  # who leads

    (tmp_path / "watch.lock").unlink()  # someone tidying up: any process may lock a new one
    assert not second.held()  # its lock guards a file no longer there
    assert first.acquire()
    assert not second.acquire()
    first.release()


def cut_lock_connections() -> None:
    """What a database restart or a dropped network does to every advisory lock's session."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )


@postgresql
def test_a_leader_whose_lock_connection_drops_stops_and_leads_again_once_it_can(caplog):
    ran = []

    def cut(context) -> None:
        ran.append("cut")
        if ran.count("cut") == 1:
            cut_lock_connections()

    jobs = [Job("cut", cut), Job("after", lambda context: ran.append("after"))]
    lease, rival = AdvisoryLock(), AdvisoryLock()
    watcher = Watcher(jobs, lease, Budget(60, INTERVAL), INTERVAL)
    try:
        done = watcher.once()
        assert done is not None and done.left == ["after"]  # not run: the lead was lost
        assert ran == ["cut"]
        assert [r for r in caplog.records if getattr(r, "event", None) == "lost"]

        assert rival.acquire()  # another replica took it meanwhile
        assert watcher.once() is None and ran == ["cut"]
        rival.release()

        done = watcher.once()  # free again: this process leads, on a new connection
        assert done is not None and done.ran == ["cut", "after"]
    finally:
        watcher.release()
        rival.release()


@postgresql
def test_an_advisory_lock_is_held_by_one_session_until_it_ends():
    first, second = AdvisoryLock(), AdvisoryLock()
    try:
        assert first.acquire() and first.held()
        assert first.acquire()  # kept, not taken twice
        assert not second.acquire() and not second.held()
        first.release()
        assert second.acquire() and second.held()
    finally:
        first.release()
        second.release()


def test_the_interval_and_budget_come_from_the_settings():
    assert settings.WATCH_INTERVAL_SECONDS == 60.0
    assert settings.WATCH_CALLS_PER_MINUTE == 60


@postgresql
def test_a_job_may_ask_from_a_thread_of_its_own_whether_it_still_leads():
    lease = AdvisoryLock()
    try:
        assert lease.acquire()
        answers = []
        asking = threading.Thread(target=lambda: answers.append(lease.held()))
        asking.start()
        asking.join()
        assert answers == [True] and lease.held()
    finally:
        lease.release()
