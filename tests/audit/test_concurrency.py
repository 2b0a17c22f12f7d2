"""Appends from many threads at once queue on the lock and leave one unbroken chain.

Each thread has its own database connection, as gunicorn's threads and workers do. On SQLite
that needs the test database to be a file (tests/settings.py), where the threads meet SQLite's
write lock; on PostgreSQL they meet the advisory lock.
"""

import threading
from collections import Counter

import pytest
from django.db import connection

from secretsadmin.audit import services
from secretsadmin.audit.models import AuditEvent
from secretsadmin.audit.verify import verify

THREADS = 8
EACH = 25


@pytest.mark.django_db(transaction=True)
def test_eight_threads_appending_at_once_leave_a_chain_that_verifies():
    start = threading.Barrier(THREADS)
    errors = []

    def append(n: int) -> None:
        try:
            actor = services.Actor.system(f"worker-{n}")
            start.wait()
            for i in range(EACH):
                services.record(
                    actor,
                    action="auth.login",
                    outcome="succeeded",
                    subject=services.Subject(target=str(i)),
                )
        except Exception as exc:  # reported below; a thread's exception would vanish
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=append, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    result = verify()
    assert result.ok, result.summary()
    assert result.checked == THREADS * EACH
    per_worker = Counter(AuditEvent.objects.values_list("actor_username", flat=True))
    assert per_worker == {f"worker-{n}": EACH for n in range(THREADS)}
