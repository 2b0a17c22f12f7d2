"""The alerts page: what was raised and where each went, open ones first; acknowledging and
snoozing one, by editors and admins alone, each recorded and sent once."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from secretsadmin.alerts import actions, services
from secretsadmin.alerts.config import channels
from secretsadmin.alerts.models import Alert, Delivery
from secretsadmin.audit.models import AuditEvent
from secretsadmin.config import Config
from secretsadmin.core import once
from tests.alerts.test_states import person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def two_channels(settings):
    """Alerts go to a webhook and a mailbox; nothing is sent here, as no watcher runs."""
    env = {
        "ALERT_CHANNELS": "ops,mail",
        "ALERT_CHANNEL_OPS_URL": "https://hooks.example.com/alerts",
        "ALERT_CHANNEL_OPS_SECRET": "whsec-page-0123456789abcdef",
        "ALERT_CHANNEL_MAIL_URL": "mailto:oncall@example.com",
    }
    settings.ALERT_CHANNELS = channels(Config(env))


def raise_one(subject: str = "www-example-com", kind: str = "expiry", **fields: str) -> Alert:
    values = {
        "provider": "gcore",
        "account": "prod",
        "subject": subject,
        "subject_id": f"id-{subject}",
        "threshold": "30d",
        "message": f"The certificate {subject} expires in 30 days.",
        **fields,
    }
    alert = services.raise_alert(kind, **values)
    assert alert is not None
    return alert


def post(client, path: str, data: dict[str, str] | None = None, **headers: str):
    """A post as the page's form sends it: its CSRF token and a fresh one-time token."""
    client.get("/alerts/")
    token = client.cookies["csrftoken"].value
    form = {"csrfmiddlewaretoken": token, once.FIELD: once.issue(), **(data or {})}
    return client.post(path, form, **headers)


def row_of(page: str, alert: Alert) -> str:
    found = re.search(rf'<li class="card alert [^"]*" id="alert-{alert.pk}".*?</li>', page, re.S)
    assert found, f"no row for alert {alert.pk}"
    return " ".join(found[0].split())


def test_the_list_shows_open_alerts_first_each_with_its_deliveries(viewer):
    taken = raise_one("taken-cert")
    put_off = raise_one("put-off-cert")
    gone = raise_one("gone-cert")
    waiting = raise_one("waiting-set", kind="set_status", provider="pipecat", threshold="failed")
    eddie = person("eddie")
    services.acknowledge(eddie, taken)
    services.snooze(eddie, put_off, timezone.now() + timedelta(days=1))
    services.resolve("expiry", "gcore", "prod", gone.subject_id)
    long_gone = raise_one("long-gone-cert")
    services.resolve("expiry", "gcore", "prod", long_gone.subject_id)
    Alert.objects.filter(pk=long_gone.pk).update(resolved_at=timezone.now() - timedelta(days=8))
    now = timezone.now()
    waiting.deliveries.filter(channel="ops").update(
        status=Delivery.Status.SENT, sent_at=now, attempts=1
    )
    waiting.deliveries.filter(channel="mail").update(
        status=Delivery.Status.FAILED,
        attempts=3,
        last_error="SMTPConnectError: connection refused by mail.example.com",
        last_error_at=now,
        next_attempt_at=now + timedelta(minutes=4),
    )

    page = viewer.get("/alerts/").text
    ids = [int(i) for i in re.findall(r'<li class="card alert [^"]*" id="alert-(\d+)"', page)]
    assert ids == [waiting.pk, put_off.pk, taken.pk, gone.pk]  # a week-old resolution is gone
    first = row_of(page, waiting)
    assert "Secret set failed to provision: waiting-set" in first
    assert "pipecat · prod" in first and "<code>failed</code>" in first
    assert re.search(r"<code>mail</code></td> <td><span class=\"badge badge-failed\">Failed", first)
    assert "SMTPConnectError: connection refused by mail.example.com" in first
    assert "Next try <time" in first and "in 3 min" in first
    assert re.search(r"<code>ops</code></td> <td><span class=\"badge badge-ready\">Sent", first)
    assert "Snoozed until" in row_of(page, put_off) and "in 23 h" in row_of(page, put_off)
    assert "Not sent while the alert is snoozed" in row_of(page, put_off)
    assert "Acknowledged by eddie" in row_of(page, taken)
    assert "Resolved <time" in row_of(page, gone)
    # A viewer only reads.
    assert "Acknowledge</button>" not in page and "Snooze</button>" not in page
    assert "<code>ops</code>: webhook https://hooks.example.com" in page
    assert "hooks.example.com/alerts" not in page  # a webhook's path may be its credential


