"""Once written, an event stays as written: Django refuses, and PostgreSQL refuses too."""

import pytest
from django.contrib.auth.models import User
from django.db import DatabaseError, connection, transaction
from django.test import Client

from secretsadmin.audit import services
from secretsadmin.audit.models import AppendOnly, AuditEvent

pytestmark = pytest.mark.django_db


def test_an_event_cannot_be_saved_again(log):
    event = AuditEvent.objects.get(sequence=2)
    event.reason = "nothing happened"
    with pytest.raises(AppendOnly):
        event.save()
    assert AuditEvent.objects.get(sequence=2).reason == ""


def test_an_event_cannot_be_deleted(log):
    with pytest.raises(AppendOnly):
        AuditEvent.objects.get(sequence=2).delete()
    assert AuditEvent.objects.count() == 5


@pytest.mark.parametrize(
    "change",
    [
        lambda events: events.update(outcome="succeeded"),
        lambda events: events.delete(),
        lambda events: events.bulk_update(list(events), ["reason"]),
        lambda events: events.bulk_create([AuditEvent(sequence=99, action="x")]),
    ],
    ids=["update", "delete", "bulk_update", "bulk_create"],
)
def test_querysets_refuse_bulk_changes(log, change):
    with pytest.raises(AppendOnly):
        change(AuditEvent.objects.filter(sequence__lte=3))
    assert list(AuditEvent.objects.values_list("sequence", flat=True)) == [5, 4, 3, 2, 1]


def test_an_event_written_around_the_chain_is_refused(log):
    with pytest.raises(AppendOnly):
        AuditEvent.objects.create(sequence=6, action="auth.login", outcome="succeeded")


def test_a_deleted_user_leaves_their_events_as_they_were(log):
    user = User.objects.create_user("gone", email="gone@example.com")
    actor = services.Actor(
        user_id=user.pk,
        username="gone",
        email="gone@example.com",
        roles=("viewer",),
        auth_method="password",
        source_ip="192.0.2.1",
        user_agent="pytest",
        request_id="r1",
    )
    event = services.record(actor, action="auth.login", outcome="succeeded")
    user_id = user.pk
    user.delete()
    kept = AuditEvent.objects.get(sequence=event.sequence)
    assert (kept.actor_id, kept.actor_username, kept.hash) == (user_id, "gone", event.hash)


@pytest.fixture
def staff():
    user = User.objects.create_superuser("root", "root@example.com", "pw")
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    return client


def test_the_admin_shows_events_but_cannot_add_change_or_delete_them(log, staff):
    before = AuditEvent.objects.count()
    listing = staff.get("/admin/audit/auditevent/")
    assert listing.status_code == 200
    assert "event 4" in listing.text
    assert staff.get("/admin/audit/auditevent/add/").status_code == 403
    assert staff.get("/admin/audit/auditevent/2/delete/").status_code == 403
    change = staff.post("/admin/audit/auditevent/2/change/", {"reason": "edited"})
    assert change.status_code == 403
    bulk = staff.post(
        "/admin/audit/auditevent/", {"action": "delete_selected", "_selected_action": ["2"]}
    )
    assert bulk.status_code in (200, 302)
    assert AuditEvent.objects.count() == before
    assert AuditEvent.objects.get(sequence=2).reason == ""


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite has no append-only triggers; verify finds changes there (test_chain.py)",
)


@postgres_only
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditevent SET reason = 'edited' WHERE sequence = 2",
        "DELETE FROM audit_auditevent WHERE sequence = 2",
        "TRUNCATE audit_auditevent",
        "TRUNCATE audit_auditevent CASCADE",
    ],
)
def test_postgresql_refuses_raw_changes(log, sql):
    with connection.cursor() as cursor:
        # Else PostgreSQL refuses TRUNCATE for the test's own pending foreign-key checks.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert AuditEvent.objects.count() == 5
    assert AuditEvent.objects.get(sequence=2).reason == ""
