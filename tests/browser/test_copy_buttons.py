"""Copy buttons beside hashes, ids and key names put the whole value on the clipboard."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Plain http away from localhost is not a secure context: browsers give it no clipboard API.
NO_CLIPBOARD_API = """
window.realClipboard = navigator.clipboard;
Object.defineProperty(Navigator.prototype, "clipboard", { get: () => undefined });
"""


@pytest.fixture
def clipboard(lived_in, live_server):
    permissions = ["clipboard-read", "clipboard-write"]
    lived_in.context.grant_permissions(permissions, origin=live_server.url)
    return lived_in


def test_the_chain_head_hash_is_copied_and_the_button_says_so(clipboard, live_server):
    page = clipboard
    page.goto(f"{live_server.url}/audit/")
    head = page.get_by_test_id("head-hash").inner_text()
    button = page.locator("button[data-copy]").first  # its name changes, so not found by it
    expect(button).to_have_accessible_name("Copy chain head hash")
    button.click()
    expect(button).to_have_accessible_name("Copied chain head hash")
    expect(page.get_by_role("status").filter(has_text="Copied chain head hash")).to_have_count(1)
    assert page.evaluate("navigator.clipboard.readText()") == head
    expect(button).to_be_focused()
    expect(button).to_have_accessible_name("Copy chain head hash")  # ready for another copy
    assert page.console_errors == []


def test_a_key_name_is_copied_without_the_clipboard_api(clipboard, live_server):
    page = clipboard
    page.add_init_script(NO_CLIPBOARD_API)
    page.goto(page.set_url)
    assert page.evaluate("navigator.clipboard") is None
    row = page.locator(".keys-table tbody tr").first
    key = row.locator("code").inner_text()
    button = row.locator("button[data-copy]")
    expect(button).to_have_accessible_name(f"Copy key name {key}")
    button.click()
    expect(button).to_have_accessible_name(f"Copied key name {key}")
    assert page.evaluate("window.realClipboard.readText()") == key
    assert page.console_errors == []


def test_request_ids_and_fingerprints_on_an_event_page_have_copy_buttons(lived_in):
    page = lived_in
    page.goto(page.change_url)
    request_id = page.get_by_role("button", name="Copy request id")
    expect(request_id).to_have_attribute("data-copy", page.locator("a code").first.inner_text())
    fingerprints = page.locator("#fingerprints + .hint + .fields dd")
    expect(fingerprints).to_have_count(3)
    for fingerprint in fingerprints.all():
        expect(fingerprint.get_by_role("button")).to_have_attribute(
            "data-copy", fingerprint.locator("code").inner_text()
        )
