"""The audit log in Debian's Chromium: htmx filters under the CSP, and the Verify button."""

import pytest
from playwright.sync_api import expect

from secretsadmin.audit import services as audit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_auditor_filters_the_log_and_verifies_the_chain(signed_in, live_server):
    system = audit.Actor.system("tests")
    for target in ("voice-prod", "voice-staging", "billing"):
        audit.record(
            system,
            action="pipecat.secret_set.delete",
            outcome="succeeded",
            provider="pipecat",
            account="prod",
            target=target,
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
