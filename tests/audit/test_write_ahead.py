"""Write-ahead and fail closed: the attempt is committed before the upstream call, and when it
cannot be written the call is not made. The outcome is a second event, linked to the first."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction

from secretsadmin.audit import services
from secretsadmin.audit.models import AuditEvent
from secretsadmin.audit.selectors import pending_attempts


def seen_by_another_connection(sequence: int) -> bool:
    """What another worker would see now: only what has been committed."""
    found = []

    def look():
        try:
            found.append(AuditEvent.objects.filter(sequence=sequence).exists())
        finally:
            connection.close()

    thread = threading.Thread(target=look)
    thread.start()
    thread.join()
    return found == [True]


@pytest.mark.django_db(transaction=True)
def test_the_attempt_is_committed_before_the_upstream_call(system):
    started = services.attempt(
        system,
        action="pipecat.secret_set.upsert",
        subject=services.Subject(provider="pipecat", target="prod-keys"),
    )
    assert seen_by_another_connection(started.sequence)


@pytest.mark.django_db(transaction=True)
def test_the_attempt_outlives_the_callers_failed_work(system):
    with pytest.raises(ZeroDivisionError):
        started = services.attempt(
            system,
            action="gcore.secret.delete",
            subject=services.Subject(target="tls-cert"),
        )
        with transaction.atomic():
            1 / 0
    assert AuditEvent.objects.get(sequence=started.sequence).outcome == "attempted"


@pytest.mark.django_db(transaction=True)
def test_an_attempt_inside_an_open_transaction_is_refused(system):
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        services.attempt(system, action="gcore.secret.delete", subject=services.Subject())


def change_a_secret(actor, upstream_calls: list) -> None:
    """The shape every provider change takes."""
    started = services.attempt(
        actor,
        action="pipecat.secret_key.delete",
        subject=services.Subject(target="prod-keys"),
    )
    upstream_calls.append("DELETE /v1/secrets/prod-keys/API_KEY")
    services.conclude(started, outcome="succeeded", upstream_status=200)


@pytest.mark.django_db
def test_when_the_attempt_cannot_be_written_no_upstream_call_is_made(system, failing_disk):
    upstream_calls = []
    with pytest.raises(services.AuditUnavailable, match="disk"):
        change_a_secret(system, upstream_calls)
    assert upstream_calls == []
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_any_record_that_cannot_be_written_raises_audit_unavailable(system, failing_disk):
    with pytest.raises(services.AuditUnavailable):
        services.record(system, action="auth.denied", outcome="denied")


@pytest.mark.django_db
def test_the_outcome_is_a_second_event_linked_to_the_attempt(system):
    started = services.attempt(
        system,
        action="pipecat.secret_set.upsert",
        subject=services.Subject(
            provider="pipecat", account="acme", target="prod-keys", keys=("API_KEY",)
        ),
    )
    outcome = services.conclude(
        started, outcome="failed", upstream_status=409, error_code="conflict"
    )
    assert outcome.sequence == started.sequence + 1
    assert outcome.attempt_id == started.sequence
    assert (outcome.action, outcome.target, outcome.keys) == (
        "pipecat.secret_set.upsert",
        "prod-keys",
        ["API_KEY"],
    )
    assert (outcome.outcome, outcome.upstream_status, outcome.error_code) == (
        "failed",
        409,
        "conflict",
    )
    assert outcome.request_id == started.request_id
    unchanged = AuditEvent.objects.get(sequence=started.sequence)
    assert (unchanged.outcome, unchanged.hash) == ("attempted", started.hash)


@pytest.mark.django_db
def test_attempts_without_outcome_are_pending_for_reconcile(system):
    concluded = services.attempt(
        system,
        action="gcore.secret.create",
        subject=services.Subject(target="a"),
    )
    services.conclude(concluded, outcome="succeeded")
    left = services.attempt(
        system,
        action="gcore.secret.create",
        subject=services.Subject(target="b"),
    )
    assert list(pending_attempts(timedelta(0))) == [left]
    assert list(pending_attempts(timedelta(minutes=15))) == []  # too recent to give up on
