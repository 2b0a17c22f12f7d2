"""A certificate replaced in Debian's Chromium against a live server and the Gcore emulator over
HTTP: from the secret's page, pick the new certificate, watch each listener and pool switch on
the operation's page (an editor's open page carries it on), then the offer to delete the old
one, which leads to the usual delete. Screenshots go to /tmp/shots-write/."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import Page, expect

from emulators.clock import ManualClock
from emulators.server import EmulatorServer
from secretsadmin.config import Secret
from secretsadmin.providers.config import Timeouts
from secretsadmin.providers.gcore import GcoreAccount
from tests.browser.test_gcore_changes import SHOTS
from tests.fixtures.gcore import GCORE_KEY, PROJECT_ID, REGION_ID, new_app

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def gcore_live(settings):
    """The emulator over HTTP behind `prod`, its tasks done at once; pages poll every second."""
    app = new_app(ManualClock(), task_queue_seconds=0.0, task_run_seconds=0.0)
    with EmulatorServer(app) as server:
        settings.GCORE_ACCOUNTS = (
            GcoreAccount("prod", server.url, Secret(GCORE_KEY), PROJECT_ID, (REGION_ID,)),
        )
        settings.GCORE_TIMEOUTS = Timeouts(connect=2.0, read=5.0)
        settings.GCORE_POLL_SECONDS = 1
        settings.ROLLOUT_POLL_SECONDS = 1
        cache.clear()
        yield app
        cache.clear()


def test_replace_a_certificate_and_delete_the_old_one(signed_in: Page, live_server, gcore_live):
    page = signed_in
    page.set_viewport_size({"width": 1280, "height": 900})
    soon = timezone.now() + timedelta(days=90)
    old = gcore_live.add_secret(PROJECT_ID, REGION_ID, "www-2025", "certificate", b"old")
    new = gcore_live.add_secret(
        PROJECT_ID, REGION_ID, "www-2026", "certificate", b"new", expiration=soon
    )
    balancer = gcore_live.add_load_balancer(PROJECT_ID, REGION_ID, "web-lb")
    https = gcore_live.add_listener(
        balancer, "https", "TERMINATED_HTTPS", 443, secret_id=old.id, sni_secret_ids=[old.id]
    )
    pool = gcore_live.add_pool(https, "backends", "HTTPS", ca_secret_id=old.id)

    page.goto(f"{live_server.url}/gcore/prod/{REGION_ID}/{old.id}/")
    page.get_by_role("link", name="Replace", exact=True).click()
    expect(page.get_by_role("heading", name="Replace certificate www-2025")).to_be_visible()
    switching = page.locator("#replace-users tbody tr")
    expect(switching).to_have_count(3)
    expect(switching.nth(2)).to_contain_text("Pool backends")
    page.get_by_label("New certificate").select_option(new.id)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "replace-start-1280.png"), full_page=True)
    page.get_by_role("button", name="Switch to this certificate").click()

    expect(
        page.get_by_role("heading", name="Replace certificate www-2025 by www-2026")
    ).to_be_visible()
    progress = page.locator("#rollout-progress")
    expect(progress).to_have_attribute("data-state", "done", timeout=20_000)
    for position in range(3):
        expect(page.locator(f"#step-{position}")).to_have_attribute("data-state", "done")
    page.screenshot(path=str(SHOTS / "replace-done-1280.png"), full_page=True)
    listener = gcore_live.listener(https.id)
    assert (listener.secret_id, listener.sni_secret_id) == (new.id, [new.id])
    assert gcore_live.pool(pool.id).ca_secret_id == new.id
    assert not page.console_errors

    page.get_by_role("link", name="Delete www-2025").click()
    page.get_by_label("Type www-2025 to confirm").fill("www-2025")
    page.get_by_role("button", name="Delete www-2025").click()
    # Nothing uses it any more: the delete is sent, and its badge follows it on the list.
    expect(page.get_by_text("Gcore Cloud is deleting the secret www-2025")).to_be_visible()
    assert gcore_live.calls("delete_secret") == 1
