"""Alerts sent by the watcher's job to their channels: each threshold once, across restarts and
outages, each channel in its own shape, routed by account and kind, the secrets never shown."""

import hashlib
import hmac
import logging
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from secretsadmin.alerts import deliveries, services
from secretsadmin.alerts.config import channels
from secretsadmin.alerts.models import Alert, Delivery
from secretsadmin.config import Config
from tests.alerts.conftest import Receiver
from tests.streaming.conftest import closed_port

pytestmark = pytest.mark.django_db(transaction=True)
SECRET = "whsec-signing-0123456789abcdef"
SLACK_PATH = "/services/T0001/B0002/slack0credential0123456789"


def configure(settings, interval: float = 0.5, **env: str) -> None:
    settings.ALERT_CHANNELS = channels(Config(env))
    # A failed delivery is tried again the next round (half an interval on).
    settings.WATCH_INTERVAL_SECONDS = interval


def webhook(settings, receiver: Receiver, interval: float = 0.5) -> None:
    configure(
        settings,
        interval,
        ALERT_CHANNELS="ops",
        ALERT_CHANNEL_OPS_URL=receiver.url(),
        ALERT_CHANNEL_OPS_SECRET=SECRET,
    )


def raise_expiry(threshold: str = "30d", **fields: str) -> Alert | None:
    values = {
        "provider": "gcore",
        "account": "prod",
        "subject": "www-example-com",
        "subject_id": "c0ffee",
        "threshold": threshold,
        "message": f"The certificate www-example-com expires in {threshold}.",
    }
    return services.raise_alert(fields.pop("kind", "expiry"), **{**values, **fields})


def watch_once() -> None:
    """One round of a watcher started afresh, as cron runs it."""
    call_command("watch", "--once")


def thresholds(receiver: Receiver) -> list[str]:
    return [request.json["alert"]["threshold"] for request in receiver.accepted]


def test_each_threshold_is_sent_once_however_often_it_is_raised(settings, receiver):
    webhook(settings, receiver)
    first = raise_expiry("30d")
    assert first is not None and first.state == Alert.State.OPEN
    assert raise_expiry("30d") is None  # the condition checked again, the same round
    watch_once()
    assert raise_expiry("30d") is None  # and the next round
    watch_once()
    assert thresholds(receiver) == ["30d"]

    assert raise_expiry("14d") is not None  # a tighter threshold is an alert of its own
    watch_once()
    assert thresholds(receiver) == ["30d", "14d"]
    assert receiver.tries == 2


def test_a_restarted_watcher_sends_nothing_again(settings, receiver):
    webhook(settings, receiver)
    raise_expiry()
    watch_once()
    for _ in range(3):  # each a watcher process of its own, the conditions checked again
        assert raise_expiry() is None
        watch_once()
    assert thresholds(receiver) == ["30d"]
    [delivery] = Delivery.objects.all()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.SENT, 1)


def test_a_failing_channel_gets_the_alert_once_it_answers(settings, receiver):
    webhook(settings, receiver, interval=2)  # the first retry a second on
    receiver.status = 503
    raise_expiry()
    watch_once()
    [delivery] = Delivery.objects.all()
    assert delivery.status == Delivery.Status.FAILED and delivery.attempts == 1
    assert (
        "HTTP 503" in delivery.last_error
        and f"webhook http://127.0.0.1:{receiver.port} answered" in delivery.last_error
    )
    assert delivery.next_attempt_at > timezone.now()

    receiver.status = 200
    watch_once()  # before its backoff ends: not tried
    assert receiver.tries == 1 and receiver.accepted == []
    time.sleep(1.1)
    watch_once()
    watch_once()
    assert thresholds(receiver) == ["30d"]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.SENT, 2)
    assert delivery.sent_at is not None


def test_a_channel_down_for_days_is_still_tried_every_hour(settings):
    configure(
        settings,
        600,
        ALERT_CHANNELS="ops",
        ALERT_CHANNEL_OPS_URL=f"http://127.0.0.1:{closed_port()}/",
        ALERT_CHANNEL_OPS_SECRET=SECRET,
    )
    raise_expiry()
    waits = []
    for _ in range(30):
        Delivery.objects.update(next_attempt_at=timezone.now())
        deliveries.deliver(go_on=lambda: True, ends=time.monotonic() + 60)
        delivery = Delivery.objects.get()
        waits.append(round((delivery.next_attempt_at - timezone.now()).total_seconds() / 60))
    assert waits[:4] == [5, 15, 35, 60]  # the next round, then 2, 4… rounds on (10 min each)
    assert set(waits[4:]) == {60}
    assert delivery.status == Delivery.Status.FAILED and delivery.attempts == 30
    assert "ConnectError" in delivery.last_error


