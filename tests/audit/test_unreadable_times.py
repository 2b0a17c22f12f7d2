"""A stored time that is no time, written behind the app's back, is shown as unreadable and the
rest of the log as ever: the log's page, the event's, the exports; verify names the event as
broken. SQLite keeps any text in the column; PostgreSQL keeps times Python cannot hold."""

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from secretsadmin.audit import services
from secretsadmin.audit.models import AuditEvent
from tests.audit.conftest import csrf_headers

pytestmark = pytest.mark.django_db
SET = services.Subject(provider="pipecat", account="prod", target="voice-prod")

# (database, what is written, what an export shows of it)
UNREADABLE = [
    ("sqlite", "2026-13-45 25:61:00", "2026-13-45 25:61:00"),  # the shape of a time, not one
    ("sqlite", "yesterday, around noon", "yesterday, around noon"),
    ("postgresql", "infinity", "infinity"),
    ("postgresql", "10000-01-01 00:00:00+00", "10000-01-01T00:00:00.000000+00:00 AD"),
    ("postgresql", "0044-03-15 12:00:00+00 BC", "0044-03-15T12:00:00.000000+00:00 BC"),
]


@pytest.fixture(params=UNREADABLE, ids=[written for _, written, _ in UNREADABLE])
def unreadable(request, behind_the_apps_back):
    """Writes an unreadable time into an event: `unreadable(sequence)` gives what an export
    shows of it. Each value is one only its database can hold."""
    vendor, written, exported = request.param
    if connection.vendor != vendor:
        pytest.skip(f"a time only {vendor} can hold")

    def write(sequence: int) -> str:
        behind_the_apps_back(
            "UPDATE audit_auditevent SET time = %s WHERE sequence = %s", [written, sequence]
        )
        return exported

    return write


def test_the_log_shows_every_event_and_that_one_as_unreadable(auditor, log, unreadable, row_of):
    stored = unreadable(3)
    page = auditor.get("/audit/")
    assert page.status_code == 200
    assert [event.sequence for event in page.context["page"].events][-5:] == [5, 4, 3, 2, 1]
    assert f"unreadable time: <code>{stored}</code>" in row_of(page, 3)
    assert "<time datetime=" in row_of(page, 2)


def test_the_chain_head_may_be_the_unreadable_one(auditor, log, unreadable):
    unreadable(5)
    page = auditor.get("/audit/")
    assert page.status_code == 200
    assert "Event <a" in page.text and "unreadable time" in page.text


def test_the_events_page_says_its_time_is_unreadable(auditor, log, unreadable):
    stored = unreadable(3)
    page = auditor.get("/audit/3/")
    assert page.status_code == 200
    assert f"<dt>Time</dt><dd>{_marker(stored)}</dd>" in page.text


def test_an_attempt_and_its_outcome_are_shown_whichever_time_is_unreadable(
    auditor, system, unreadable
):
    attempt = services.attempt(system, action="pipecat.secret_set.upsert", subject=SET)
    outcome = services.conclude(attempt, outcome="succeeded")
    unreadable(attempt.sequence)
    assert auditor.get(f"/audit/{attempt.sequence}/").status_code == 200  # lists its outcome
    assert auditor.get(f"/audit/{outcome.sequence}/").status_code == 200  # reads its attempt
    unreadable(outcome.sequence)
    assert "Concluded by event" in auditor.get(f"/audit/{attempt.sequence}/").text


def test_an_attempt_whose_time_is_unreadable_is_not_taken_for_one_in_flight(
    auditor, system, unreadable, row_of
):
    attempt = services.attempt(system, action="pipecat.secret_set.upsert", subject=SET)
    unreadable(attempt.sequence)
    assert "outcome-unknown" in row_of(auditor.get("/audit/"), attempt.sequence)


def test_the_exports_hold_every_event_and_the_time_as_stored(auditor, log, unreadable):
    stored = unreadable(3)
    rows = [json.loads(line) for line in _export(auditor, "jsonl").splitlines()]
    assert [row["sequence"] for row in rows] == list(range(1, len(rows) + 1))
    assert len(rows) >= 5
    assert rows[2]["time"] == stored
    assert rows[1]["time"].endswith("+00:00")
    table = list(csv.DictReader(io.StringIO(_export(auditor, "csv"))))
    assert [row["sequence"] for row in table][:5] == ["1", "2", "3", "4", "5"]
    assert table[2]["time"] == stored
    finished = AuditEvent.objects.filter(action="audit.export", outcome="succeeded")
    assert finished.count() == 2  # each streamed to its end


def test_verify_names_the_event_as_broken(auditor, log, unreadable, tmp_path):
    unreadable(3)
    with pytest.raises(CommandError, match="chain broken at event #3"):
        call_command("audit_verify")
    assert "broken at event #3" in auditor.post("/audit/verify", **csrf_headers(auditor)).text
    export = tmp_path / "audit.jsonl"
    export.write_text(_export(auditor, "jsonl"))
    with pytest.raises(CommandError, match="chain broken at event #3"):
        call_command("audit_verify", file=export)


def _export(client, fmt: str) -> str:
    response = client.get(f"/audit/export.{fmt}")
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode()


def _marker(stored: str) -> str:
    return f'<span class="unreadable-time">unreadable time: <code>{stored}</code></span>'


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL's uuid column holds uuids")
def test_an_event_id_that_is_no_uuid_is_shown_exported_and_found(
    auditor, log, behind_the_apps_back, row_of
):
    behind_the_apps_back("UPDATE audit_auditevent SET uuid = 'not-a-uuid' WHERE sequence = 3")
    assert auditor.get("/audit/").status_code == 200
    assert "<code>not-a-uuid</code>" in auditor.get("/audit/3/").text
    rows = [json.loads(line) for line in _export(auditor, "jsonl").splitlines()]
    assert rows[2]["uuid"] == "not-a-uuid"
    with pytest.raises(CommandError, match="chain broken at event #3"):
        call_command("audit_verify")
