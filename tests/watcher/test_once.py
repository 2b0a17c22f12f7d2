"""`manage.py watch --once`: one round of every registered job, each on its own, and the audit
log's reconcile step as one of them, within the call budget."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from secretsadmin.audit import services as audit
from secretsadmin.audit.models import AuditEvent

# Transactional: the watcher closes a connection left in a transaction between jobs, as it
# would one a failed job left so.
pytestmark = pytest.mark.django_db(transaction=True)


def job_lines(caplog) -> list[tuple[str, str]]:
    return [
        (record.job, record.outcome)
        for record in caplog.records
        if getattr(record, "event", None) == "job"
    ]


def test_once_runs_every_job_once_and_exits(registered, caplog):
    ran = []
    registered("test_first", lambda context: ran.append("first"))
    registered("test_second", lambda context: ran.append("second"))

    call_command("watch", "--once")

    assert ran == ["first", "second"]
    assert job_lines(caplog) == [
        ("audit_reconcile", "done"),
        ("pipecat_drift", "done"),
        ("pipecat_alerts", "done"),
        ("gcore_drift", "done"),
        ("gcore_alerts", "done"),
        ("drift_alerts", "done"),
        ("alert_deliveries", "done"),
        ("audit_stream", "done"),
        ("test_first", "done"),
        ("test_second", "done"),
    ]


def test_a_failing_job_is_logged_and_the_others_still_run(registered, caplog):
    ran = []

    def broken(context) -> None:
        raise RuntimeError("the provider answered nonsense")

    registered("test_broken", broken)
    registered("test_after", lambda context: ran.append("after"))

    with pytest.raises(CommandError, match="test_broken"):  # cron sees that something failed
        call_command("watch", "--once")

    assert ran == ["after"]
    assert ("test_broken", "failed") in job_lines(caplog)
    assert ("test_after", "done") in job_lines(caplog)
    [failure] = [r for r in caplog.records if getattr(r, "outcome", None) == "failed"]
    assert "the provider answered nonsense" in failure.exc_text


def test_a_job_is_handed_the_configured_budget(registered, settings):
    settings.WATCH_CALLS_PER_MINUTE = 3
    taken = []
    registered("test_caller", lambda context: taken.extend(
        context.budget.take("gcore", "prod") for _ in range(5)
    ))  # fmt: skip
    call_command("watch", "--once")
    assert taken == [True, True, True, False, False]


def crashed(target: str) -> AuditEvent:
    """An attempt whose worker died 20 minutes ago, before it could write the outcome."""
    with mock.patch(
        "django.utils.timezone.now", return_value=timezone.now() - timedelta(minutes=20)
    ):
        return audit.attempt(
            audit.Actor.system("worker"),
            action="pipecat.secret_set.delete",
            subject=audit.Subject(provider="pipecat", account="prod", target=target),
        )


def concluded(attempt: AuditEvent) -> list[str]:
    return [event.outcome for event in AuditEvent.objects.filter(attempt=attempt)]


def test_audit_reconcile_concludes_attempts_within_the_budget_and_the_rest_next_round(
    pipecat_prod, settings
):
    first, second = crashed("voice-prod"), crashed("gone-already")
    settings.WATCH_CALLS_PER_MINUTE = 2  # one attempt's reads

    call_command("watch", "--once")
    assert (concluded(first), concluded(second)) == (["failed"], [])

    call_command("watch", "--once")  # a later round, with the budget back
    assert concluded(second) == ["succeeded"]