def test_a_webhook_is_signed_with_the_secret_and_the_time(settings, receiver):
    webhook(settings, receiver)
    alert = raise_expiry()
    watch_once()
    [request] = receiver.accepted
    header = request.headers["X-Secretsadmin-Signature"]
    fields = dict(part.split("=", 1) for part in header.split(","))
    assert abs(int(fields["t"]) - time.time()) < 60  # within the receiver's replay window
    signed = fields["t"].encode() + b"." + request.raw
    assert hmac.compare_digest(
        fields["v1"], hmac.new(SECRET.encode(), signed, hashlib.sha256).hexdigest()
    )
    # Another time (a replayed body with a fresh `t`) does not verify.
    replayed = str(int(fields["t"]) + 1).encode() + b"." + request.raw
    assert fields["v1"] != hmac.new(SECRET.encode(), replayed, hashlib.sha256).hexdigest()
    body = request.json
    assert body["type"] == "alert"
    assert body["delivery"] == int(request.headers["X-Secretsadmin-Delivery"])
    assert body["alert"] == {
        "id": alert.pk,
        "kind": "expiry",
        "provider": "gcore",
        "account": "prod",
        "subject": "www-example-com",
        "subject_id": "c0ffee",
        "threshold": "30d",
        "message": "The certificate www-example-com expires in 30d.",
        "raised_at": alert.raised_at.isoformat(),
    }


def test_slack_and_teams_get_their_own_shapes(settings, receiver):
    configure(
        settings,
        ALERT_CHANNELS="chat,room",
        ALERT_CHANNEL_CHAT_URL="slack+" + receiver.url(SLACK_PATH),
        ALERT_CHANNEL_ROOM_URL="teams+" + receiver.url("/webhookb2/room"),
    )
    raise_expiry(subject="<!channel> www", message="Expires in 30 days & counting.")
    watch_once()
    by_path = {request.path: request for request in receiver.accepted}
    slack, teams = by_path[SLACK_PATH], by_path["/webhookb2/room"]
    assert "X-Secretsadmin-Signature" not in slack.headers
    # A name shown as it is, not a mention of everyone in the channel.
    assert slack.json == {
        "text": "&lt;!channel&gt; www: expiry 30d (gcore prod)\nExpires in 30 days &amp; counting."
    }
    assert teams.json["@type"] == "MessageCard"
    assert teams.json["title"] == "&lt;!channel&gt; www: expiry 30d (gcore prod)"
    assert teams.json["text"] == "Expires in 30 days &amp; counting."


def test_an_email_channel_mails_each_address(settings):
    configure(
        settings, ALERT_CHANNELS="ops", ALERT_CHANNEL_OPS_URL="mailto:ops@example.com,sre@x.org"
    )
    raise_expiry("7d")
    watch_once()
    watch_once()
    [message] = mail.outbox
    assert message.to == ["ops@example.com", "sre@x.org"]
    assert message.subject == "[secretsadmin] www-example-com: expiry 7d (gcore prod)"
    assert "The certificate www-example-com expires in 7d." in message.body
    assert Delivery.objects.get().status == Delivery.Status.SENT


def test_each_channel_gets_the_accounts_and_kinds_routed_to_it(settings):
    configure(
        settings,
        ALERT_CHANNELS="prod-ops,expiries,everything",
        ALERT_CHANNEL_PROD_OPS_URL="mailto:prod@example.com",
        ALERT_CHANNEL_PROD_OPS_ACCOUNTS="prod",
        ALERT_CHANNEL_EXPIRIES_URL="mailto:expiries@example.com",
        ALERT_CHANNEL_EXPIRIES_KINDS="expiry,pull_secret_age",
        ALERT_CHANNEL_EVERYTHING_URL="mailto:all@example.com",
    )
    raise_expiry(account="staging")
    raise_expiry(kind="drift", subject_id="other", subject="drifted")
    watch_once()
    got = sorted((message.to[0], message.subject.split(": ")[1]) for message in mail.outbox)
    assert got == [
        ("all@example.com", "drift 30d (gcore prod)"),
        ("all@example.com", "expiry 30d (gcore staging)"),
        ("expiries@example.com", "expiry 30d (gcore staging)"),
        ("prod@example.com", "drift 30d (gcore prod)"),
    ]


