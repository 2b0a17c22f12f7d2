"""The audit log shows characters nobody can see as their code points, and keeps them as given."""

import pytest

from secretsadmin.audit import services
from secretsadmin.audit.models import AuditEvent
from tests.core.test_invisible import MARKED_RLO, RLO, ZWSP, hides_nothing

pytestmark = pytest.mark.django_db


def test_the_audit_log_shows_and_keeps_what_it_was_given(auditor, system):
    actor = services.Actor(
        user_id=None,
        username=f"mallory{RLO}gnp.exe",
        email="",
        roles=(),
        auth_method="local",
        source_ip="192.0.2.9",
        user_agent=f"curl{ZWSP}",
        request_id="r-1",
    )
    event = services.record(
        actor,
        action="gcore.secret.delete",
        outcome="failed",
        subject=services.Subject(provider="gcore", account="prod", target=f"tls{ZWSP}cert"),
        reason=f"see {RLO}ticket",
        error_message=f"Gcore said: in use{RLO}",
    )
    listed = auditor.get("/audit/").text
    shown = auditor.get(f"/audit/{event.sequence}/").text
    for page in (listed, shown):
        assert hides_nothing(page)
        assert f"mallory{MARKED_RLO}gnp.exe" in page
    assert "Gcore said: in use" + MARKED_RLO in shown and "see " + MARKED_RLO in shown
    kept = AuditEvent.objects.get(sequence=event.sequence)
    assert (kept.actor_username, kept.target, kept.reason) == (
        f"mallory{RLO}gnp.exe",
        f"tls{ZWSP}cert",
        f"see {RLO}ticket",
    )
