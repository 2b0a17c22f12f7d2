"""The overview and the admin in Debian's Chromium: cards fill in on their own, no CSP error."""

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from playwright.sync_api import expect

from emulators.clock import Clock
from emulators.pipecat import PipecatEmulator, seed_demo
from emulators.server import EmulatorServer
from secretsadmin.accounts.roles import Role, roles_of
from secretsadmin.audit.models import AuditEvent
from secretsadmin.config import Secret
from secretsadmin.providers.config import Timeouts
from secretsadmin.providers.pipecat.config import PipecatAccount
from tests.fixtures.personas import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLOW_SECONDS = 2.0


@pytest.fixture
def accounts(settings):
    """Servers on the real clock (a delay really keeps the dashboard waiting): account prod holds
    the demo's sets, staging's key is refused, and slow has a server of its own, which a test
    may slow down (`.latency`); yields that server's app."""
    app, far = (PipecatEmulator({token: org}, clock=Clock()) for token, org in TOKENS)
    seed_demo(app, org="prod")
    with EmulatorServer(app) as near_server, EmulatorServer(far) as far_server:
        settings.PIPECAT_ACCOUNTS = (
            PipecatAccount("prod", near_server.url, Secret("pk-prod")),
            PipecatAccount("staging", near_server.url, Secret("pk-revoked")),
            PipecatAccount("slow", far_server.url, Secret("pk-slow")),
        )
        settings.PIPECAT_TIMEOUTS = Timeouts(connect=2.0, read=5.0)
        cache.clear()
        yield far
        cache.clear()


TOKENS = (("pk-prod", "prod"), ("pk-slow", "slow"))


def test_the_overview_is_shown_at_once_and_each_card_fills_in_on_its_own(
    signed_in, live_server, accounts
):
    page = signed_in
    accounts.latency = SLOW_SECONDS
    page.goto(f"{live_server.url}/")
    expect(page.locator("#pipecat-prod")).to_contain_text("Answers 8 sets")
    expect(page.locator("#pipecat-staging")).to_contain_text("Failing")
    slow = page.locator("#pipecat-slow")
    expect(slow.locator(".card-loading")).to_have_text("Asking Pipecat Cloud…")
    expect(slow.get_by_role("link", name="See whether slow answers")).to_be_hidden()
    expect(slow).to_contain_text("Answers 0 sets", timeout=10_000)
    page.locator("#pipecat-prod").get_by_role("link", name="3 pending").click()
    page.wait_for_url("**/pipecat/prod/?status=pending")
    assert page.console_errors == []


def test_a_refused_key_is_explained_in_its_card_and_can_be_asked_again(
    signed_in, live_server, accounts
):
    page = signed_in
    page.goto(f"{live_server.url}/")
    refused = page.locator("#pipecat-staging")
    expect(refused).to_contain_text("The API key of account staging was refused")
    first = refused.locator("code").inner_text()
    refused.get_by_role("link", name="Try again").click()
    expect(refused.locator("code")).not_to_have_text(first)  # a new request, with its own id
    assert page.url == f"{live_server.url}/"
    assert page.console_errors == []


@pytest.mark.parametrize("width", [390, 360])
def test_the_overview_fits_a_phone(signed_in, live_server, accounts, width):
    page = signed_in
    page.set_viewport_size({"width": width, "height": 844})
    page.goto(f"{live_server.url}/")
    expect(page.locator("#pipecat-prod")).to_contain_text("8 sets")
    assert page.evaluate("document.querySelector('main').scrollWidth") <= width


def test_the_admin_role_ticks_a_role_in_the_admin(page, live_server):
    for role in Role:  # as migrations made them, before this test's database was emptied
        Group.objects.get_or_create(name=role.value)
    make_user("ada", Role.ADMIN)
    vera = make_user("vera")
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/admin/")
    page.get_by_role("link", name="Users").click()
    page.get_by_role("link", name="vera").click()
    page.get_by_label("editor").check()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    assert roles_of(User.objects.get(pk=vera.pk)) == {Role.EDITOR}
    assert AuditEvent.objects.filter(action="auth.roles_changed", target="vera").exists()
    assert page.console_errors == []
