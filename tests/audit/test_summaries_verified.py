"""The filters read summaries the chain does not cover; verification compares them with the log,
so someone who may write them cannot hide an event from a filter while the chain verifies."""

import pytest
from django.db import connection

from secretsadmin.audit import selectors, services
from secretsadmin.audit.verify import verify

pytestmark = pytest.mark.django_db
SET = services.Subject(provider="pipecat", account="prod", target="voice-prod")


@pytest.fixture
def open_attempt(log, system):
    """An attempt nobody concluded, after the five events of `log`."""
    return services.attempt(system, action="pipecat.secret_set.upsert", subject=SET, reason="r")


def test_an_untouched_log_and_its_summaries_verify(open_attempt):
    assert verify().ok


def test_an_open_attempt_dropped_from_its_summary_fails_verification(
    open_attempt, behind_the_apps_back
):
    behind_the_apps_back("DELETE FROM audit_openattempt")
    result = verify()
    assert (result.ok, result.broken_at) == (False, open_attempt.sequence)
    assert "'outcome unknown' filter would not show it" in result.problem


def test_a_time_block_narrowed_fails_verification(open_attempt, behind_the_apps_back):
    behind_the_apps_back(
        "UPDATE audit_timeblock SET latest = earliest - interval '1 day'"
        if connection.vendor == "postgresql"
        else "UPDATE audit_timeblock SET latest = '2000-01-01 00:00:00'"
    )
    result = verify()
    assert not result.ok and "time filters would not show it" in result.problem


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's own search table")
def test_an_event_dropped_from_the_search_table_fails_verification(
    open_attempt, behind_the_apps_back
):
    behind_the_apps_back("DROP TABLE audit_search")
    behind_the_apps_back(
        "CREATE VIRTUAL TABLE audit_search "
        "USING fts5(text, content='', tokenize='trigram', detail=none)"
    )
    assert not selectors.page(selectors.events(q="voice-prod")).events  # hidden indeed
    result = verify()
    assert (result.ok, result.broken_at) == (False, 1)
    assert "text search would not find it" in result.problem


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite rebuilds tables, dropping them")
def test_the_summaries_triggers_gone_fail_verification(open_attempt, behind_the_apps_back):
    behind_the_apps_back("DROP TRIGGER audit_summaries_on_append")
    result = verify()
    assert not result.ok
    assert "audit_summaries_on_append keeping the filters' summaries is gone" in result.problem


def test_a_time_moved_before_christ_fails_verification(log, behind_the_apps_back):
    if connection.vendor == "postgresql":
        sql = (
            "UPDATE audit_auditevent SET time = (to_char(time AT TIME ZONE 'UTC', "
            "'YYYY-MM-DD HH24:MI:SS.US') || '+00 BC')::timestamptz WHERE sequence = 3"
        )
    else:
        sql = "UPDATE audit_auditevent SET time = '-' || time WHERE sequence = 3"
    behind_the_apps_back(sql)
    assert (verify().ok, verify().broken_at) == (False, 3)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite keeps times as text")
def test_a_time_written_in_another_shape_fails_verification(log, behind_the_apps_back):
    """`T` for the space still reads as the same time, but sorts apart from it."""
    behind_the_apps_back(
        "UPDATE audit_auditevent SET time = substr(time, 1, 10) || 'T' || substr(time, 12) "
        "WHERE sequence = 3"
    )
    assert (verify().ok, verify().broken_at) == (False, 3)
