"""The review pages, as auditors and everyone else meet them."""

import json
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.utils import timezone

from secretsadmin.audit import chain, services
from secretsadmin.audit.models import AuditEvent
from tests.audit.conftest import csrf_headers
from tests.fixtures.urls import auditor_urls, sample_path

pytestmark = pytest.mark.django_db


def shown(response) -> list[int]:
    return [event.sequence for event in response.context["page"].events]


@pytest.fixture
def varied(system):
    """Events differing in each filtered field; returns their sequences by name."""
    alice = services.Actor(
        user_id=None,
        username="alice",
        email="alice@example.com",
        roles=("editor",),
        auth_method="sso",
        source_ip="192.0.2.7",
        user_agent="Firefox",
        request_id="req-a",
    )
    events = {
        "pipecat_ok": services.record(
            alice,
            action="pipecat.secret_set.upsert",
            outcome="succeeded",
            subject=services.Subject(
                provider="pipecat", account="acme", target="prod-keys", keys=("API_KEY",)
            ),
        ),
        "gcore_failed": services.record(
            system,
            action="gcore.secret.delete",
            outcome="failed",
            subject=services.Subject(
                provider="gcore", account="1234", region="76", target="tls-cert", target_id="9f1c"
            ),
            error_message="upstream timed out",
        ),
        "denied": services.record(
            alice,
            action="auth.denied",
            outcome="denied",
            subject=services.Subject(target="POST /pipecat/x"),
        ),
    }
    return {name: event.sequence for name, event in events.items()}


@pytest.mark.parametrize("persona", ["auditor", "admin"])
def test_auditors_read_the_log_newest_first(persona, request, varied):
    client = request.getfixturevalue(persona)
    response = client.get("/audit/")
    assert response.status_code == 200
    sequences = shown(response)
    assert sequences == sorted(sequences, reverse=True)
    assert {varied["pipecat_ok"], varied["gcore_failed"], varied["denied"]} <= set(sequences)
    assert "pipecat.secret_set.upsert" in response.text
    head = AuditEvent.objects.order_by("-sequence").first()
    assert head.hash in response.text


PEOPLE = {"viewer": "vera", "editor": "eddie", "stranger": "sam"}


AUDITORS_ONLY = [
    ("get", "/audit/"),
    ("get", "/audit/1/"),
    ("get", "/audit/export.csv"),
    ("get", "/audit/export.jsonl"),
    ("post", "/audit/verify"),
    ("post", "/audit/1/check/"),
    ("get", "/audit/streams/"),
]


def test_the_refusals_below_cover_every_url_of_the_log():
    assert sorted(sample_path(route) for route, _ in auditor_urls()) == sorted(
        path for _, path in AUDITORS_ONLY
    )


@pytest.mark.parametrize("persona", PEOPLE)
@pytest.mark.parametrize("method,path", AUDITORS_ONLY)
def test_everyone_else_is_refused_and_the_refusal_recorded(persona, method, path, request, log):
    client = request.getfixturevalue(persona)
    kwargs = csrf_headers(client) if method == "post" else {}
    response = getattr(client, method)(path, **kwargs)
    assert response.status_code == 403
    denial = AuditEvent.objects.order_by("-sequence").first()
    assert (denial.action, denial.outcome, denial.target) == (
        "auth.denied",
        "denied",
        f"{method.upper()} {path}",
    )
    assert denial.actor_username == PEOPLE[persona]
    done = ["audit.export", "audit.verify", "audit.value_check"]
    assert not AuditEvent.objects.filter(action__in=done).exists()


def test_the_anonymous_are_sent_to_sign_in(client, log):
    response = client.get("/audit/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    "query,expected",
    [
        ("action=gcore.secret.delete", ["gcore_failed"]),
        ("provider=pipecat", ["pipecat_ok"]),
        ("account=1234", ["gcore_failed"]),
        ("target=prod-keys", ["pipecat_ok"]),
        ("target=9f1c", ["gcore_failed"]),
        ("outcome=denied", ["denied"]),
        ("actor=alice", ["denied", "pipecat_ok"]),
        ("actor=alice@example.com&outcome=succeeded", ["pipecat_ok"]),
        ("request_id=req-a", ["denied", "pipecat_ok"]),
        ("q=TIMED+OUT", ["gcore_failed"]),
        ("q=api_key", ["pipecat_ok"]),
        ("action=nothing.like.this", []),
    ],
)
def test_filters_narrow_the_list(auditor, varied, query, expected):
    response = auditor.get(f"/audit/?{query}")
    assert response.status_code == 200
    assert shown(response) == [varied[name] for name in expected]


