"""The audit log in Debian's Chromium: htmx filters under the CSP, and the Verify button."""

import pytest
from playwright.sync_api import expect

from secretsadmin.audit import services as audit
from secretsadmin.config import Secret

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_auditor_filters_the_log_and_verifies_the_chain(signed_in, live_server):
    system = audit.Actor.system("tests")
    for target in ("voice-prod", "voice-staging", "billing"):
        audit.record(
            system,
            action="pipecat.secret_set.delete",
            outcome="succeeded",
            subject=audit.Subject(provider="pipecat", account="prod", target=target),
        )
    page = signed_in
    page.goto(f"{live_server.url}/audit/")
    rows = page.locator("#results tbody tr")
    expect(rows.filter(has_text="pipecat.secret_set.delete")).to_have_count(3)

    navigations = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    page.get_by_label("Target").fill("billing")
    expect(rows.filter(has_text="pipecat.secret_set.delete")).to_have_count(1)
    expect(rows.filter(has_text="billing")).to_have_count(1)
    assert "target=billing" in page.url  # the filter is in the address, so it can be shared

    page.get_by_role("button", name="Verify the chain").click()
    expect(page.locator("#verification")).to_contain_text("every hash matches")
    assert page.console_errors == []
    assert all("/audit/" in url for url in navigations)


def test_an_auditor_checks_a_value_against_its_fingerprint(signed_in, live_server, settings):
    settings.AUDIT_HMAC_KEY = Secret("audit-key-for-the-browser-" + "k" * 20)
    event = audit.record(
        audit.Actor.system("tests"),
        action="pipecat.secret_set.upsert",
        outcome="succeeded",
        subject=audit.Subject(provider="pipecat", target="voice-prod"),
        values={"OPENAI_API_KEY": "sk-the-real-one"},
    )
    page = signed_in
    page.goto(f"{live_server.url}/audit/{event.sequence}/")
    page.get_by_label("Candidate value").fill("sk-a-guess")
    page.get_by_role("button", name="Check").click()
    expect(page.locator("#check")).to_contain_text("No match: OPENAI_API_KEY")
    field = page.get_by_label("Candidate value")
    field.fill("sk-the-real-one")
    # Browsers style fields themselves (autofill); htmx must not copy that onto the new field,
    # which the CSP would refuse with a console error.
    field.evaluate("element => { element.style.outline = '0'; }")
    page.get_by_role("button", name="Check").click()
    expect(page.locator("#check")).to_contain_text("Match: OPENAI_API_KEY held this value")
    assert page.url.endswith(f"/audit/{event.sequence}/")  # answered in place
    assert page.get_by_label("Candidate value").input_value() == ""
    assert page.console_errors == []