def test_no_secret_is_shown_in_an_error_or_a_log_line(settings, receiver, caplog):
    configure(
        settings,
        ALERT_CHANNELS="chat,web",
        ALERT_CHANNEL_CHAT_URL="slack+" + receiver.url(SLACK_PATH),
        ALERT_CHANNEL_WEB_URL=receiver.url("/hook?key=query0credential"),
        ALERT_CHANNEL_WEB_SECRET=SECRET,
    )
    receiver.status = 404  # and it echoes the path and query it was sent
    raise_expiry()
    with caplog.at_level(logging.INFO):
        watch_once()
    errors = dict(Delivery.objects.values_list("channel", "last_error"))
    assert "HTTP 404" in errors["chat"] and "HTTP 404" in errors["web"]
    assert "no_service" in errors["chat"]  # what Slack says is kept: it says what is wrong
    shown = "\n".join([*errors.values(), caplog.text, *map(repr, settings.ALERT_CHANNELS)])
    for secret in (SLACK_PATH, "slack0credential0123456789", "query0credential", SECRET):
        assert secret not in shown
    assert "alert_deliveries: channel chat failed" in caplog.text
    assert f"slack http://127.0.0.1:{receiver.port} answered" in errors["chat"]


def test_an_alert_stays_delivered_to_a_channel_removed_and_put_back(settings, receiver):
    webhook(settings, receiver)
    receiver.status = 503
    raise_expiry()
    watch_once()
    configure(settings, ALERT_CHANNELS="")  # the channel taken out of the configuration
    receiver.status = 200
    time.sleep(0.3)
    watch_once()
    assert receiver.accepted == [] and Delivery.objects.get().status == Delivery.Status.FAILED
    webhook(settings, receiver)
    watch_once()
    assert thresholds(receiver) == ["30d"]


def test_the_message_is_masked_of_anything_shaped_like_a_credential(settings):
    configure(settings, ALERT_CHANNELS="ops", ALERT_CHANNEL_OPS_URL="mailto:ops@example.com")
    raise_expiry(message="Rotation failed: the provider said password=hunter2-long-value")
    watch_once()
    [message] = mail.outbox
    assert "hunter2-long-value" not in message.body and "password=[REDACTED]" in message.body


def test_an_alert_acknowledged_while_the_round_sends_others_is_not_sent(settings, receiver):
    webhook(settings, receiver)
    raise_expiry("30d")
    later = raise_expiry("14d")

    def acknowledged_meanwhile() -> None:  # someone acknowledges the 14d one as 30d goes out
        Alert.objects.filter(pk=later.pk).update(state=Alert.State.ACKNOWLEDGED)
        connection.close()  # this thread's own

    receiver.on_request = acknowledged_meanwhile
    deliveries.deliver(go_on=lambda: True, ends=time.monotonic() + 60)
    assert thresholds(receiver) == ["30d"] and receiver.tries == 1
    assert Delivery.objects.get(alert=later).status == Delivery.Status.PENDING


def test_an_unknown_kind_is_refused(settings):
    configure(settings)
    with pytest.raises(ValueError, match="unknown alert kind 'expiring'"):
        raise_expiry(kind="expiring")
    assert not Alert.objects.exists()


def test_snoozed_until_a_time_past_it_is_sent(settings, receiver):
    webhook(settings, receiver)
    alert = raise_expiry()
    Alert.objects.filter(pk=alert.pk).update(
        state=Alert.State.SNOOZED, snoozed_until=timezone.now() + timedelta(seconds=0.5)
    )
    watch_once()
    assert receiver.tries == 0
    time.sleep(0.6)
    watch_once()
    watch_once()
    assert thresholds(receiver) == ["30d"]  # the first message, not a reminder besides it
    assert Alert.objects.get().state == Alert.State.OPEN