def test_a_time_range_selects_events_by_when_they_happened(auditor, system):
    earlier = timezone.now() - timedelta(days=2)
    with mock.patch("django.utils.timezone.now", return_value=earlier):
        old = services.record(system, action="gcore.secret.create", outcome="succeeded")
    new = services.record(system, action="gcore.secret.create", outcome="succeeded")
    local = timezone.localtime(earlier + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    assert shown(auditor.get(f"/audit/?since={local}&action=gcore.secret.create")) == [new.sequence]
    assert shown(auditor.get(f"/audit/?until={local}&action=gcore.secret.create")) == [old.sequence]


@pytest.mark.parametrize(
    "query,message",
    [
        ("since=yesterday", "Enter a date and time"),
        ("since=2026-02-02T10:00&until=2026-02-01T10:00", "Must be later than"),
        ("outcome=maybe", "Select a valid choice"),
        ("before=-3", "greater than or equal to 1"),
    ],
)
def test_bad_filters_are_explained(auditor, log, query, message):
    response = auditor.get(f"/audit/?{query}")
    assert message in response.text
    assert response.context["page"] is None


@pytest.mark.parametrize("query", ["since=0001-01-01T00:00", "until=9999-12-31T23:59"])
def test_a_date_at_the_end_of_time_is_refused_not_a_crash(auditor, log, query, settings):
    settings.TIME_ZONE = "Europe/Paris"  # UTC is an hour away: past year 1 or 9999
    for path, status in (("/audit/", 200), ("/audit/export.csv", 400)):
        response = auditor.get(f"{path}?{query}")
        assert response.status_code in (200, 400)
        assert response.status_code == status  # the page shows the form; the export refuses
        assert "Enter a date from 1970 to 9998." in response.text


def test_htmx_gets_only_the_results(auditor, log):
    response = auditor.get("/audit/?provider=", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="results"')
    assert "<html" not in response.text
    assert "event 4" in response.text


def test_the_filter_form_works_with_and_without_javascript(auditor, log):
    page = auditor.get("/audit/").text
    assert 'method="get" action="/audit/"' in page
    assert 'hx-get="/audit/"' in page
    assert 'hx-push-url="true"' in page


def test_pages_walk_the_whole_log_without_gaps(auditor, system):
    made = [
        services.record(system, action="gcore.secret.create", outcome="succeeded").sequence
        for _ in range(120)
    ][::-1]
    query = "/audit/?action=gcore.secret.create"
    first = auditor.get(query)
    assert shown(first) == made[:50]
    assert first.context["page"].newer is None
    second = auditor.get(f"{query}&before={first.context['page'].older}")
    assert shown(second) == made[50:100]
    third = auditor.get(f"{query}&before={second.context['page'].older}")
    assert shown(third) == made[100:]
    assert third.context["page"].older is None
    back = auditor.get(f"{query}&after={third.context['page'].newer}")
    assert shown(back) == made[50:100]
    assert f"before={made[49]}" in first.text


def test_the_detail_page_links_an_attempt_and_its_outcome(auditor, system):
    started = services.attempt(
        system,
        action="gcore.secret.create",
        subject=services.Subject(target="tls-cert"),
    )
    outcome = services.conclude(started, outcome="succeeded", upstream_status=201)
    attempt_page = auditor.get(f"/audit/{started.sequence}/")
    assert attempt_page.status_code == 200
    assert f'href="/audit/{outcome.sequence}/"' in attempt_page.text
    assert started.hash in attempt_page.text
    outcome_page = auditor.get(f"/audit/{outcome.sequence}/")
    assert f'href="/audit/{started.sequence}/"' in outcome_page.text
    assert auditor.get("/audit/999/").status_code == 404


def test_an_attempt_left_without_outcome_shows_as_unknown(auditor, system):
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() - timedelta(hours=1)):
        stale = services.attempt(
            system,
            action="gcore.secret.delete",
            subject=services.Subject(target="tls-cert"),
        )
    fresh = services.attempt(
        system,
        action="gcore.secret.delete",
        subject=services.Subject(target="other"),
    )
    listed = auditor.get("/audit/?action=gcore.secret.delete")
    outcomes = {e.sequence: e.shown_outcome for e in listed.context["page"].events}
    assert outcomes == {stale.sequence: "unknown", fresh.sequence: "attempted"}
    assert shown(auditor.get("/audit/?outcome=unknown")) == [stale.sequence]
    assert "the provider's state decides" in auditor.get(f"/audit/{stale.sequence}/").text
    assert AuditEvent.objects.get(sequence=stale.sequence).outcome == "attempted"


def test_csv_export_streams_the_filtered_events_and_is_recorded(auditor, varied):
    response = auditor.get("/audit/export.csv?provider=gcore")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].endswith('.csv"')
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0].startswith("sequence,uuid,time,")
    assert len(lines) == 2
    assert lines[1].startswith(f"{varied['gcore_failed']},")
    assert "upstream timed out" in lines[1]
    started, finished = AuditEvent.objects.filter(action="audit.export").order_by("sequence")
    assert (started.outcome, started.actor_username) == ("attempted", "audrey")
    assert started.target == "csv provider=gcore"
    assert (finished.outcome, finished.attempt_id) == ("succeeded", started.sequence)


