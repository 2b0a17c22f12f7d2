"""The conditions the watcher raises alerts for, end to end: a Gcore secret nearing its expiry
(once per threshold, across restarts, resolved once gone), a Pipecat set stuck failed, an ECR
pull secret growing old, and a change made outside the dashboard, each delivered to a webhook."""

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import timezone

from emulators.transport import EmulatorTransport
from secretsadmin.alerts.models import Alert
from secretsadmin.audit.services import Actor
from secretsadmin.config import Secret
from secretsadmin.drift.models import Seen
from secretsadmin.pipecat import services as pipecat_services
from secretsadmin.providers.config import Timeouts
from secretsadmin.providers.gcore import GcoreAccount
from tests.alerts.test_delivery import webhook
from tests.fixtures.gcore import API_HOST, GCORE_KEY, PROJECT_ID, REGION_ID
from tests.pipecat.conftest import put

pytestmark = pytest.mark.django_db(transaction=True)
DAY = timedelta(days=1)


@pytest.fixture
def gcore(settings, gcore_app):
    settings.GCORE_ACCOUNTS = (
        GcoreAccount("prod", API_HOST, Secret(GCORE_KEY), PROJECT_ID, (REGION_ID,)),
    )
    settings.GCORE_TIMEOUTS = Timeouts(connect=5.0, read=15.0)
    settings.GCORE_TRANSPORT = EmulatorTransport(gcore_app)
    return gcore_app


def watch_round(at: datetime | None = None) -> None:
    """One round of a watcher started afresh (as cron runs it), at `at` on the dashboard's clock."""
    if at is None:
        call_command("watch", "--once")
        return
    with mock.patch("django.utils.timezone.now", return_value=at):
        call_command("watch", "--once")


def sent(receiver) -> list[tuple[str, str, str]]:
    return [
        (r.json["alert"]["kind"], r.json["alert"]["threshold"], r.json["alert"]["message"])
        for r in receiver.accepted
    ]


def states(kind: str) -> list[tuple[str, str]]:
    return list(Alert.objects.filter(kind=kind).order_by("pk").values_list("threshold", "state"))


def test_a_certificate_nearing_expiry_is_sent_once_per_threshold_across_restarts(
    settings, receiver, gcore, gcore_client, gcore_clock
):
    webhook(settings, receiver, interval=60)
    now = timezone.now()
    expires = (now + timedelta(days=10)).replace(microsecond=0)
    cert = gcore.add_secret(
        PROJECT_ID, REGION_ID, "www", "certificate", b"x", created=now, expiration=expires
    )
    watch_round(now)
    watch_round(now + timedelta(hours=1))  # a restart, the next round: nothing again
    watch_round(now + timedelta(days=4))  # 6 days left: the 7-day threshold
    watch_round(now + timedelta(days=4, hours=1))
    watch_round(now + timedelta(days=11))  # expired

    day = f"{expires.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    assert sent(receiver) == [
        ("expiry", "14d", f"Certificate www (Luxembourg-2) expires in 10 days, on {day}."),
        ("expiry", "7d", f"Certificate www (Luxembourg-2) expires in 6 days, on {day}."),
        ("expiry", "expired", f"Certificate www (Luxembourg-2) expired on {day}."),
    ]
    assert states("expiry") == [("14d", "resolved"), ("7d", "resolved"), ("expired", "open")]

    # Deleted with another tool (replaced, say), its task done.
    gcore_client.delete(f"/cloud/v1/secrets/{PROJECT_ID}/{REGION_ID}/{cert.id}").raise_for_status()
    gcore_clock.advance(10)
    watch_round(now + timedelta(days=11, hours=1))
    assert states("expiry")[-1] == ("expired", "resolved")
    # Nothing more of its expiry; its deletion, made elsewhere, is drift.
    assert [kind for kind, _, _ in sent(receiver)[3:]] == ["drift"]


def test_an_expiry_alert_links_the_secrets_page(settings, receiver, gcore, viewer):
    webhook(settings, receiver, interval=60)
    now = timezone.now()
    cert = gcore.add_secret(
        PROJECT_ID, REGION_ID, "www", "certificate", b"x", created=now, expiration=now + DAY
    )
    watch_round()
    page = viewer.get("/alerts/").content.decode()
    assert f'href="/gcore/prod/{REGION_ID}/{cert.id}/"' in page


def test_a_secret_far_from_expiry_or_without_one_raises_nothing(settings, receiver, gcore):
    webhook(settings, receiver, interval=60)
    now = timezone.now()
    gcore.add_secret(
        PROJECT_ID,
        REGION_ID,
        "later",
        "certificate",
        b"x",
        created=now,
        expiration=now + timedelta(days=90),
    )
    gcore.add_secret(PROJECT_ID, REGION_ID, "never", "opaque", b"x", created=now)
    watch_round()
    # The round looked at both (a round that listed nothing would raise nothing either).
    assert sorted(Seen.objects.values_list("name", flat=True)) == ["later", "never"]
    assert receiver.accepted == [] and not Alert.objects.exists()


