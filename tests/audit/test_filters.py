"""The review page's filters at any size of log: each reads by keyset, through indexes (issue 11).

A filter met in one of several ways (an actor's name or email, a target's name or id, an action
family, `unknown`) is read as several index walks merged; a time filter reads only the blocks of
sequences its times overlap; on SQLite a text is looked up in the trigram table first. These
tests check that what is shown is still exactly what matches, in order, page after page."""

import uuid
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone

from secretsadmin.audit import export, selectors, services
from secretsadmin.audit.models import TIME_BLOCK, AuditEvent, TimeBlock

pytestmark = pytest.mark.django_db


def person(username: str, email: str = "") -> services.Actor:
    return services.Actor(
        user_id=None,
        username=username,
        email=email or f"{username}@example.com",
        roles=("editor",),
        auth_method="sso",
        source_ip="192.0.2.1",
        user_agent="Firefox",
        request_id=f"req-{username}",
    )


def record(who: services.Actor, action: str = "auth.login", **about) -> int:
    outcome = about.pop("outcome", "succeeded")
    reason = about.pop("reason", "")
    return services.record(
        who, action=action, outcome=outcome, subject=services.Subject(**about), reason=reason
    ).sequence


def walk_all(found: selectors.Selection, size: int) -> list[int]:
    """Every event of a selection, page by page as the Older links lead, newest first."""
    shown, before = [], None
    while True:
        page = selectors.page(found, before=before, size=size)
        shown += [event.sequence for event in page.events]
        if page.older is None:
            return shown
        before = page.older


def walk_back(found: selectors.Selection, size: int) -> list[int]:
    """From the oldest page back up, as the Newer links lead."""
    page = selectors.page(found, after=0, size=size)
    shown = []
    while True:
        shown = [event.sequence for event in page.events] + shown
        if page.newer is None:
            return shown
        page = selectors.page(found, after=page.newer, size=size)


def test_an_actor_is_found_by_name_or_email_once_each_in_order(system):
    ann = person("ann")
    same = person("bo@example.com", email="bo@example.com")  # a name that is an email
    expected = []
    for n in range(9):
        record(system, target=f"noise {n}")
        expected.append(record(ann if n % 2 else person("x", email="ann")))
        if n % 3 == 0:
            record(same)
    assert walk_all(selectors.events(actor="ann"), size=2) == expected[::-1]
    assert walk_back(selectors.events(actor="ann"), size=4) == expected[::-1]
    bo = AuditEvent.objects.filter(actor_username="bo@example.com").values_list("sequence")
    assert walk_all(selectors.events(actor="bo@example.com"), size=2) == [s for (s,) in bo]


def test_an_action_family_interleaves_its_names_in_order(system):
    made = []
    for n in range(12):
        action = ["pipecat.secret_set.upsert", "pipecat.secret_key.delete", "auth.login"][n % 3]
        sequence = record(system, action=action, target=f"t{n}")
        if action.startswith("pipecat."):
            made.append(sequence)
    found = selectors.events(action="pipecat")
    assert len(found.arms) == 2
    assert walk_all(found, size=3) == made[::-1]
    assert walk_back(found, size=5) == made[::-1]


def test_filters_met_in_several_ways_combine(system):
    ann = person("ann")
    wanted = [
        record(ann, target="prod-keys", action="pipecat.secret_set.upsert"),
        record(person("z", email="ann"), target_id="prod-keys", action="pipecat.secret_key.delete"),
    ]
    record(ann, target="prod-keys", action="auth.login")  # not of the family
    record(ann, target="other", action="pipecat.secret_set.upsert")  # not the target
    record(person("bob"), target="prod-keys", action="pipecat.secret_set.upsert")  # not ann
    found = selectors.events(actor="ann", target="prod-keys", action="pipecat")
    assert walk_all(found, size=1) == wanted[::-1]


def test_unknown_merges_unknown_outcomes_and_attempts_left_too_long(system):
    hour_ago = timezone.now() - timedelta(hours=1)
    expected = []
    for n in range(4):
        with mock.patch("django.utils.timezone.now", return_value=hour_ago):
            left = services.attempt(
                system, action="gcore.secret.delete", subject=services.Subject()
            )
            settled = services.attempt(
                system, action="gcore.secret.delete", subject=services.Subject()
            )
        services.conclude(settled, outcome="succeeded")
        timed_out = services.attempt(
            system, action="gcore.secret.delete", subject=services.Subject()
        )
        unknown = services.conclude(timed_out, outcome="unknown")
        expected += [left.sequence, unknown.sequence]
    services.attempt(system, action="gcore.secret.delete", subject=services.Subject())  # recent
    assert walk_all(selectors.events(outcome="unknown"), size=3) == expected[::-1]
    assert walk_back(selectors.events(outcome="unknown"), size=3) == expected[::-1]


