"""Acknowledging, snoozing and resolving an alert: what is sent after each, and what the audit
log says of who did it."""

import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from secretsadmin.alerts import actions, services
from secretsadmin.alerts.models import Alert, Delivery
from secretsadmin.audit.models import AuditEvent
from secretsadmin.audit.services import Actor
from tests.alerts.conftest import Receiver
from tests.alerts.test_delivery import raise_expiry, thresholds, webhook

pytestmark = pytest.mark.django_db(transaction=True)


def person(name: str = "eddie") -> Actor:
    return Actor(
        user_id=None,
        username=name,
        email=f"{name}@example.com",
        roles=("editor",),
        auth_method="password",
        source_ip="192.0.2.7",
        user_agent="test",
        request_id="req-1",
    )


def watch_once() -> None:
    call_command("watch", "--once")


def failing_then_back(settings, receiver: Receiver) -> Alert:
    """An alert whose first try failed; the channel answers again, the retry due."""
    webhook(settings, receiver)
    receiver.status = 503
    alert = raise_expiry()
    assert alert is not None
    watch_once()
    receiver.status = 200
    time.sleep(0.3)
    return alert


def test_an_acknowledged_alert_is_recorded_and_sent_no_more(settings, receiver):
    alert = failing_then_back(settings, receiver)
    acknowledged = services.acknowledge(person(), alert)
    assert acknowledged.state == Alert.State.ACKNOWLEDGED
    assert acknowledged.acknowledged_by == "eddie" and acknowledged.acknowledged_at is not None
    watch_once()
    assert receiver.accepted == [] and receiver.tries == 1  # the retry is not made
    assert Delivery.objects.get().status == Delivery.Status.FAILED
    assert raise_expiry() is None  # still the condition: still acknowledged, still nothing

    [event] = AuditEvent.objects.filter(action=actions.ACKNOWLEDGE)
    assert (event.actor_username, event.outcome) == ("eddie", "succeeded")
    assert (event.provider, event.account, event.target, event.target_id) == (
        "gcore",
        "prod",
        "www-example-com",
        "c0ffee",
    )
    assert event.reason == "expiry alert, threshold 30d"

    raise_expiry("7d")  # acknowledging one threshold does not silence the next
    watch_once()
    assert thresholds(receiver) == ["7d"]


def test_a_snoozed_alert_waits_then_is_sent_again_as_a_reminder(settings, receiver):
    webhook(settings, receiver)
    alert = raise_expiry()
    watch_once()
    until = timezone.now() + timedelta(seconds=1)
    snoozed = services.snooze(person(), alert, until)
    assert (snoozed.state, snoozed.snoozed_until) == (Alert.State.SNOOZED, until)
    watch_once()
    assert thresholds(receiver) == ["30d"]
    assert raise_expiry() is None
    time.sleep(1.1)
    watch_once()
    watch_once()
    assert thresholds(receiver) == ["30d", "30d"]  # once more, after the snooze
    assert Alert.objects.get().state == Alert.State.OPEN

    [event] = AuditEvent.objects.filter(action=actions.SNOOZE)
    assert event.actor_username == "eddie" and event.target == "www-example-com"
    assert event.reason == f"expiry alert, threshold 30d, until {until.isoformat()}"


def test_a_snooze_holds_back_a_retry_too(settings, receiver):
    alert = failing_then_back(settings, receiver)
    services.snooze(person(), alert, timezone.now() + timedelta(hours=4))
    watch_once()
    assert receiver.tries == 1 and receiver.accepted == []


def test_a_resolved_alert_is_not_sent_until_its_condition_comes_back(settings, receiver):
    webhook(settings, receiver)
    raise_expiry("30d")
    watch_once()
    receiver.status = 503
    raise_expiry("14d")
    watch_once()  # the 14d alert's first try fails
    receiver.status = 200
    assert services.resolve("expiry", "gcore", "prod", "c0ffee") == 2  # the certificate replaced
    assert services.resolve("expiry", "gcore", "prod", "c0ffee") == 0
    time.sleep(0.3)
    watch_once()
    assert thresholds(receiver) == ["30d"]  # the 14d retry is not made: it no longer holds
    assert set(Alert.objects.values_list("state", flat=True)) == {Alert.State.RESOLVED}

    again = raise_expiry("30d", message="The new certificate expires in 30d too.")
    assert again is not None and again.state == Alert.State.OPEN and again.resolved_at is None
    watch_once()
    assert thresholds(receiver) == ["30d", "30d"]
    assert (
        receiver.accepted[-1].json["alert"]["message"] == "The new certificate expires in 30d too."
    )
    assert raise_expiry("30d") is None


def test_a_resolved_alert_cannot_be_acknowledged_or_snoozed(settings, receiver):
    webhook(settings, receiver)
    alert = raise_expiry()
    services.resolve("expiry", "gcore", "prod", "c0ffee")
    with pytest.raises(services.AlertRefused, match="cannot be acknowledged: it was resolved at"):
        services.acknowledge(person(), alert)
    with pytest.raises(services.AlertRefused, match="cannot be snoozed: it was resolved"):
        services.snooze(person(), alert, timezone.now() + timedelta(hours=1))
    assert not AuditEvent.objects.filter(action__startswith="alerts.").exists()
    assert Alert.objects.get().state == Alert.State.RESOLVED


def test_a_snooze_ends_in_the_future(settings, receiver):
    webhook(settings, receiver)
    alert = raise_expiry()
    with pytest.raises(services.AlertRefused, match="a time to come"):
        services.snooze(person(), alert, timezone.now() - timedelta(minutes=1))
    assert Alert.objects.get().state == Alert.State.OPEN
