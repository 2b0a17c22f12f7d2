"""The action filter: the names the log holds are offered, and a name's beginning selects every
action it begins, so `pipecat` finds Pipecat's changes without knowing their exact names."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from secretsadmin.audit import actions, services

pytestmark = pytest.mark.django_db

NAMES = (
    "pipecat.secret_set.upsert",
    "pipecat.secret_set.delete",
    "pipecat.secret_key.delete",
    "gcore.secret.create",
    "gcore.secret.create_many",  # begins with another name: no code writes it yet
    "audit.export",
)


@pytest.fixture
def by_action(system):
    """One event of each of NAMES; their sequences by name."""
    return {
        name: services.record(system, action=name, outcome="succeeded").sequence for name in NAMES
    }


def shown(response) -> list[int]:
    return [event.sequence for event in response.context["page"].events]


def sequences(by_action, *names) -> list[int]:
    return sorted((by_action[name] for name in names), reverse=True)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("pipecat", NAMES[:3]),
        ("pipecat.secret_set", NAMES[:2]),
        ("pipecat.secret_set.", NAMES[:2]),
        ("pipecat.secret_set.upsert", NAMES[:1]),
        ("PipeCat", NAMES[:3]),
        ("pipe", NAMES[:3]),  # as it is typed, the list narrows at each letter
        ("gcore.secret.cr", NAMES[3:5]),
        ("gcore.secret.create", NAMES[3:4]),  # a whole name is that action alone
        ("pipecat.secret_set.upsert.x", ()),
        ("secret_set", ()),  # the beginning of a name, not any part of it
    ],
)
def test_an_action_filter_selects_the_names_it_begins(auditor, by_action, typed, expected):
    response = auditor.get("/audit/", {"action": typed})
    assert response.status_code == 200
    assert shown(response) == sequences(by_action, *expected)


def test_an_export_by_a_family_holds_the_whole_family(auditor, by_action):
    response = auditor.get("/audit/export.csv?action=pipecat.secret_set")
    lines = b"".join(response.streaming_content).decode().splitlines()[1:]
    assert [int(line.split(",")[0]) for line in lines] == sorted(
        by_action[name] for name in NAMES[:2]
    )


def test_the_page_offers_the_names_the_log_holds_and_their_families(auditor, by_action):
    page = auditor.get("/audit/").text
    assert 'list="action-names"' in page
    datalist = re.search(r'<datalist id="action-names">(.*?)</datalist>', page).group(1)
    offered = re.findall(r'<option value="([^"]+)">', datalist)
    families = {"pipecat", "pipecat.secret_set", "pipecat.secret_key", "gcore", "gcore.secret"}
    own_sign_in = {"auth.login", "auth"}
    assert offered == sorted({*NAMES, "audit", *families, *own_sign_in})
    assert "A name or its beginning" in page


def test_the_results_alone_do_not_read_the_names(auditor, by_action):
    """A keystroke in a filter asks for the results only, which need no list of names."""
    with CaptureQueriesContext(connection) as whole:
        auditor.get("/audit/")
    with CaptureQueriesContext(connection) as results:
        auditor.get("/audit/", HTTP_HX_REQUEST="true")
    assert sum("RECURSIVE" in query["sql"] for query in whole.captured_queries) == 1
    assert sum("RECURSIVE" in query["sql"] for query in results.captured_queries) == 0


def test_an_empty_log_offers_nothing(db):
    assert actions.held() == []
    assert actions.offered() == []


def test_the_names_are_read_from_the_action_index_one_probe_each(by_action):
    """Not a DISTINCT over the whole log: on a million events that reads a million entries."""
    sql = actions.HELD.format(table="audit_auditevent")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")  # few rows: it would read them all
            cursor.execute(f"EXPLAIN {sql}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "Index Only Scan using audit_action_idx" in plan, plan
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            plan = "\n".join(str(row[-1]) for row in cursor.fetchall())
            assert "SEARCH e USING COVERING INDEX audit_action_idx (action>?)" in plan, plan
        assert "SCAN audit_auditevent\n" not in plan + "\n", plan