def test_the_list_is_filtered_by_state_and_kind(viewer):
    certificate = raise_one("cert")
    raise_one("set", kind="set_status", threshold="failed")
    snoozed = raise_one("other-cert")
    services.snooze(person(), snoozed, timezone.now() + timedelta(hours=1))

    def listed(query: str) -> list[str]:
        page = viewer.get(f"/alerts/{query}").text
        return re.findall(r'id="alert-(\d+)-title"', page)

    assert listed("?kind=expiry&state=open") == [str(certificate.pk)]
    assert listed("?state=snoozed") == [str(snoozed.pk)]
    assert len(listed("?state=nonsense")) == 3  # an edited link lists them all
    empty = viewer.get("/alerts/?state=acknowledged").text
    assert "No alert of this state and kind" in empty and "Show every alert" in empty


def test_a_subject_links_to_its_page_where_there_is_one(viewer, pipecat_prod):
    on_pipecat = raise_one("voice-prod", kind="set_status", provider="pipecat", threshold="failed")
    elsewhere = raise_one("voice-other", kind="set_status", provider="pipecat", account="gone")
    page = viewer.get("/alerts/").text
    assert '<a href="/pipecat/prod/sets/voice-prod/">voice-prod</a>' in row_of(page, on_pipecat)
    assert "<a href" not in row_of(page, elsewhere)  # no such account here: no link


def test_acknowledging_is_recorded_and_changes_the_row(editor):
    alert = raise_one()
    answer = post(editor, f"/alerts/{alert.pk}/acknowledge/?state=open")
    assert answer.status_code == 302
    assert answer["Location"] == f"/alerts/?state=open#alert-{alert.pk}"
    page = editor.get("/alerts/").text
    assert "Alert on www-example-com acknowledged: nothing more is sent for it." in page
    assert "Acknowledged by eddie" in row_of(page, alert)
    assert "Acknowledge</button>" not in row_of(page, alert)
    [event] = AuditEvent.objects.filter(action=actions.ACKNOWLEDGE)
    assert (event.actor_username, event.outcome, event.target) == (
        "eddie",
        "succeeded",
        "www-example-com",
    )
    assert event.reason == "expiry alert, threshold 30d"


def test_snoozing_for_a_week_or_until_a_date_is_recorded(admin):
    for_a_week, until_then = raise_one("a-cert"), raise_one("b-cert")
    before = timezone.now()
    assert post(admin, f"/alerts/{for_a_week.pk}/snooze/", {"length": "1w"}).status_code == 302
    for_a_week.refresh_from_db()
    assert for_a_week.state == Alert.State.SNOOZED
    assert (
        before + timedelta(weeks=1)
        <= for_a_week.snoozed_until
        <= timezone.now() + timedelta(weeks=1)
    )
    day = (timezone.now() + timedelta(days=3)).date()
    data = {"length": "date", "until": day.isoformat()}
    assert post(admin, f"/alerts/{until_then.pk}/snooze/", data).status_code == 302
    until_then.refresh_from_db()
    assert until_then.snoozed_until == datetime(day.year, day.month, day.day, tzinfo=UTC)
    page = admin.get("/alerts/").text
    assert f"snoozed until {day.isoformat()} 00:00 UTC" in page
    reasons = AuditEvent.objects.filter(action=actions.SNOOZE).values_list("reason", flat=True)
    assert f"expiry alert, threshold 30d, until {day.isoformat()}T00:00:00+00:00" in reasons
    assert [event.actor_username for event in AuditEvent.objects.filter(action=actions.SNOOZE)] == [
        "ada",
        "ada",
    ]


def test_a_snooze_to_a_past_date_or_without_one_changes_nothing(editor):
    alert = raise_one()
    yesterday = (timezone.now() - timedelta(days=1)).date().isoformat()
    post(editor, f"/alerts/{alert.pk}/snooze/", {"length": "date", "until": yesterday})
    assert "snoozed until a time to come, not one past" in editor.get("/alerts/").text
    post(editor, f"/alerts/{alert.pk}/snooze/", {"length": "date"})
    assert "Choose the date the alert is snoozed until." in editor.get("/alerts/").text
    alert.refresh_from_db()
    assert alert.state == Alert.State.OPEN
    assert not AuditEvent.objects.filter(action=actions.SNOOZE).exists()


