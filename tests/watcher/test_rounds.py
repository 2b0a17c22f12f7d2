"""Rounds of a leading watcher: a job runs as often as it registered for."""

import pytest

from secretsadmin.watcher.budget import Budget
from secretsadmin.watcher.leadership import FileLock
from secretsadmin.watcher.loop import Watcher
from secretsadmin.watcher.models import JobRuns, Rounds
from secretsadmin.watcher.registry import Job, Registry


@pytest.mark.django_db(transaction=True)  # each round and job is written down, for /metrics
def test_a_job_runs_as_often_as_it_asked_and_the_others_every_round(tmp_path):
    ran: list[str] = []
    jobs = [
        Job("each", lambda context: ran.append("each")),
        Job("every_30_s", lambda context: ran.append("every_30_s"), every=30),
    ]
    watcher = Watcher(jobs, FileLock(tmp_path / "watch.lock"), Budget(60, 10), interval=10)
    try:
        for _ in range(7):
            watcher.once()
    finally:
        watcher.release()
    assert ran.count("each") == 7
    assert ran.count("every_30_s") == 3  # rounds 0, 3 and 6: every 30 s at a 10 s interval
    assert Rounds.objects.get().count == 7
    assert dict(JobRuns.objects.values_list("job", "runs")) == {"each": 7, "every_30_s": 3}


def test_a_job_name_is_registered_once():
    registry = Registry()
    registry.register("drift", lambda context: None)
    with pytest.raises(ValueError, match="registered already"):
        registry.register("drift", lambda context: None)
    assert [job.name for job in registry] == ["drift"]
