"""audit_reconcile concludes Gcore attempts left unknown: from their tasks when Gcore accepted
them, else from the region's secrets (by name and creation time; by a deleted id's absence)."""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from emulators.faults import Fault
from secretsadmin.audit import services as audit
from secretsadmin.audit.models import AuditEvent
from secretsadmin.gcore import actions
from tests.fixtures.gcore import PROJECT_ID, REGION_ID
from tests.gcore.changes.conftest import create, events

pytestmark = pytest.mark.django_db


def reconcile() -> str:
    out = StringIO()
    call_command("audit_reconcile", older_than=0, stdout=out)
    return out.getvalue()


def crashed(action: str, target: str, target_id: str = "") -> AuditEvent:
    """An attempt whose worker died before Gcore answered."""
    subject = audit.Subject("gcore", "prod", str(REGION_ID), target, target_id)
    return audit.attempt(audit.Actor.system("worker"), action=action, subject=subject)


def outcomes(attempt: AuditEvent) -> list[tuple[str, str]]:
    found = AuditEvent.objects.filter(attempt=attempt).order_by("sequence")
    return [(e.outcome, e.target_id) for e in found]


def test_an_accepted_change_is_concluded_from_its_task_once_done(editor, gcore):
    create(editor)
    attempt = events()[0]
    assert "0 attempt(s) concluded, 1 left unknown" in reconcile()  # its task still runs
    gcore.clock.advance(5)
    assert "1 attempt(s) concluded" in reconcile()
    [secret] = gcore.secrets(PROJECT_ID, REGION_ID)
    assert outcomes(attempt)[-1] == ("succeeded", secret.id)
    assert events()[-1].error_code == "reconciled"
    assert "0 attempt(s) concluded, 0 left unknown" in reconcile()


def test_a_task_in_error_concludes_it_failed(editor, gcore):
    gcore.fail_next_task(message="backend down")
    create(editor)
    gcore.clock.advance(5)
    reconcile()
    last = events()[-1]
    assert (last.outcome, last.error_message) == ("failed", "backend down")


def test_a_create_without_a_task_is_concluded_from_the_secrets_of_its_name(gcore):
    made = crashed(actions.SECRET_CREATE, "api-token")
    never = crashed(actions.SECRET_CREATE, "never-made")
    gcore.add_secret(PROJECT_ID, REGION_ID, "old-one", "opaque", b"x")
    secret = gcore.add_secret(
        PROJECT_ID, REGION_ID, "api-token", "opaque", b"x", created=datetime.now(UTC)
    )
    gcore.add_secret(  # of that name, but made long before the attempt: another one
        PROJECT_ID,
        REGION_ID,
        "never-made",
        "opaque",
        b"x",
        created=datetime.now(UTC) - timedelta(days=3),
    )
    assert "2 attempt(s) concluded" in reconcile()
    assert outcomes(made) == [("succeeded", secret.id)]
    assert outcomes(never) == [("failed", "")]


def test_a_delete_without_a_task_is_concluded_from_whether_its_secret_is_there(gcore):
    kept = gcore.add_secret(PROJECT_ID, REGION_ID, "kept", "opaque", b"x")
    not_deleted = crashed(actions.SECRET_DELETE, "kept", kept.id)
    deleted = crashed(actions.SECRET_DELETE, "gone", "00000000-0000-4000-8000-000000000000")
    reconcile()
    assert outcomes(not_deleted)[0][0] == "failed"
    assert outcomes(deleted)[0][0] == "succeeded"


def test_a_create_that_timed_out_is_settled_later_from_the_region(editor, gcore):
    gcore.faults.add(Fault("create_secret", status=500))
    create(editor)
    attempt = events()[0]
    assert [o for o, _ in outcomes(attempt)] == ["unknown"]
    assert "1 attempt(s) concluded" in reconcile()
    assert [o for o, _ in outcomes(attempt)] == ["unknown", "failed"]


def test_an_unreadable_region_leaves_it_for_the_next_run(gcore):
    attempt = crashed(actions.SECRET_CREATE, "api-token")
    gcore.faults.add(Fault("list_secrets", status=503, times=5))
    assert "0 attempt(s) concluded, 1 left unknown" in reconcile()
    assert outcomes(attempt) == []
