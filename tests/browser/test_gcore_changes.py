"""The Gcore change pages in Debian's Chromium, at a desktop's and a phone's width, against a live
server and the Gcore emulator over HTTP on a manual clock (its tasks move when the test says):
create a secret and watch its badge finish, upload a TLS certificate (a key of another refused
with nothing sent), delete by typing the name. Screenshots go to /tmp/shots-write/."""

import re
from pathlib import Path

import pytest
from django.core.cache import cache
from playwright.sync_api import Locator, Page, expect

from emulators.clock import ManualClock
from emulators.server import EmulatorServer
from secretsadmin.config import Secret
from secretsadmin.providers.config import Timeouts
from secretsadmin.providers.gcore import GcoreAccount
from tests.fixtures.certificates import make_chain
from tests.fixtures.gcore import GCORE_KEY, OTHER_REGION_ID, PROJECT_ID, REGION_ID, new_app

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/tmp/shots-write")
PAYLOAD = "gc-browser-token-5a1f"


@pytest.fixture
def gcore_live(settings):
    """The Gcore emulator over HTTP behind the account `prod`; badges poll every second."""
    app = new_app(ManualClock())
    with EmulatorServer(app) as server:
        regions = (REGION_ID, OTHER_REGION_ID)
        settings.GCORE_ACCOUNTS = (
            GcoreAccount("prod", server.url, Secret(GCORE_KEY), PROJECT_ID, regions),
        )
        settings.GCORE_TIMEOUTS = Timeouts(connect=2.0, read=5.0)
        settings.GCORE_POLL_SECONDS = 1
        cache.clear()
        yield app
        cache.clear()


@pytest.fixture(params=[1280, 360], ids=["desktop", "phone"])
def gcore_page(request, signed_in, live_server, gcore_live) -> Page:
    width = request.param
    signed_in.set_viewport_size({"width": width, "height": 900 if width > 1000 else 780})
    signed_in.width = width
    signed_in.goto(f"{live_server.url}/gcore/prod/")
    return signed_in


def shoot(page: Page, name: str, part: Locator | None = None) -> None:
    """The page (or a `part` of it) in both themes, as a person sees it at this width."""
    SHOTS.mkdir(exist_ok=True)
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        path = str(SHOTS / f"{name}-{page.width}-{scheme}.png")
        if part is None:
            page.screenshot(path=path, full_page=True)
        else:
            part.screenshot(path=path)
    page.emulate_media(color_scheme="light")


def fits(page: Page) -> None:
    """Nothing wider than the window: no sideways scrolling on a phone."""
    assert page.evaluate("document.documentElement.scrollWidth") <= page.width


def test_create_an_opaque_secret_and_watch_its_badge_finish(gcore_page, gcore_live):
    page = gcore_page
    gcore_live.add_secret(PROJECT_ID, REGION_ID, "taken-name", "opaque", b"x")
    # Made by another tool after the list was read: the name check reads the shared list, up to
    # an interval old, and would not know it yet (the server checks afresh on submit).
    cache.clear()
    page.get_by_role("link", name="New secret").click()
    expect(page.get_by_role("heading", name="New secret")).to_be_visible()
    expect(page.get_by_label("Algorithm")).to_be_hidden()  # an opaque secret has none
    page.get_by_label("Type", exact=True).select_option("symmetric")
    expect(page.get_by_label("Algorithm")).to_be_visible()
    expect(page.get_by_label("Mode")).to_be_visible()
    page.get_by_label("Type", exact=True).select_option("public")
    expect(page.get_by_label("Mode")).to_be_hidden()
    page.get_by_label("Type", exact=True).select_option("opaque")

    name = page.get_by_label("Name", exact=True)
    name.fill("taken-name")
    expect(page.locator("#name-check")).to_contain_text("holds a secret named taken-name already")
    expect(page.get_by_label("Create another secret named taken-name")).to_be_visible()
    shoot(page, "duplicate-name", page.locator("#name-check"))
    name.fill("api-token")
    expect(page.locator("#name-check")).to_contain_text("is named api-token")
    page.get_by_label("Secret", exact=True).fill(PAYLOAD)
    fits(page)
    shoot(page, "secret-new")
    page.get_by_role("button", name="Create secret").click()

    expect(page.locator(".toast")).to_contain_text("Gcore Cloud is creating the secret api-token")
    badge = page.locator(".change-badge")
    expect(badge).to_contain_text("creating…")
    expect(badge).to_contain_text("is creating the secret api-token")
    fits(page)
    shoot(page, "secret-creating")
    gcore_live.clock.advance(5)
    expect(badge.locator(".badge")).to_have_text("done", timeout=10_000)
    expect(badge).to_contain_text("created the secret api-token")
    expect(page.locator("#secrets")).to_contain_text("api-token")  # refreshed on gcore-changed
    [secret] = [s for s in gcore_live.secrets(PROJECT_ID, REGION_ID) if s.name == "api-token"]
    assert secret.payload == PAYLOAD.encode()
    assert PAYLOAD not in page.content()
    shoot(page, "secret-done")
    assert page.console_errors == []


