"""The hash chain: verify vouches for an untouched log and finds the first event tampered with."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from secretsadmin.audit import chain, export, selectors, services
from secretsadmin.audit.models import AuditEvent
from secretsadmin.audit.verify import check, links, stored_links, verify

pytestmark = pytest.mark.django_db


def test_an_untouched_log_verifies_to_its_head(log):
    result = verify()
    assert result.ok
    assert (result.checked, result.head_sequence, result.head_hash) == (5, 5, log[-1].hash)


def test_an_empty_log_verifies():
    result = verify()
    assert (result.ok, result.checked, result.head_hash) == (True, 0, chain.GENESIS)


def test_each_event_links_to_the_one_before(log):
    assert log[0].prev_hash == chain.GENESIS
    assert [e.prev_hash for e in log[1:]] == [e.hash for e in log[:-1]]


def test_an_edited_event_is_found(log, behind_the_apps_back):
    behind_the_apps_back("UPDATE audit_auditevent SET outcome = 'failed' WHERE sequence = %s", [3])
    result = verify()
    assert not result.ok
    assert result.broken_at == 3
    assert "edited" in result.problem
    assert result.checked == 2


@pytest.mark.parametrize(
    ("column", "text"),
    [("fingerprints", "[1]"), ("fingerprints", '"a string"'), ("keys", '{"A": 1}')],
)
def test_json_of_another_shape_is_found_not_a_crash(log, behind_the_apps_back, column, text):
    behind_the_apps_back(f"UPDATE audit_auditevent SET {column} = %s WHERE sequence = 2", [text])
    result = verify()
    assert (result.broken_at, result.checked) == (2, 1)
    assert "edited" in result.problem


def test_text_that_is_not_json_is_found_not_a_crash(log, behind_the_apps_back):
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL's jsonb accepts only JSON")
    behind_the_apps_back("PRAGMA ignore_check_constraints = ON")  # as someone at the file would
    try:
        behind_the_apps_back("UPDATE audit_auditevent SET keys = 'not json' WHERE sequence = 4")
    finally:
        behind_the_apps_back("PRAGMA ignore_check_constraints = OFF")
    assert verify().broken_at == 4


def test_an_edit_that_recomputes_the_hash_is_found_by_the_next_event(log, behind_the_apps_back):
    event = AuditEvent.objects.get(sequence=3)
    event.outcome = "failed"
    rehashed = chain.digest(chain.content_of(event))
    behind_the_apps_back(
        "UPDATE audit_auditevent SET outcome = 'failed', hash = %s WHERE sequence = 3", [rehashed]
    )
    result = verify()
    assert (result.ok, result.broken_at) == (False, 4)
    assert "previous hash" in result.problem


def test_a_deleted_event_is_found(log, behind_the_apps_back):
    behind_the_apps_back("DELETE FROM audit_auditevent WHERE sequence = 2")
    result = verify()
    assert (result.ok, result.broken_at) == (False, 2)
    assert "#2 is missing" in result.problem


def test_swapped_events_are_found(log, behind_the_apps_back):
    behind_the_apps_back(
        "UPDATE audit_auditevent SET sequence = sequence + 100 WHERE sequence IN (2, 3)"
    )
    behind_the_apps_back(
        "UPDATE audit_auditevent SET sequence = 105 - sequence WHERE sequence > 100"
    )
    result = verify()
    assert not result.ok
    assert result.broken_at == 2


def test_a_log_cut_short_is_found_against_a_kept_head(log, behind_the_apps_back):
    kept = (5, log[-1].hash)
    behind_the_apps_back("DELETE FROM audit_auditevent WHERE sequence >= 4")
    assert verify().ok  # what is left is a valid chain...
    result = verify(anchor=kept)  # ...but not the one whose head was kept
    assert (result.ok, result.broken_at) == (False, 5)
    assert "removed" in result.problem


def test_a_rewritten_log_is_found_against_a_kept_head(log, behind_the_apps_back, system):
    kept = (3, log[2].hash)
    behind_the_apps_back("DELETE FROM audit_auditevent")
    for n in range(5):
        services.record(
            system,
            action="auth.login",
            outcome="succeeded",
            subject=services.Subject(target=f"fake {n}"),
        )
    assert check(stored_links()).ok  # a chain of its own: the chain alone cannot tell
    result = verify(anchor=kept)
    assert (result.ok, result.broken_at) == (False, 3)


def test_the_command_reports_the_head_and_records_the_verification(log, capsys):
    call_command("audit_verify")
    assert f"5 events verified; head #5 {log[-1].hash}" in capsys.readouterr().out
    recorded = AuditEvent.objects.get(sequence=6)
    assert (recorded.action, recorded.outcome, recorded.target_id) == (
        "audit.verify",
        "succeeded",
        log[-1].hash,
    )


def test_the_command_fails_on_a_broken_chain(log, behind_the_apps_back):
    behind_the_apps_back("UPDATE audit_auditevent SET reason = 'x' WHERE sequence = 4")
    with pytest.raises(CommandError, match="broken at event #4"):
        call_command("audit_verify")
    assert AuditEvent.objects.order_by("sequence").last().outcome == "failed"


def test_the_command_checks_a_kept_head(log):
    with pytest.raises(CommandError, match="broken at event #2"):
        call_command("audit_verify", anchor=(2, "f" * 64))


def test_a_full_export_verifies_on_its_own(log, tmp_path, capsys):
    archive = tmp_path / "audit.jsonl"
    archive.write_text("".join(export.jsonl(selectors.events())))
    call_command("audit_verify", file=archive)
    assert f"head #5 {log[-1].hash}" in capsys.readouterr().out
    assert AuditEvent.objects.count() == 5  # checking a file records nothing

    lines = archive.read_text().splitlines()
    edited = json.loads(lines[1]) | {"target": "forged"}
    assert not check(links(json.loads(line) for line in [lines[0], json.dumps(edited)])).ok


def test_unusual_content_verifies(system):
    """Each value arrives in the form it was hashed in: quotes, escapes, control characters,
    non-ASCII text, nested JSON, empty and missing values."""
    odd = services.Actor(
        user_id=7,
        username='o"brien\\',
        email="ünï@exämple.com",
        roles=("editor", "auditor"),
        auth_method="sso",
        source_ip="2001:db8::1",
        user_agent="tab\there\nnewline\x01\x1f\x7f 🔑",
        request_id="",
    )
    first = services.record(odd, action="auth.login", outcome="succeeded")
    services.record(
        odd,
        action="pipecat.secret_set.upsert",
        outcome="failed",
        subject=services.Subject(
            provider="pipecat",
            account="ac/ct",
            target='{"json": [1, 2]}',
            keys=("Z_KEY", "A_KEY", "ключ"),
        ),
        values={"Z_KEY": "one", "A_KEY": "two"},
        upstream_status=503,
        error_message="line one\r\nline two \u2028",
        reason="",
        attempt=first,
    )
    result = verify()
    assert result.ok, result.summary()
    assert result.checked == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL streams the rows")
def test_a_break_found_early_leaves_the_connection_usable(log, behind_the_apps_back, system):
    """Verify stops at the first break while the server is still sending the rows after it,
    inside the test's transaction: the log can still be read and written after (psycopg would
    cancel the query, which aborts the transaction)."""
    columns = [f.column for f in AuditEvent._meta.concrete_fields]
    copied = ", ".join(
        {"sequence": "n", "uuid": "gen_random_uuid()"}.get(column, column) for column in columns
    )
    behind_the_apps_back(
        f"INSERT INTO audit_auditevent ({', '.join(columns)}) SELECT {copied} "
        "FROM audit_auditevent, generate_series(6, 50005) AS n WHERE sequence = 5"
    )
    behind_the_apps_back("UPDATE audit_auditevent SET reason = 'x' WHERE sequence = 2")
    assert verify().broken_at == 2
    assert verify().broken_at == 2
    services.record(system, action="audit.verify", outcome="failed")
    assert AuditEvent.objects.count() == 50006