def test_a_set_failed_for_longer_than_the_threshold_then_ready_again(
    settings, receiver, pipecat_accounts
):
    webhook(settings, receiver, interval=60)
    settings.ALERT_THRESHOLDS = type(settings.ALERT_THRESHOLDS)(set_status_minutes=30)
    pipecat_accounts.fail_next_provisioning(message="quota exceeded")
    put(pipecat_accounts, "voice-prod", API_KEY="v")
    now = timezone.now()
    watch_round(now)  # seen failed from now on
    watch_round(now + timedelta(minutes=20))
    assert receiver.accepted == []
    watch_round(now + timedelta(minutes=31))
    assert [(kind, threshold) for kind, threshold, _ in sent(receiver)] == [
        ("set_status", "failed")
    ]
    assert "voice-prod (region us-west) has been failed for 31 minutes" in sent(receiver)[0][2]

    put(pipecat_accounts, "voice-prod", API_KEY="v")  # saved again: ready
    watch_round(now + timedelta(minutes=40))
    assert states("set_status") == [("failed", "resolved")]


def test_an_ecr_pull_secret_saved_eleven_hours_ago_needs_a_fresh_token(
    settings, receiver, pipecat_accounts
):
    webhook(settings, receiver, interval=60)
    host = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
    for name, registry in (("ecr-pull", host), ("ghcr-pull", "ghcr.io")):
        pipecat_services.save_image_pull_secret(
            Actor.system("test-person"), account="prod", name=name, host=registry,
            username="AWS", token="eyJ-ecr-token-value", region="us-west", new=True,
        )  # fmt: skip
    pipecat_accounts.clock.advance(pipecat_accounts.store.provisioning_delay + 1)  # both ready
    now = timezone.now()
    watch_round(now + timedelta(hours=10))
    assert receiver.accepted == []
    watch_round(now + timedelta(hours=11, minutes=1))

    [(kind, _, message)] = sent(receiver)
    assert kind == "pull_secret_age" and message.startswith(
        "The ECR image pull secret ecr-pull was saved 11 hours ago"
    )
    assert "eyJ-ecr-token-value" not in str([r.raw for r in receiver.accepted])


def test_a_change_made_outside_the_dashboard_is_sent_once(settings, receiver, pipecat_accounts):
    webhook(settings, receiver, interval=60)
    put(pipecat_accounts, "voice-prod", API_KEY="v")
    watch_round()
    put(pipecat_accounts, "voice-prod", NEW_KEY="v")
    watch_round()
    watch_round()

    [(kind, _, message)] = sent(receiver)
    assert kind == "drift"
    assert message.startswith("voice-prod was changed outside the dashboard: keys added: NEW_KEY")


def rotation(settings, **days: int) -> None:
    settings.ALERT_THRESHOLDS = type(settings.ALERT_THRESHOLDS)(rotation_days=days)


def test_a_gcore_secret_stored_longer_ago_than_the_account_asks_is_due(settings, receiver, gcore):
    webhook(settings, receiver, interval=60)
    rotation(settings, prod=90)
    now = timezone.now()
    for name, age in (("old-key", 100), ("new-key", 10)):
        gcore.add_secret(
            PROJECT_ID, REGION_ID, name, "opaque", b"x", created=now - timedelta(days=age)
        )
    watch_round()
    watch_round()

    [(kind, threshold, message)] = sent(receiver)
    assert (kind, threshold) == ("rotation", "90d")
    assert message.startswith("Opaque old-key (Luxembourg-2) was stored 100 days ago")
    assert message.endswith("prod asks for rotation every 90 days.")


def test_pipecat_keys_not_set_for_the_accounts_rotation_days(settings, receiver, pipecat_accounts):
    webhook(settings, receiver, interval=60)
    rotation(settings, prod=90)
    put(pipecat_accounts, "voice-prod", A="1", B="2")
    now = timezone.now()
    watch_round(now)  # its keys first read now
    watch_round(now + timedelta(days=89))
    assert receiver.accepted == []

    actor = Actor.system("test-person")
    with mock.patch("django.utils.timezone.now", return_value=now + timedelta(days=90)):
        pipecat_services.add_keys(actor, account="prod", name="voice-prod", secrets={"A": "new"})
    pipecat_accounts.clock.advance(pipecat_accounts.store.provisioning_delay + 1)
    watch_round(now + timedelta(days=91))
    [(kind, _, message)] = sent(receiver)
    assert kind == "rotation"
    assert message.startswith("Secret set voice-prod: 1 key not set for 90 days (B)")

    with mock.patch("django.utils.timezone.now", return_value=now + timedelta(days=91)):
        pipecat_services.add_keys(actor, account="prod", name="voice-prod", secrets={"B": "new"})
    pipecat_accounts.clock.advance(pipecat_accounts.store.provisioning_delay + 1)
    watch_round(now + timedelta(days=91, hours=1))
    assert states("rotation") == [("90d", "resolved")]
