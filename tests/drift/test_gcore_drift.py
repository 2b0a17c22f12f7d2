"""Changes made to Gcore Cloud secrets with other tools (the official SDK, the API), seen by the
watcher's round and recorded as `observed` events; the dashboard's own are not."""

import dataclasses
import re
from datetime import UTC, datetime

import pytest
from django.core.cache import cache
from django.core.management import call_command

from emulators.faults import Fault
from emulators.transport import EmulatorTransport
from secretsadmin.audit.models import AuditEvent
from secretsadmin.audit.services import Actor
from secretsadmin.config import Secret
from secretsadmin.drift.models import Seen
from secretsadmin.gcore import services
from secretsadmin.providers.config import Timeouts
from secretsadmin.providers.gcore import GcoreAccount
from tests.fixtures.gcore import API_HOST, GCORE_KEY, OTHER_REGION_ID, PROJECT_ID, REGION_ID

pytestmark = pytest.mark.django_db(transaction=True)
ACTION = "gcore.secret.external_change"
PEM = {
    "certificate": "-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\n",
    "certificate_chain": "-----BEGIN CERTIFICATE-----\nBBB\n-----END CERTIFICATE-----\n",
    "private_key": "-----BEGIN PRIVATE KEY-----\nCCC\n-----END PRIVATE KEY-----\n",
}
NEXT_YEAR = datetime(2027, 12, 31, 23, 59, 59, tzinfo=UTC)


@pytest.fixture
def prod(settings, gcore_server):
    """The account `prod` on the emulator the SDK speaks to (its tasks finish at once), holding
    the certificate `www` before the watcher first looks."""
    settings.GCORE_ACCOUNTS = (
        GcoreAccount(
            "prod", gcore_server.url, Secret(GCORE_KEY), PROJECT_ID, (REGION_ID, OTHER_REGION_ID)
        ),
    )
    settings.GCORE_TIMEOUTS = Timeouts(connect=2.0, read=5.0)
    gcore_server.app.add_secret(PROJECT_ID, REGION_ID, "www", "certificate", b"x")
    return gcore_server.app


def watch_round() -> None:
    call_command("watch", "--once")


def observed() -> list[tuple[str, str, str, list[str]]]:
    """(secret, region, change, what changed) of each observed event, oldest first."""
    return [
        (e.target, e.region, e.observed["change"], e.observed["changes"])
        for e in AuditEvent.objects.filter(action=ACTION).order_by("sequence")
    ]


def test_the_first_round_is_a_baseline(prod):
    watch_round()
    assert [row.name for row in Seen.objects.all()] == ["www"]  # the round looked
    watch_round()
    assert observed() == []


def test_a_region_gone_into_maintenance_keeps_its_secrets_and_one_new_is_a_baseline(settings, prod):
    """Every region the API lists as active, none configured: one goes into maintenance (it is
    no longer listed), then comes back; another is opened with secrets already in it."""
    settings.GCORE_ACCOUNTS = (
        GcoreAccount("prod", settings.GCORE_ACCOUNTS[0].api_url, Secret(GCORE_KEY), PROJECT_ID),
    )
    regions = prod.regions
    opened = next(r for r in regions.values() if r.id not in (REGION_ID, OTHER_REGION_ID))
    prod.add_secret(PROJECT_ID, OTHER_REGION_ID, "fra", "opaque", b"x")
    regions[opened.id] = dataclasses.replace(opened, state="NEW")
    prod.add_secret(PROJECT_ID, opened.id, "early", "opaque", b"x")
    watch_round()
    regions[OTHER_REGION_ID] = dataclasses.replace(regions[OTHER_REGION_ID], state="MAINTENANCE")
    regions[opened.id] = dataclasses.replace(opened, state="ACTIVE")
    cache.clear()  # the regions' shared read, as after its ten minutes
    watch_round()
    regions[OTHER_REGION_ID] = dataclasses.replace(regions[OTHER_REGION_ID], state="ACTIVE")
    cache.clear()
    watch_round()

    assert observed() == []
    assert sorted(Seen.objects.values_list("name", flat=True)) == ["early", "fra", "www"]


def test_a_certificate_uploaded_and_one_deleted_with_the_sdk(prod, gcore_sdk):
    watch_round()
    gcore_sdk.cloud.secrets.upload_tls_certificate_and_poll(
        name="api", payload=PEM, expiration=NEXT_YEAR, region_id=OTHER_REGION_ID
    )
    [www] = prod.secrets(PROJECT_ID, REGION_ID)
    gcore_sdk.cloud.tasks.poll(gcore_sdk.cloud.secrets.delete(www.id).tasks[0])
    watch_round()

    assert sorted(observed()) == [
        (
            "api",
            str(OTHER_REGION_ID),
            "created",
            ["created (certificate, expires 2027-12-31 23:59 UTC)"],
        ),
        ("www", str(REGION_ID), "deleted", ["deleted"]),
    ]
    deleted = AuditEvent.objects.get(action=ACTION, target="www")
    assert (deleted.target_id, deleted.outcome, deleted.actor_username) == (
        www.id,
        "observed",
        "watcher",
    )
    # Who did it, as Gcore's own log of user actions says: the SDK's key, from the loopback.
    by = deleted.observed["by"]
    assert (by["user_id"], by["email"], by["token_id"]) == (1001, "user1001@example.com", 1001)
    assert by["source_ip"] == "127.0.0.1" and by["user_agent"].startswith("Gcore/Python")
    created = AuditEvent.objects.get(action=ACTION, target="api")
    assert created.observed["by"]["user_id"] == 1001


