import contextlib
import os

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from emulators.clock import Clock
from emulators.pipecat import PipecatEmulator
from emulators.pipecat.seed import seed_demo
from emulators.pipecat.store import SecretSet, SetType
from emulators.server import EmulatorServer
from secretsadmin.accounts.roles import Role
from secretsadmin.alerts import services as alerts
from secretsadmin.alerts.models import Delivery
from secretsadmin.audit import services as audit
from secretsadmin.config import Secret
from secretsadmin.providers.config import Timeouts
from secretsadmin.providers.pipecat.config import PipecatAccount
from tests.fixtures.personas import make_user
from tests.fixtures.pipecat import PIPECAT_ORG, PIPECAT_TOKEN

# Playwright's sync API runs an event loop in the test's thread; the ORM calls made by fixtures
# there are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright, chromium_path):
    browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_FLAGS)
    yield browser
    browser.close()


@pytest.fixture
def page(browser):
    """A page in a context of its own, collecting the console's errors."""
    context = browser.new_context()
    page = context.new_page()
    page.console_errors = []
    page.on(
        "console",
        lambda message: message.type == "error" and page.console_errors.append(message.text),
    )
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    yield page
    # The live server outlives the test: a request still in flight (a badge's poll, the last
    # click) would finish after the next test emptied the cache and share this test's provider
    # reads with it. Let what is under way end, and stop the page's polling, before closing.
    with contextlib.suppress(PlaywrightError):
        page.wait_for_load_state("networkidle", timeout=5000)
        page.goto("about:blank")
    context.close()


@pytest.fixture
def signed_in(page, live_server, transactional_db):
    """A page signed in through the login form as an admin."""
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
    yield from _serving(settings, pipecat_server)


@pytest.fixture
def slow_emulator(settings):
    """The Pipecat emulator on the real clock, so that a fault's delay really keeps the dashboard
    waiting; seeded with the demo's sets."""
    app = PipecatEmulator({PIPECAT_TOKEN: PIPECAT_ORG}, clock=Clock(), provisioning_delay=0.0)
    seed_demo(app, PIPECAT_ORG)
    with EmulatorServer(app) as server:
        yield from _serving(settings, server)


def _serving(settings, server):
    settings.PIPECAT_ACCOUNTS = (PipecatAccount("prod", server.url, Secret(PIPECAT_TOKEN)),)
    settings.PIPECAT_TIMEOUTS = Timeouts(connect=2.0, read=5.0)
    settings.PIPECAT_POLL_SECONDS = 1
    cache.clear()
    yield server.app
    cache.clear()


@pytest.fixture
def sets_page(signed_in, live_server, emulator):
    signed_in.goto(f"{live_server.url}/pipecat/prod/")
    return signed_in


LONG_SET = "speechtotextcredentialsofthecustomersupportvoiceagentsineurope1"
LONG_KEY = "SPEECH_TO_TEXT_PROVIDER_SERVICE_ACCOUNT_CREDENTIALS_JSONFILEPATH"


@pytest.fixture
def lived_in(signed_in, live_server, emulator, settings):
    """The admin's page on a dashboard in use: the demo's sets in every state, one more whose name
    and key are as long as Pipecat allows (no dash to break at), an audit log holding a change
    with fingerprints of long key names, a verification of the chain, which names its hash, and an
    alert on the long set whose delivery failed with a long error."""
    assert len(LONG_SET) == 63 and len(LONG_KEY) == 64
    seed_demo(emulator, PIPECAT_ORG)
    now = emulator.clock.now()
    with emulator.state_lock:
        emulator.store.add(
            PIPECAT_ORG,
            SecretSet(LONG_SET, SetType.REGULAR, "eu-central", now, now, values={LONG_KEY: "v"}),
        )
    settings.AUDIT_HMAC_KEY = Secret("audit-key-for-the-browser-" + "k" * 20)
    change = audit.record(
        audit.Actor.system("tests"),
        action="pipecat.secret_set.upsert",
        outcome="succeeded",
        subject=audit.Subject(
            provider="pipecat",
            account="prod",
            region="eu-central",
            target=LONG_SET,
            keys=(LONG_KEY, "OPENAI_API_KEY", "DEEPGRAM_API_KEY"),
        ),
        values={LONG_KEY: "v1", "OPENAI_API_KEY": "v2", "DEEPGRAM_API_KEY": "v3"},
    )
    alert = alerts.raise_alert(
        "set_status",
        provider="pipecat",
        account="prod",
        subject=LONG_SET,
        subject_id=LONG_SET,
        threshold="failed",
        message=f"Secret set {LONG_SET} could not be provisioned in region eu-central.",
    )
    assert alert is not None
    Delivery.objects.create(
        alert=alert,
        channel="ops-webhook-of-the-on-call-team",
        status=Delivery.Status.FAILED,
        attempts=12,
        created_at=timezone.now(),
        next_attempt_at=timezone.now(),
        last_error="ConnectError: " + "no-route-to-host-" * 8,
        last_error_at=timezone.now(),
    )
    page = signed_in
    page.goto(f"{live_server.url}/audit/")
    page.get_by_role("button", name="Verify the chain").click()
    expect(page.locator("#verification")).to_contain_text("every hash matches")
    page.change_url = f"{live_server.url}/audit/{change.sequence}/"
    page.set_url = f"{live_server.url}/pipecat/prod/sets/{LONG_SET}/"
    return page
