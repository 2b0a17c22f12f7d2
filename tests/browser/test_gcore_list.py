"""Gcore Cloud's secrets list in a browser: what expires soon stands out with its days left, what
has expired says since when, at a desktop's width and a phone's, nothing scrolling sideways."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from secretsadmin.config import Secret
from secretsadmin.providers.config import Timeouts
from secretsadmin.providers.gcore import GcoreAccount
from tests.fixtures.gcore import GCORE_KEY, OTHER_REGION_ID, PROJECT_ID, REGION_ID

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DAY = timedelta(days=1)


@pytest.fixture
def gcore(settings, gcore_server):
    """The Gcore emulator over HTTP behind the account `prod`: certificates expired, expiring
    soon and later, a key that never expires, in two regions."""
    settings.GCORE_ACCOUNTS = (
        GcoreAccount(
            "prod", gcore_server.url, Secret(GCORE_KEY), PROJECT_ID, (REGION_ID, OTHER_REGION_ID)
        ),
    )
    settings.GCORE_TIMEOUTS = Timeouts(connect=2.0, read=5.0)
    app, now, hour = gcore_server.app, timezone.now(), timedelta(hours=1)
    for name, region, days in [
        ("shop-example-com-2025", REGION_ID, -5),
        ("www-example-com", REGION_ID, 9),
        ("api-example-com", REGION_ID, 335),
        ("cdn-origin-example-com", OTHER_REGION_ID, 60),
        ("a-certificate-for-a-name-as-long-as-people-make-them-example-com", REGION_ID, 20),
    ]:
        app.add_secret(
            PROJECT_ID,
            region,
            name,
            "certificate",
            b"pem",
            created=now - 300 * DAY,
            expiration=now + days * DAY + (hour if days > 0 else -hour),  # whole days
        )
    app.add_secret(PROJECT_ID, REGION_ID, "backup-encryption-key", "symmetric", b"k" * 32)
    (www,) = app.secret_named(PROJECT_ID, REGION_ID, "www-example-com")
    balancer = app.add_load_balancer(PROJECT_ID, REGION_ID, "production-web-load-balancer-eu-west")
    app.add_listener(balancer, "https", "TERMINATED_HTTPS", 443, secret_id=www.id)
    cache.clear()
    yield app
    cache.clear()


def marked(row) -> bool:
    """Whether the row carries the coloured edge of a secret expired or expiring soon (on the
    name's cell in a table, on the row's block in a narrow window)."""
    return row.evaluate(
        "tr => [tr, tr.cells[0]].some(e => getComputedStyle(e).boxShadow !== 'none')"
    )


@pytest.mark.parametrize("width", [1280, 360])
def test_what_expires_soon_stands_out_with_its_days_left(signed_in, live_server, gcore, width):
    page = signed_in
    page.set_viewport_size({"width": width, "height": 900 if width > 1000 else 800})
    page.goto(f"{live_server.url}/gcore/prod/")
    rows = page.locator("#secrets tbody tr")
    expect(rows).to_have_count(6)
    # Expired first, then what expires soonest; what never expires last.
    expect(rows.nth(0)).to_contain_text("shop-example-com-2025")
    expired = rows.nth(0).locator(".badge", has_text="expired 5 days ago")
    soon = rows.nth(1).locator(".badge", has_text="expires in 9 days")
    expect(expired).to_be_visible()
    expect(soon).to_be_visible()
    expect(rows.nth(5)).to_contain_text("never")
    assert "badge-failed" in expired.get_attribute("class")
    assert "badge-pending" in soon.get_attribute("class")
    expect(rows.nth(2).locator(".badge", has_text="expires in 20 days")).to_be_visible()
    expect(rows.nth(3)).to_contain_text("Frankfurt")
    expect(rows.nth(3)).to_contain_text("expires in 60 days")  # not soon: no badge
    expect(rows.nth(3).locator(".badge", has_text="expires")).to_have_count(0)
    assert [marked(rows.nth(n)) for n in range(6)] == [True, True, True, False, False, False]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    for badge in page.locator("#secrets .badge").all():
        box = badge.bounding_box()
        assert box["x"] + box["width"] <= width
        assert badge.evaluate("b => b.scrollWidth <= b.clientWidth")
    page.get_by_role("link", name="www-example-com").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("www-example-com")
    expect(page.locator(".secret-facts")).to_contain_text("expires in 9 days")
    expect(page.locator(".users-table")).to_contain_text("production-web-load-balancer-eu-west")
    expect(page.locator(".users-table")).to_contain_text("default certificate")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.goto(f"{live_server.url}/")
    expect(page.locator("#gcore-prod")).to_contain_text("expired 5 days ago")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.console_errors == []


def test_searching_as_one_types_narrows_the_table_and_the_address_says_so(
    signed_in, live_server, gcore
):
    page = signed_in
    page.goto(f"{live_server.url}/gcore/prod/")
    page.get_by_label("Search").fill("example-com")
    expect(page.locator("#secrets tbody tr")).to_have_count(5)
    page.get_by_label("Region").select_option(label="Frankfurt")
    expect(page.locator("#secrets tbody tr")).to_have_count(1)
    expect(page.locator("#secrets-count")).to_have_text("1 of 1 matching secret, out of 6")
    expect(page).to_have_url(
        f"{live_server.url}/gcore/prod/?q=example-com&region={OTHER_REGION_ID}"
    )
    assert page.console_errors == []
