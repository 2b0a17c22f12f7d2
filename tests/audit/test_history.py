"""A thing's history by its id: each change once, with its latest outcome, newest first, the
change that made it among them although only its outcome knew the id."""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from secretsadmin.audit import services
from secretsadmin.audit.history import changes_by_id

pytestmark = pytest.mark.django_db
ID = "6f1c2b0e-3d4a-4b5c-8d9e-0f1a2b3c4d5e"


def subject(target_id: str = ID, account: str = "prod") -> services.Subject:
    return services.Subject(provider="gcore", account=account, target="www", target_id=target_id)


def test_a_create_that_learned_the_id_when_done_is_part_of_the_history(system):
    create = services.attempt(system, action="gcore.secret.create", subject=subject(""))
    services.conclude(create, outcome="unknown", error_message="the task runs")
    services.record(
        system, action="gcore.secret.create", outcome="succeeded", subject=subject(), attempt=create
    )
    delete = services.attempt(system, action="gcore.secret.delete", subject=subject())
    services.conclude(delete, outcome="failed", error_message="in use by a load balancer")
    history = changes_by_id("gcore", "prod", ID)
    assert [(c.sequence, c.action, c.outcome, c.message) for c in history] == [
        (delete.sequence, "gcore.secret.delete", "failed", "in use by a load balancer"),
        (create.sequence, "gcore.secret.create", "succeeded", ""),
    ]
    assert history[0].username == "tests" and history[0].auth_method == "system"


def test_only_the_newest_changes_are_read_however_long_the_history(system):
    attempts = []
    for _ in range(8):
        attempt = services.attempt(system, action="gcore.secret.delete", subject=subject())
        services.conclude(attempt, outcome="unknown")
        services.conclude(attempt, outcome="failed")
        attempts.append(attempt.sequence)
    history = changes_by_id("gcore", "prod", ID, limit=5)
    assert [c.sequence for c in history] == attempts[::-1][:5]
    assert {c.outcome for c in history} == {"failed"}


def test_an_attempt_left_without_outcome_for_long_is_unknown(system):
    long_ago = timezone.now() - timedelta(hours=1)
    with mock.patch("django.utils.timezone.now", return_value=long_ago):
        services.attempt(system, action="gcore.secret.delete", subject=subject())
    recent = services.attempt(system, action="gcore.secret.delete", subject=subject())
    assert [c.outcome for c in changes_by_id("gcore", "prod", ID)] == ["attempted", "unknown"]
    assert changes_by_id("gcore", "prod", ID)[0].sequence == recent.sequence


def test_a_refusal_recorded_alone_is_a_change_with_its_own_outcome(system):
    services.record(system, action="gcore.secret.delete", outcome="denied", subject=subject())
    (refused,) = changes_by_id("gcore", "prod", ID)
    assert refused.outcome == "denied"


def test_other_things_and_other_accounts_are_not_in_the_history(system):
    services.record(system, action="gcore.secret.delete", outcome="succeeded", subject=subject())
    other = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
    services.record(
        system, action="gcore.secret.delete", outcome="succeeded", subject=subject(other)
    )
    services.record(
        system,
        action="gcore.secret.delete",
        outcome="succeeded",
        subject=subject(account="staging"),
    )
    assert len(changes_by_id("gcore", "prod", ID)) == 1
    assert changes_by_id("pipecat", "prod", ID) == []