def test_who_made_it_is_shown_on_the_secrets_page_and_the_audit_event(prod, gcore_sdk, auditor):
    watch_round()
    secret = gcore_sdk.cloud.secrets.upload_tls_certificate_and_poll(
        name="api", payload=PEM, expiration=NEXT_YEAR
    )
    watch_round()

    page = auditor.get(f"/gcore/prod/{REGION_ID}/{secret.id}/").content.decode()
    row = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page[page.index("history-table") :]))
    assert "Outside the dashboard: created (certificate, expires 2027-12-31 23:59 UTC), by " in row
    assert "user1001@example.com (user 1001) with API token 1001 from 127.0.0.1" in row
    event = AuditEvent.objects.get(action=ACTION)
    detail = auditor.get(f"/audit/{event.sequence}/").content.decode()
    assert "Made by, as the provider's log says" in detail
    assert "user1001@example.com" in detail and "Gcore/Python" in detail
    made = re.search(r"<dt>Time there</dt><dd><time datetime=\"([^\"]+)\"", detail)
    assert made is not None  # a time, shown as the page shows its own


def test_the_log_unreadable_leaves_who_unknown_and_the_change_recorded(prod, gcore_sdk):
    watch_round()
    gcore_sdk.cloud.secrets.upload_tls_certificate_and_poll(name="api", payload=PEM)
    prod.faults.add(Fault("list_user_actions", status=500, times=10))
    watch_round()

    [event] = AuditEvent.objects.filter(action=ACTION)
    assert event.observed["changes"] == ["created (certificate)"] and "by" not in event.observed


def test_a_certificate_replaced_with_another_expiration(prod, gcore_sdk):
    gcore_sdk.cloud.secrets.upload_tls_certificate_and_poll(
        name="api", payload=PEM, expiration=NEXT_YEAR
    )
    watch_round()
    [old] = [s for s in prod.secrets(PROJECT_ID, REGION_ID) if s.name == "api"]
    gcore_sdk.cloud.tasks.poll(gcore_sdk.cloud.secrets.delete(old.id).tasks[0])
    later = NEXT_YEAR.replace(year=2028)
    gcore_sdk.cloud.secrets.upload_tls_certificate_and_poll(
        name="api", payload=PEM, expiration=later
    )
    watch_round()

    assert sorted(observed()) == [
        (
            "api",
            str(REGION_ID),
            "created",
            [
                "created (certificate, expires 2028-12-31 23:59 UTC)",
                "expiration 2027-12-31 23:59 UTC → 2028-12-31 23:59 UTC",
            ],
        ),
        ("api", str(REGION_ID), "deleted", ["deleted"]),
    ]


def test_the_dashboards_own_changes_are_not_drift(prod):
    watch_round()
    actor = Actor.system("test-person")
    services.create_secret(
        actor, account="prod", region_id=REGION_ID, name="ours", secret_type="opaque", payload=b"v"
    )
    [www] = prod.secrets(PROJECT_ID, REGION_ID)[:1]
    services.delete_secret(actor, account="prod", region_id=REGION_ID, secret_id=www.id)
    watch_round()

    assert observed() == []


def test_the_dashboards_create_whose_task_ends_after_a_round_is_not_drift(
    settings, gcore_app, gcore_clock
):
    """Tasks that take seconds (the emulator's manual clock): the create is accepted, a round
    lists the region before the task has stored the secret, the next one finds it."""
    settings.GCORE_ACCOUNTS = (
        GcoreAccount("prod", API_HOST, Secret(GCORE_KEY), PROJECT_ID, (REGION_ID,)),
    )
    settings.GCORE_TIMEOUTS = Timeouts(connect=5.0, read=15.0)
    settings.GCORE_TRANSPORT = EmulatorTransport(gcore_app)
    watch_round()
    services.create_secret(
        Actor.system("test-person"),
        account="prod",
        region_id=REGION_ID,
        name="slow",
        secret_type="opaque",
        payload=b"v",
    )
    watch_round()  # the task still runs: nothing yet
    gcore_clock.advance(10)
    watch_round()

    assert [row.name for row in Seen.objects.all()] == ["slow"]
    assert observed() == []
