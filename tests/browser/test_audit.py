"""The audit log in Debian's Chromium: htmx filters under the CSP, and the Verify button."""

import re

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


def test_an_auditor_picks_a_family_of_actions_and_opens_the_set_an_event_names(
    signed_in, live_server, pipecat_prod
):
    system = audit.Actor.system("tests")
    for action in ("pipecat.secret_set.upsert", "pipecat.secret_key.delete"):
        audit.record(
            system,
            action=action,
            outcome="succeeded",
            subject=audit.Subject(
                provider="pipecat", account="prod", target="voice-prod", keys=("API_KEY",)
            ),
        )
    audit.record(
        system,
        action="audit.export",
        outcome="succeeded",
        subject=audit.Subject(target="csv (all events)"),
    )
    page = signed_in
    page.goto(f"{live_server.url}/audit/")
    offered = page.locator("#action-names option").evaluate_all("os => os.map(o => o.value)")
    assert {"pipecat", "pipecat.secret_set", "pipecat.secret_set.upsert"} <= set(offered)

    page.get_by_label("Action").fill("pipecat")
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(2)
    assert "action=pipecat" in page.url
    rows.first.get_by_role("link", name="voice-prod").click()
    expect(page.locator("h1")).to_contain_text("voice-prod")
    expect(page.get_by_text("API_KEY")).to_be_visible()
    assert page.console_errors == []


def test_value_checks_show_their_verdict_in_the_colour_of_its_meaning(signed_in, live_server):
    system = audit.Actor.system("tests")
    checked = audit.record(system, action="pipecat.secret_set.upsert", outcome="succeeded")
    for verdict in ("match", "different", "other key"):
        audit.record(
            system,
            action="audit.value_check",
            outcome="succeeded",
            subject=audit.Subject(
                target=f"event #{checked.sequence}", target_id=verdict, keys=("API_KEY",)
            ),
        )
    audit.record(system, action="auth.denied", outcome="denied")
    audit.attempt(system, action="gcore.secret.create", subject=audit.Subject(target="tls-cert"))
    page = signed_in
    page.goto(f"{live_server.url}/audit/")

    def colour(text: str) -> str:
        badge = page.locator("#results .badge", has_text=re.compile(f"^{text}$")).first
        return badge.evaluate("element => getComputedStyle(element).backgroundColor")

    assert colour("match") == colour("succeeded")
    assert colour("no match") == colour("denied")
    assert colour("cannot tell") == colour("attempted")
    assert len({colour("match"), colour("no match"), colour("cannot tell")}) == 3