def test_a_resolved_alert_is_refused_with_why_and_nothing_changes(editor):
    alert = raise_one()
    services.resolve("expiry", "gcore", "prod", alert.subject_id)
    answer = post(editor, f"/alerts/{alert.pk}/acknowledge/")
    assert answer.status_code == 302
    page = editor.get("/alerts/").text
    assert "This alert cannot be acknowledged: it was resolved at" in page
    alert.refresh_from_db()
    assert (alert.state, alert.acknowledged_by) == (Alert.State.RESOLVED, "")
    assert not AuditEvent.objects.filter(action=actions.ACKNOWLEDGE).exists()


def test_a_form_sent_twice_acts_once(editor):
    alert = raise_one()
    editor.get("/alerts/")
    form = {"csrfmiddlewaretoken": editor.cookies["csrftoken"].value, once.FIELD: once.issue()}
    editor.post(f"/alerts/{alert.pk}/snooze/", {**form, "length": "1h"})
    editor.post(f"/alerts/{alert.pk}/snooze/", {**form, "length": "1h"})
    assert "This form was already sent" in editor.get("/alerts/").text
    assert AuditEvent.objects.filter(action=actions.SNOOZE).count() == 1


@pytest.mark.parametrize("persona", ["viewer", "auditor"])
def test_readers_cannot_acknowledge_or_snooze_and_are_recorded(persona, request):
    client = request.getfixturevalue(persona)
    alert = raise_one()
    for action, data in (("acknowledge", {}), ("snooze", {"length": "1h"})):
        path = f"/alerts/{alert.pk}/{action}/"
        answer = post(client, path, data)
        assert answer.status_code == 403
        assert "requires the editor role" in answer.text
        denial = AuditEvent.objects.get(action="auth.denied", target=f"POST {path}")
        assert denial.actor_username == {"viewer": "vera", "auditor": "audrey"}[persona]
    alert.refresh_from_db()
    assert alert.state == Alert.State.OPEN
    assert not AuditEvent.objects.filter(action__startswith="alerts.").exists()


def test_a_post_without_its_csrf_token_is_refused(editor):
    alert = raise_one()
    editor.get("/alerts/")
    answer = editor.post(f"/alerts/{alert.pk}/acknowledge/", {once.FIELD: once.issue()})
    assert answer.status_code == 403 and "came from another site" in answer.text
    alert.refresh_from_db()
    assert alert.state == Alert.State.OPEN
    assert AuditEvent.objects.get(action="auth.denied").error_code == "csrf"


def test_under_htmx_only_the_row_comes_back_with_its_toast(editor):
    alert, other = raise_one("a-cert"), raise_one("b-cert")
    answer = post(editor, f"/alerts/{alert.pk}/snooze/", {"length": "1d"}, HTTP_HX_REQUEST="true")
    assert answer.status_code == 200
    body = answer.text
    assert body.lstrip().startswith(f'<li class="card alert alert-snoozed" id="alert-{alert.pk}"')
    assert "<html" not in body and f'id="alert-{other.pk}"' not in body
    assert "Snoozed until" in body
    assert 'hx-swap-oob="beforeend"' in body and "Alert on a-cert snoozed until" in body
    assert once.FIELD in body  # the row's forms carry fresh tokens: it can be acted on again


def test_no_alert_says_what_alerts_there_are_and_where_they_would_go(viewer, settings):
    settings.ALERT_CHANNELS = []
    page = viewer.get("/alerts/").text
    assert "No alert" in page and "Secret set failed to provision" in page
    assert "No channel is configured (<code>ALERT_CHANNELS</code>)" in page
    assert 'as the README\'s "Alerts" section says' in page


def test_the_overview_counts_open_alerts_for_those_who_may_see_them(viewer, stranger):
    raise_one("a-cert")
    raise_one("b-cert")
    services.acknowledge(person(), raise_one("c-cert"))
    page = viewer.get("/").text
    assert '<strong id="open-alerts">2</strong> open alerts' in page
    assert 'href="/alerts/?state=open"' in page
    assert '<a href="/alerts/"' in page  # the navigation's link
    nobody = stranger.get("/").text
    assert "open-alerts" not in nobody and 'href="/alerts/"' not in nobody
