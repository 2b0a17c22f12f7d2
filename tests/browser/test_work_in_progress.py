"""With a slow provider, the button that sent a change is disabled and shows progress until the
answer arrives, so that a second click cannot send the change again."""

import pytest
from playwright.sync_api import expect

from emulators.faults import Fault

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLOW = 1.5  # seconds the emulator takes to answer a change
SET = "/pipecat/prod/sets/prod-voice-agent/"

# Reports each change of the button's state on the console: while a post is on its way the page
# cannot be inspected from outside, only from within.
WATCH = """button => new MutationObserver(() => console.log(
  (button.disabled && button.getAttribute("aria-busy") === "true" ? "watch busy " : "watch idle ")
  + performance.now()
)).observe(button, {attributes: true})"""


@pytest.fixture
def set_page(signed_in, slow_emulator, live_server):
    signed_in.goto(live_server.url + SET)
    return signed_in


def fill_a_key(page) -> None:
    page.locator("[name=key_0]").fill("NEW_KEY")
    page.locator("[name=value_0]").fill("v")


def test_a_slow_save_holds_its_button_until_the_answer_and_a_double_click_sends_once(
    set_page, slow_emulator
):
    page = set_page
    reports = []
    page.on(
        "console",
        lambda message: (
            message.text.startswith("watch ")
            and reports.append(message.text.removeprefix("watch "))
        ),
    )
    slow_emulator.faults.add(Fault("put_set", delay=SLOW))
    fill_a_key(page)
    save = page.get_by_role("button", name="Save keys")
    save.evaluate(WATCH)
    save.dblclick(no_wait_after=True)
    expect(page.locator(".toast")).to_contain_text("1 key saved")
    states = [report.split() for report in reports]
    assert [state for state, _ in states][:1] == ["busy"]
    # Under htmx the button is let go when the answer arrives, just before the next page: never
    # before the provider's answer, SLOW seconds after the click.
    busy_at, *idle = (float(at) for _, at in states)
    assert all(at - busy_at >= SLOW * 1000 * 0.9 for at in idle)
    assert [state for state, _ in states].count("busy") == 1
    assert slow_emulator.calls("put_set") == 1
    expect(page.get_by_role("button", name="Save keys")).to_be_enabled()
    assert page.console_errors == []


def test_a_held_button_still_sends_its_name_and_value(set_page):
    page = set_page
    save = page.get_by_role("button", name="Save keys")
    save.evaluate("button => { button.name = 'intent'; button.value = 'save'; }")
    fill_a_key(page)
    with page.expect_request(lambda request: request.method == "POST") as sent:
        save.click()
    assert "intent=save" in sent.value.post_data.split("&")


def test_a_slow_removal_holds_the_key_s_button_until_it_is_answered(set_page, slow_emulator):
    page = set_page
    slow_emulator.faults.add(Fault("delete_key", delay=SLOW))
    remove = page.get_by_role("button", name="Remove CARTESIA_API_KEY")
    remove.click()
    page.get_by_role("dialog").get_by_role("button", name="Remove key").click()
    expect(remove).to_be_disabled()
    expect(remove).to_have_attribute("aria-busy", "true")
    expect(page.locator(".toast")).to_contain_text("Key CARTESIA_API_KEY removed")
    expect(remove).to_have_count(0)
    assert slow_emulator.calls("delete_key") == 1
    assert page.console_errors == []


def test_a_slow_htmx_request_holds_its_button_until_it_is_answered(set_page, slow_emulator):
    page = set_page
    slow_emulator.faults.add(Fault("get_set", delay=SLOW))  # the preview reads the set afresh
    fill_a_key(page)
    preview = page.get_by_role("button", name="Preview")
    preview.click()
    expect(preview).to_be_disabled()
    expect(preview).to_have_attribute("aria-busy", "true")
    expect(page.locator("#preview")).to_contain_text("New keys (1): NEW_KEY")
    expect(preview).to_be_enabled()
    expect(preview).not_to_have_attribute("aria-busy", "true")
    assert page.console_errors == []


def test_a_page_left_while_deleting_has_its_buttons_released_when_back_restores_it(
    signed_in, slow_emulator, live_server
):
    """A plain post (the confirmation page; the keys form posts through htmx) holds its button;
    a page the back/forward cache restores must not come back with it held. Whether Chromium
    keeps a page in that cache is its own choice, so the restore is the event it fires then."""
    page = signed_in
    page.goto(live_server.url + SET + "delete/")
    page.get_by_label("to confirm").fill("prod-voice-agent")
    # Last in line, after the page's own handler has held the button: the post is not sent.
    page.evaluate("addEventListener('submit', event => event.preventDefault())")
    delete = page.get_by_role("button", name="Delete prod-voice-agent")
    delete.click()
    expect(delete).to_be_disabled()  # held, as while the post is on its way
    page.evaluate("dispatchEvent(new PageTransitionEvent('pageshow', {persisted: true}))")
    expect(delete).to_be_enabled()
    expect(delete).not_to_have_attribute("aria-busy", "true")
