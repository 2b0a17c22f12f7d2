"""Attempts left without outcome are concluded from Pipecat Cloud's state by audit_reconcile."""

from io import StringIO

import pytest
from django.core.management import call_command

from secretsadmin.audit import services as audit
from secretsadmin.audit.models import AuditEvent
from tests.pipecat.conftest import fail_next, post, put

pytestmark = pytest.mark.django_db


def crashed(action: str, target: str, keys=(), provider="pipecat") -> AuditEvent:
    """An attempt whose worker died before it could write the outcome."""
    return audit.attempt(
        audit.Actor.system("worker"),
        action=action,
        subject=audit.Subject(provider=provider, account="prod", target=target, keys=tuple(keys)),
    )


def reconcile() -> str:
    out = StringIO()
    call_command("audit_reconcile", older_than=0, stdout=out)
    return out.getvalue()


def outcomes_of(attempt: AuditEvent) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(attempt=attempt).order_by("sequence"))


def outcome_of(attempt: AuditEvent) -> AuditEvent | None:
    return next(iter(outcomes_of(attempt)), None)


def test_each_attempt_is_concluded_from_what_the_provider_now_holds(pipecat):
    put(pipecat, "voice-prod", KEPT="1")
    upsert = crashed("pipecat.secret_set.upsert", "voice-prod", ["KEPT"])
    key_gone = crashed("pipecat.secret_key.delete", "voice-prod", ["NEVER_THERE"])
    not_deleted = crashed("pipecat.secret_set.delete", "voice-prod")
    lost_create = crashed("pipecat.secret_set.upsert", "never-made", ["A"])
    elsewhere = crashed("gcore.secret.delete", "tls-cert", provider="gcore")

    report = reconcile()

    # The keys were there before the attempt too: their presence does not say it applied.
    assert outcome_of(upsert).outcome == "unknown"
    assert "values cannot be read back" in outcome_of(upsert).error_message
    assert outcome_of(key_gone).outcome == "succeeded"
    assert outcome_of(not_deleted).outcome == "failed"
    assert outcome_of(lost_create).outcome == "failed"
    assert outcome_of(elsewhere) is None
    assert "4 attempt(s) concluded, 1 left unknown" in report
    assert outcome_of(upsert).actor_username == "worker"  # the outcome belongs to the attempt


def test_an_unreadable_provider_leaves_the_attempt_unknown(pipecat):
    put(pipecat, "voice-prod")
    attempt = crashed("pipecat.secret_set.delete", "voice-prod")
    fail_next(pipecat, "list_sets", 503, times=5)
    assert "0 attempt(s) concluded, 1 left unknown" in reconcile()
    assert outcome_of(attempt) is None
    assert "1 attempt(s) concluded" in reconcile()  # once the provider answers again


@pytest.mark.parametrize(("applied", "concluded"), [(False, "failed"), (True, "succeeded")])
def test_a_change_that_timed_out_is_reconciled(editor, pipecat, applied, concluded):
    """A 500 leaves the outcome unknown; the provider's state settles it later, either way."""
    put(pipecat, "voice-prod", GONE="1", KEEP="1")
    fail_next(pipecat, "delete_key", 500, after_effect=applied)
    post(editor, "/pipecat/prod/sets/voice-prod/keys/GONE/delete/")
    attempt = AuditEvent.objects.get(action="pipecat.secret_key.delete", outcome="attempted")
    assert [e.outcome for e in outcomes_of(attempt)] == ["unknown"]
    assert "1 attempt(s) concluded" in reconcile()
    assert [e.outcome for e in outcomes_of(attempt)] == ["unknown", concluded]


def test_an_attempt_its_state_cannot_settle_is_looked_at_once(pipecat):
    put(pipecat, "voice-prod", KEPT="1")
    upsert = crashed("pipecat.secret_set.upsert", "voice-prod", ["KEPT"])
    assert "1 attempt(s) concluded" in reconcile()
    assert "0 attempt(s) concluded, 0 left unknown" in reconcile()
    assert AuditEvent.objects.filter(attempt=upsert).count() == 1