def test_upload_a_tls_certificate_a_key_of_another_refused_first(gcore_page, gcore_live):
    page = gcore_page
    chain = make_chain("www.example.test", sans=("www.example.test", "example.test"))
    other = make_chain("shop.example.test", prefix="Other")
    page.get_by_role("link", name="Upload a TLS certificate").click()
    page.get_by_label("Name", exact=True).fill("www-example-test")
    page.get_by_label("Certificate (PEM)").fill(chain.leaf.cert_pem)
    page.get_by_label("Chain (PEM, optional)").fill(chain.chain_pem)
    key = page.get_by_label("Private key (PEM)")
    key.fill(other.leaf.key_pem)
    page.get_by_role("button", name="Check").click()
    facts = page.locator("#certificate-facts")
    expect(facts).to_contain_text("The private key does not match the certificate")
    expect(facts).to_contain_text("CN=www.example.test")
    expect(key).to_have_value(other.leaf.key_pem)  # kept in the browser: only facts came back
    page.get_by_role("button", name="Upload certificate").click()
    expect(page.locator("#certificate-errors")).to_contain_text("The private key does not match")
    assert gcore_live.calls("create_tls_secret") == 0
    fits(page)
    shoot(page, "certificate-refused")
    shoot(page, "certificate-refused-bottom", page.locator("#certificate-errors"))

    key.fill(chain.leaf.key_pem)
    page.get_by_role("button", name="Check").click()
    expect(facts).to_contain_text("Ready to upload")
    expect(facts).to_contain_text("RSA, 2048 bits")
    expect(facts).to_contain_text(re.compile(r"\d+ days left"))
    expect(page.locator("#certificate-errors")).not_to_contain_text("Nothing was saved")
    fits(page)
    shoot(page, "certificate-checked")
    shoot(page, "certificate-facts", facts)
    assert not [line for line in chain.leaf.key_pem.splitlines()[1:-1] if line in page.content()]
    page.get_by_role("button", name="Upload certificate").click()
    expect(page.locator(".change-badge")).to_contain_text("uploading…")
    gcore_live.clock.advance(5)
    expect(page.locator(".change-badge .badge")).to_have_text("done", timeout=10_000)
    [secret] = gcore_live.secrets(PROJECT_ID, REGION_ID)
    assert secret.expiration == chain.leaf.cert.not_valid_after_utc
    # Chromium notes every 4xx answer in the console; the refused upload's 422 is the only line.
    assert [e for e in page.console_errors if "status of 422" not in e] == []


def test_delete_a_secret_by_typing_its_name(gcore_page, gcore_live, live_server):
    page = gcore_page
    secret = gcore_live.add_secret(PROJECT_ID, REGION_ID, "old-token", "opaque", b"x")
    page.goto(f"{live_server.url}/gcore/prod/{REGION_ID}/{secret.id}/")
    page.get_by_role("link", name="Delete old-token").click()
    confirm = page.get_by_label("Type old-token to confirm")
    confirm.fill("old")
    page.get_by_role("button", name="Delete old-token").click()
    expect(page.locator(".field-error")).to_contain_text("Type old-token exactly")
    fits(page)
    shoot(page, "delete-refused")
    page.get_by_label("Type old-token to confirm").fill("old-token")
    page.get_by_role("button", name="Delete old-token").click()
    expect(page.locator(".toast")).to_contain_text("Gcore Cloud is deleting the secret old-token")
    expect(page.locator(".change-badge")).to_contain_text("deleting…")
    gcore_live.clock.advance(5)
    expect(page.locator(".change-badge .badge")).to_have_text("done", timeout=10_000)
    expect(page.locator("#secrets")).not_to_contain_text("old-token")
    assert gcore_live.secrets(PROJECT_ID, REGION_ID) == []
    # The refused confirmation is answered 400: Chromium's only console line.
    assert [e for e in page.console_errors if "status of 400" not in e] == []


def test_a_task_in_error_shows_gcores_message(gcore_page, gcore_live):
    page = gcore_page
    gcore_live.fail_next_task(message="Secret store quota exceeded in Luxembourg-2")
    page.get_by_role("link", name="New secret").click()
    page.get_by_label("Name", exact=True).fill("quota-test")
    page.get_by_label("Secret", exact=True).fill(PAYLOAD)
    page.get_by_role("button", name="Create secret").click()
    badge = page.locator(".change-badge")
    expect(badge).to_contain_text("creating…")
    gcore_live.clock.advance(5)
    expect(badge.locator(".badge")).to_have_text("failed", timeout=10_000)
    expect(badge).to_contain_text("Secret store quota exceeded in Luxembourg-2")
    fits(page)
    shoot(page, "task-error", badge)
    assert page.console_errors == []
