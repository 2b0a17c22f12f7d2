import os

import pytest
from django.core.cache import cache

# Playwright's sync API runs an event loop in the test's thread; the ORM calls made by fixtures
# there are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.console_errors = []
    page.on(
        "console",
        lambda message: message.type == "error" and page.console_errors.append(message.text),
    )
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    yield page
    context.close()


@pytest.fixture
def signed_in(page, live_server, transactional_db):
    """A page signed in through the login form as an admin."""
    from secretsadmin.accounts.roles import Role
    from tests.fixtures.personas import make_user

    make_user("ada", Role.ADMIN)
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live_server.url + "/")
    return page


@pytest.fixture
def emulator(settings, pipecat_server):
    """The Pipecat emulator over HTTP behind the account `prod`, polled every second."""
    from secretsadmin.config import Secret
    from secretsadmin.providers.pipecat.config import PipecatAccount, PipecatTimeouts
    from tests.fixtures.pipecat import PIPECAT_TOKEN

    settings.PIPECAT_ACCOUNTS = (PipecatAccount("prod", pipecat_server.url, Secret(PIPECAT_TOKEN)),)
    settings.PIPECAT_TIMEOUTS = PipecatTimeouts(connect=2.0, read=5.0)
    settings.PIPECAT_POLL_SECONDS = 1
    cache.clear()
    yield pipecat_server.app
    cache.clear()


@pytest.fixture
def sets_page(signed_in, live_server, emulator):
    signed_in.goto(f"{live_server.url}/pipecat/prod/")
    return signed_in
