"""A full redeploy in Debian's Chromium: a key changed, the agents that still run the old values
named, Redeploy, and each agent's deployment followed on the operation's page to done."""

import pytest
from playwright.sync_api import expect

from emulators.pipecat import seed_demo
from tests.fixtures.pipecat import PIPECAT_ORG

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_change_a_key_see_the_stale_agents_and_redeploy_them_to_done(
    signed_in, emulator, live_server, settings
):
    settings.ROLLOUT_POLL_SECONDS = 1
    seed_demo(emulator, PIPECAT_ORG)
    page = signed_in
    page.goto(f"{live_server.url}/pipecat/prod/sets/prod-voice-agent/")
    page.locator("[name=key_0]").fill("OPENAI_API_KEY")
    page.locator("[name=value_0]").fill("sk-rotated")
    page.get_by_role("button", name="Save keys").click()
    expect(page.locator(".toast")).to_contain_text("1 key saved in prod-voice-agent.")

    page.reload()
    expect(page.locator("#stale-agents")).to_contain_text(
        "2 agents still run a deployment older than the set's last change"
    )
    expect(page.locator("#users-list .stale")).to_have_count(2)
    page.get_by_label("Reason (optional, kept in the audit log)").last.fill("rotated OpenAI")
    page.get_by_role("button", name="Redeploy all 2").click()

    expect(page.locator(".toast")).to_contain_text("Redeploying 2 agents")
    steps = page.locator("#rollout-steps tbody tr")
    expect(steps).to_have_count(2)
    expect(steps.first).to_contain_text("Waiting for set prod-voice-agent to be ready")
    assert emulator.calls("update_agent") == 0

    emulator.clock.advance(emulator.store.provisioning_delay + 1)  # the set is ready
    expect(steps.first).to_have_attribute("data-state", "sent", timeout=10_000)
    expect(steps.nth(1)).to_have_attribute("data-state", "sent", timeout=10_000)
    assert emulator.calls("update_agent") == 2

    emulator.clock.advance(emulator.agents.deploy_delay / 2 + 1)  # reconciled, validating
    expect(steps.first).to_contain_text("phase Validating", timeout=10_000)
    expect(steps.first).to_contain_text("the previous deployment still serves")

    emulator.clock.advance(emulator.agents.deploy_delay)  # landed
    expect(page.locator("#rollout-progress")).to_have_attribute(
        "data-state", "done", timeout=10_000
    )
    expect(steps.first).to_have_attribute("data-state", "done")
    expect(steps.nth(1)).to_have_attribute("data-state", "done")
    expect(page.locator("#rollout-progress")).to_contain_text("Every step is done and checked.")
    assert page.console_errors == []


def test_a_poll_refused_says_so_on_the_page_and_goes_on_asking(
    signed_in, emulator, live_server, settings
):
    """The editor loses the role while the page carries the redeploy on: its polls are refused
    (403, not swapped in), and the page says it is not refreshed instead of looking busy."""
    from django.contrib.auth.models import User

    settings.ROLLOUT_POLL_SECONDS = 1
    seed_demo(emulator, PIPECAT_ORG)
    page = signed_in
    page.goto(f"{live_server.url}/pipecat/prod/sets/prod-voice-agent/")
    page.get_by_role("button", name="Redeploy all 2").click()
    expect(page.locator("#rollout-steps tbody tr")).to_have_count(2)

    User.objects.get(username="ada").groups.clear()

    note = page.locator("#rollout-progress .poll-problem")
    expect(note).to_contain_text("Not refreshed: the dashboard answered 403", timeout=10_000)
    page.console_errors.clear()  # the browser reports each refused poll itself