def test_jsonl_export_lines_can_be_verified_one_by_one(auditor, log):
    response = auditor.get("/audit/export.jsonl")
    assert response["Content-Type"].startswith("application/jsonl")
    rows = [json.loads(line) for line in b"".join(response.streaming_content).splitlines()]
    # Everything up to the export's own record; that one is appended after it began.
    assert [row["sequence"] for row in rows] == list(range(1, len(rows) + 1))
    assert all(chain.digest(row) == row["hash"] for row in rows)
    export = AuditEvent.objects.get(action="audit.export", outcome="attempted")
    assert rows[-1]["sequence"] == export.sequence - 1


def test_an_export_that_cannot_be_recorded_is_not_made(auditor, log, failing_disk):
    response = auditor.get("/audit/export.csv")
    assert response.status_code == 503
    assert "cannot be written" in response.text


def test_verify_button_reports_and_is_recorded(auditor, log):
    response = auditor.post("/audit/verify", HTTP_HX_REQUEST="true", **csrf_headers(auditor))
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="verification"')
    assert "Verified" in response.text
    recorded = AuditEvent.objects.order_by("-sequence").first()
    assert (recorded.action, recorded.outcome, recorded.actor_username) == (
        "audit.verify",
        "succeeded",
        "audrey",
    )
    assert recorded.target_id == AuditEvent.objects.get(sequence=recorded.sequence - 1).hash
    assert recorded.target_id in response.text


def test_verify_button_shows_where_the_chain_breaks(auditor, log, behind_the_apps_back):
    behind_the_apps_back("UPDATE audit_auditevent SET target = 'forged' WHERE sequence = 3")
    response = auditor.post("/audit/verify", **csrf_headers(auditor))
    assert "broken at event #3" in response.text
    assert AuditEvent.objects.order_by("-sequence").first().outcome == "failed"


def test_verify_without_csrf_token_is_refused(auditor, log):
    assert auditor.post("/audit/verify").status_code == 403


@pytest.mark.parametrize(("zone", "local"), [("UTC", "09:30"), ("Europe/Paris", "10:30")])
def test_the_date_filters_say_which_time_zone_they_read(auditor, system, settings, zone, local):
    settings.TIME_ZONE = zone
    at = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
    with mock.patch("django.utils.timezone.now", return_value=at):
        event = services.record(system, action="gcore.secret.create", outcome="succeeded")
    page = auditor.get("/audit/").text
    assert f'<label for="id_since">From ({zone})</label>' in page
    assert f'<label for="id_until">Until ({zone})</label>' in page
    # 09:30 UTC is 10:30 in Paris in January: the time typed is read as the label says.
    assert event.sequence in shown(auditor.get(f"/audit/?since=2026-01-15T{local}"))
    assert event.sequence not in shown(auditor.get(f"/audit/?until=2026-01-15T{local}"))
