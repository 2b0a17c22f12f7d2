"""/metrics says what the watcher last saw: each Gcore secret's expiry, Pipecat sets by status,
changes made outside the dashboard, alerts and their deliveries."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.alerts.test_conditions import gcore  # noqa: F401 - the fixture
from tests.fixtures.gcore import PROJECT_ID, REGION_ID
from tests.metrics.test_metrics import scrape, token, value  # noqa: F401 - the fixture
from tests.pipecat.conftest import put

pytestmark = pytest.mark.django_db(transaction=True)


def test_expiry_sets_by_status_drift_and_alerts(client, token, gcore, pipecat_accounts):  # noqa: F811
    now = timezone.now()
    expires = (now + timedelta(days=3)).replace(microsecond=0)
    cert = gcore.add_secret(
        PROJECT_ID, REGION_ID, "www", "certificate", b"x", created=now, expiration=expires
    )
    put(pipecat_accounts, "voice-prod", API_KEY="v")
    pipecat_accounts.fail_next_provisioning(message="quota")
    put(pipecat_accounts, "broken", API_KEY="v")
    call_command("watch", "--once")
    put(pipecat_accounts, "voice-prod", NEW="v")  # elsewhere
    call_command("watch", "--once")

    text = scrape(client)
    labels = {"account": "prod", "region": str(REGION_ID), "secret_id": cert.id, "secret": "www"}
    assert (
        value(text, "secretsadmin_gcore_secret_expiry_timestamp_seconds", **labels)
        == expires.timestamp()
    )
    assert value(text, "secretsadmin_pipecat_sets", account="prod", status="ready") == 1
    assert value(text, "secretsadmin_pipecat_sets", account="prod", status="failed") == 1
    assert (
        value(text, "secretsadmin_external_changes_total", provider="pipecat", account="prod") == 1
    )
    assert value(text, "secretsadmin_alerts", kind="expiry", state="open") == 1
    assert value(text, "secretsadmin_alerts", kind="drift", state="open") == 1
    assert "secretsadmin_drift_last_listing_timestamp_seconds" in text


def test_the_watchers_own_upstream_calls_are_counted_once_each(
    client,
    token,  # noqa: F811
    pipecat_accounts,
    viewer,
):
    put(pipecat_accounts, "voice-prod", API_KEY="v")
    # A page's calls, this process's before it watches, are not the watcher's.
    assert viewer.get("/pipecat/prod/").status_code == 200
    call_command("watch", "--once")
    first = value(
        scrape(client),
        "secretsadmin_watcher_upstream_calls_total",
        provider="pipecat",
        account="prod",
        operation="list_sets",
    )
    call_command("watch", "--once")
    text = scrape(client)
    labels = {"provider": "pipecat", "account": "prod"}
    assert first == 1
    assert (
        value(text, "secretsadmin_watcher_upstream_calls_total", operation="list_sets", **labels)
        == 2
    )
    assert (
        value(text, "secretsadmin_watcher_upstream_calls_total", operation="get_set", **labels) == 2
    )
    assert (
        value(text, "secretsadmin_watcher_upstream_errors_total", operation="list_sets", **labels)
        == 0
    )