def test_an_action_matching_no_name_matches_nothing(log):
    found = selectors.events(action="nothing.like.this")
    assert found.arms == ()
    assert selectors.page(found).events == []
    assert list(found) == []


def add_events(count: int, *, like: int, start: int, time_of) -> None:
    """`count` copies of event `like` at sequences from `start`, with times `time_of(n)`: a log
    spanning many time blocks, written as an operator's bulk load would (the log's triggers keep
    its summaries all the same; the chain is not the point here)."""
    columns = [f.column for f in AuditEvent._meta.concrete_fields]
    copied = [c for c in columns if c not in ("sequence", "uuid", "time")]
    uuid_field = AuditEvent._meta.get_field("uuid")
    rows = [
        [
            start + n,
            uuid_field.get_db_prep_value(uuid.uuid4(), connection),
            connection.ops.adapt_datetimefield_value(time_of(n)),
            like,
        ]
        for n in range(count)
    ]
    sql = (
        f"INSERT INTO audit_auditevent (sequence, uuid, time, {', '.join(copied)}) "
        f"SELECT %s, %s, %s, {', '.join(copied)} FROM audit_auditevent WHERE sequence = %s"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def test_each_append_widens_its_time_block(system):
    now = timezone.now()
    first = record(system)
    with mock.patch("django.utils.timezone.now", return_value=now - timedelta(days=3)):
        late_clock = record(system)
    block = TimeBlock.objects.get(block=first // TIME_BLOCK)
    assert late_clock // TIME_BLOCK == block.block
    stored = AuditEvent.objects.filter(sequence__in=[first, late_clock])
    assert block.earliest == min(e.time for e in stored)
    assert block.latest == max(e.time for e in stored)


def test_a_time_filter_reads_only_the_blocks_it_overlaps_and_misses_nothing(system):
    start = timezone.now() - timedelta(days=10)
    like = record(system, action="gcore.secret.create", target="bulk")  # block 0, now
    # Blocks 1 to 3: an event an hour, from ten days ago.
    add_events(3 * TIME_BLOCK, like=like, start=TIME_BLOCK, time_of=lambda n: start + n * HOUR)
    # Block 4: one event whose clock ran late, then events of now.
    late = 4 * TIME_BLOCK
    add_events(1, like=like, start=late, time_of=lambda n: start + 100 * HOUR + MINUTE)
    add_events(5, like=like, start=late + 1, time_of=lambda n: timezone.now())
    since, until = start + 100 * HOUR, start + 103 * HOUR
    found = selectors.events(since=since, until=until)
    assert found.spans == ((TIME_BLOCK, 2 * TIME_BLOCK - 1), (late, late + TIME_BLOCK - 1))
    expected = [late, TIME_BLOCK + 102, TIME_BLOCK + 101, TIME_BLOCK + 100]
    assert walk_all(found, size=3) == expected
    assert walk_back(found, size=2) == expected
    assert walk_all(selectors.events(since=since, until=until, target="bulk"), size=3) == expected
    before = selectors.events(since=start - 10 * HOUR, until=start)
    assert before.spans == () and walk_all(before, size=3) == []


HOUR, MINUTE = timedelta(hours=1), timedelta(minutes=1)


def test_an_export_is_read_a_chunk_at_a_time_without_gaps(system, monkeypatch):
    monkeypatch.setattr(export, "FIRST", 2)
    monkeypatch.setattr(export, "CHUNK", 3)
    ann = person("ann")
    wanted = [record(ann if n % 2 else person("y", email="ann"), target=f"e{n}") for n in range(8)]
    record(system, target="not ann")
    lines = list(export.jsonl(selectors.events(actor="ann")))
    assert [int(line.split('"sequence":')[1].split(",")[0]) for line in lines] == wanted


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the trigram table is SQLite's")
def test_a_common_text_read_window_by_window_then_checked_on_the_other_filters(system, monkeypatch):
    """The trigram table names a common text's events a window at a time; when a few windows
    hold too few of the other filters' events, the rest is checked on those events instead."""
    monkeypatch.setattr(selectors, "TEXT_WINDOW", 2)
    monkeypatch.setattr(selectors, "TEXT_WINDOWS", 2)
    ann = person("ann")
    wanted = []
    for n in range(10):
        record(person("bob"), reason=f"common text {n}")
        sequence = record(ann, reason=f"common text {n}")
        if n % 4 == 0:
            wanted.append(sequence)
        else:
            record(ann, reason="other")
    found = selectors.events(q="COMMON TEXT", actor="ann")
    assert found.text == "COMMON TEXT"
    of_ann = AuditEvent.objects.filter(actor_username="ann", reason__contains="common")
    ann_common = [sequence for (sequence,) in of_ann.values_list("sequence")]
    assert walk_all(found, size=2) == ann_common
    assert walk_back(found, size=3) == ann_common
    assert walk_all(selectors.events(q="xt 4"), size=1) == [
        e.sequence for e in AuditEvent.objects.filter(reason="common text 4").order_by("-sequence")
    ]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the trigram table is SQLite's")
def test_search_works_without_the_trigram_table(system):
    """What an SQLite built without FTS5 gets (migration 0006 skipped): the same events."""
    wanted = record(system, reason="a needle here")
    record(system, reason="hay")
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER audit_search_on_append")
        cursor.execute("DROP TABLE audit_search")
    found = selectors.events(q="NEEDLE")
    assert found.text == ""
    assert [e.sequence for e in found] == [wanted]
    assert selectors.events(q="ne").text == ""  # too short for trigrams, wherever


# Each filter alone and a few together, as the review page sends them.
PLANNED = {
    "no filter": {},
    "actor": {"actor": "ann"},
    "target": {"target": "prod-keys"},
    "action": {"action": "auth.login"},
    "action family": {"action": "pipecat"},
    "provider": {"provider": "gcore"},
    "account": {"account": "acme"},
    "request id": {"request_id": "req-1"},
    "outcome": {"outcome": "failed"},
    "unknown": {"outcome": "unknown"},
    "time": {"since": "since", "until": "until"},
    "since": {"since": "since"},
    "text": {"q": "needle"},
    "operation": {"operation": 2},
    "actor + outcome": {"actor": "ann", "outcome": "failed"},
    "action family + time": {"action": "pipecat", "since": "since", "until": "until"},
    "unknown + provider": {"outcome": "unknown", "provider": "pipecat"},
    "text + actor": {"q": "needle", "actor": "ann"},
}


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the plans are SQLite's")
@pytest.mark.parametrize("filters", PLANNED.values(), ids=PLANNED.keys())
def test_every_read_walks_an_index_in_order_and_stops(system, filters):
    """Each query a page runs walks an index in the order of sequence, so it stops after a
    page of matches, and reads no table without an index: no 'SCAN' but through an index, no
    sort of every match ('TEMP B-TREE')."""
    for action in ("auth.login", "pipecat.secret_set.upsert", "pipecat.secret_key.delete"):
        record(person("ann"), action=action, target="prod-keys", reason="needle")
    now = timezone.now()
    times = {"since": now - timedelta(days=1), "until": now + timedelta(days=1)}
    found = selectors.events(**{k: times.get(v, v) for k, v in filters.items()})
    head = AuditEvent.objects.order_by("-sequence").first().sequence
    queries = [
        *found.walks(51, None, head),
        *found.walks(51, 1, None, descending=False),
        *found.walks(51, None, head, among=[1, 2, 3]),
    ]
    for query in queries:
        plan = plan_of(query)
        scans = [step for step in plan if step.startswith("SCAN") and "INDEX" not in step]
        assert not scans, plan
        assert not [step for step in plan if "TEMP B-TREE" in step], plan


def plan_of(query) -> list[str]:
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return [row[-1] for row in cursor.fetchall()]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the statistics are SQLite's")
@pytest.mark.parametrize(
    "filters,indexes",
    [
        ({"request_id": "req-1", "outcome": "succeeded"}, ["audit_request_id_idx"]),
        (
            {"provider": "pipecat", "account": "acme", "target": "prod-keys"},
            ["audit_target_idx", "audit_target_id_idx"],
        ),
        ({"actor": "ann", "provider": "gcore"}, ["audit_actor_user_idx", "audit_actor_emai_idx"]),
        ({"action": "auth.login", "outcome": "failed"}, ["audit_action_idx"]),
    ],
    ids=["request id", "target", "actor", "action"],
)
def test_several_filters_walk_the_rarest_ones_index(log, filters, indexes):
    """SQLite gathers no statistics unless told to, and without them takes any filter's index:
    a common provider's rather than a rare request id's. Migration 0005 gives it a typical
    log's, so it walks the index of the filter the fewest events share."""
    walks = selectors.events(**filters).walks(51, None, None)
    assert [next(s for s in plan_of(walk) if "INDEX" in s).split()[4] for walk in walks] == indexes
