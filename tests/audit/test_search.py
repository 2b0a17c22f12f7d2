"""The free-text search (`q`): a match in any searched field, ignoring case, on both databases;
on PostgreSQL served by the trigram index of migration 0003."""

import pytest
from django.db import connection

from secretsadmin.audit import selectors, services

pytestmark = pytest.mark.django_db

# Where each searched field can be set through services.record (the actor's come from the actor).
RECORD_ARGS = ("account", "target", "target_id", "error_code", "error_message", "reason")


def found(q: str) -> list[int]:
    return [event.sequence for event in selectors.events(q=q)]


def actor(username="bob", email="bob@example.com") -> services.Actor:
    return services.Actor(
        user_id=None,
        username=username,
        email=email,
        roles=("editor",),
        auth_method="sso",
        source_ip="192.0.2.1",
        user_agent="Firefox",
        request_id="req-search",
    )


def record(
    who=None,
    action="pipecat.secret_set.upsert",
    error_code="",
    error_message="",
    reason="",
    **about,
) -> int:
    about["keys"] = tuple(about.get("keys", ()))
    return services.record(
        who or actor(),
        action=action,
        outcome="succeeded",
        subject=services.Subject(**about),
        error_code=error_code,
        error_message=error_message,
        reason=reason,
    ).sequence


@pytest.fixture
def noise(system):
    """Events that match none of the searches below."""
    return [record(target=f"other-{n}", keys=["OTHER"]) for n in range(3)]


@pytest.mark.parametrize("field", RECORD_ARGS)
def test_a_match_in_each_searched_field_is_found_ignoring_case(noise, field):
    sequence = record(**{field: "before Needle-42 after"})
    assert found("needle-42") == [sequence]
    assert found("NEEDLE-42") == [sequence]


def test_a_match_in_the_action_the_actor_or_the_keys_is_found(noise):
    by_action = record(action="gcore.Needle.create")
    by_username = record(actor(username="needle-user"))
    by_email = record(actor(email="someone@needle.example"))
    by_key = record(keys=["NEEDLE_KEY"])
    assert found("NEEDLE.create") == [by_action]
    assert found("Needle-User") == [by_username]
    assert found("@NEEDLE.example") == [by_email]
    assert found("needle_key") == [by_key]
    assert found("needle") == [by_key, by_email, by_username, by_action]


def test_a_search_does_not_span_two_fields(noise):
    record(account="acme", target="prod-keys")
    assert found("acmeprod") == []
    assert found("acme prod") == []
    assert found("acme\x1fprod") == []  # the separator itself: the plain search, no match


def test_wildcards_are_searched_for_as_text(noise):
    percent = record(reason="raised 50% of the quota")
    record(reason="raised 500 of the quota")
    underscore = record(target="a_b")
    record(target="axb")
    assert found("50%") == [percent]
    assert found("a_b") == [underscore]
    assert found("%") == [percent]


def test_unicode_is_matched(noise):
    sequence = record(reason="Überprüfung fehlgeschlagen")
    assert found("Überprüfung FEHLGESCHLAGEN") == [sequence]
    if connection.vendor == "postgresql":  # SQLite's LIKE ignores the case of ASCII only
        assert found("überprüfung") == [sequence]
        assert found("ÜBERPRÜFUNG") == [sequence]


def test_the_search_pages_newest_first(system):
    sequences = [record(target=f"page-me {n}") for n in range(7)]
    page = selectors.page(selectors.events(q="PAGE-ME"), size=3)
    assert [e.sequence for e in page.events] == sequences[::-1][:3]
    older = selectors.page(selectors.events(q="page-me"), before=page.older, size=3)
    assert [e.sequence for e in older.events] == sequences[::-1][3:6]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigram index is PostgreSQL's")
def test_on_postgresql_the_trigram_index_serves_the_search(noise):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = 'audit_search_trgm_idx'")
        if cursor.fetchone() is None:
            pytest.skip("pg_trgm could not be installed, so migration 0003 skipped the index")
        # Few rows: the planner would rather read them all. Forbid that to see if it could not.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        [walk] = selectors.events(q="needle").walks(selectors.PAGE_SIZE, None, None)
        sql, params = walk.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "audit_search_trgm_idx" in plan, plan
