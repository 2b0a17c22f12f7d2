"""A set's page lists the agents that use it, read once per account per interval however many
pages ask; if the agents cannot be read the page still shows the set and says so."""

import math
import time
from html import unescape

import pytest
from django.conf import settings

from emulators.pipecat import seed_demo
from emulators.pipecat.agents import Config
from secretsadmin.pipecat import actions, selectors
from tests.fixtures.pipecat import PIPECAT_ORG
from tests.pipecat.conftest import Elements, events, fail_next, post, seed

pytestmark = pytest.mark.django_db


def page(client, name):
    response = client.get(f"/pipecat/prod/sets/{name}/")
    assert response.status_code == 200
    return response.content.decode()


def users_table(html):
    rows = Elements(html).all("tr")[1:]
    return [" ".join(cell["text"].split()) for cell in rows]


def test_a_sets_page_lists_the_agents_binding_it_with_readiness_and_deploy_time(viewer, pipecat):
    seed_demo(pipecat, org=PIPECAT_ORG)

    html = page(viewer, "prod-voice-agent")

    section = html[html.index('id="set-users"') :]
    assert users_table(section[: section.index("</table>")]) == [
        "voice-prod environment secrets us-west processed 1 day ago",
        "voice-prod-canary environment secrets us-west deploying just now",
    ]


def test_an_image_pull_secrets_page_names_the_agents_pulling_with_it(viewer, pipecat):
    seed_demo(pipecat, org=PIPECAT_ORG)

    html = page(viewer, "dockerhub-pull")

    assert users_table(html[html.index('id="set-users"') :]) == [
        "voice-prod image pull secret us-west processed 1 day ago",
        "voice-staging image pull secret us-west processed 2 h ago",
    ]


def test_a_set_no_agent_binds_says_so(viewer, pipecat):
    seed_demo(pipecat, org=PIPECAT_ORG)

    html = page(viewer, "crm-webhooks")

    assert Elements(html).one("p", id="users-none")["text"] == "No agent uses this set."


def test_agents_that_cannot_be_read_leave_the_set_readable_and_say_why(viewer, pipecat):
    seed_demo(pipecat, org=PIPECAT_ORG)
    fail_next(pipecat, "list_agents", 500, times=5)

    html = page(viewer, "prod-voice-agent")

    unread = Elements(html).one("div", id="users-unread")["text"]
    assert "The agents that use this set could not be read" in unread
    assert "Request id" in unread
    assert "<code>OPENAI_API_KEY</code>" in html  # the rest of the page is there


def test_finding_the_users_of_a_set_among_200_agents_is_one_read_per_interval(viewer, pipecat):
    names = seed(pipecat, 60)
    regular = [n for n in names if n.split("-")[1] != "pull"]
    with pipecat.state_lock:
        for n in range(200):
            bound = regular[n % len(regular)]
            region = pipecat.store.get(PIPECAT_ORG, bound).region
            pipecat.agents.add(
                PIPECAT_ORG, f"agent-{n:03}", region, Config("acme/a:1", bound), pipecat.clock.now()
            )
    before, started = pipecat.calls("list_agents"), time.monotonic()

    for name in regular * 2:
        page(viewer, name)
    expected = {
        name: sum(1 for n in range(200) if regular[n % len(regular)] == name) for name in regular
    }
    found = {name: len(selectors.agents_using("prod", name)) for name in regular}

    intervals = math.ceil((time.monotonic() - started) / settings.PIPECAT_POLL_SECONDS)
    assert found == expected
    assert intervals < len(regular)  # so the bound below says something
    assert 1 <= pipecat.calls("list_agents") - before <= 2 * intervals


# -- what a removal means for the agents ----------------------------------------------------------


def delete(editor, name):
    response = post(editor, f"/pipecat/prod/sets/{name}/delete/", {"confirm": name})
    assert response.status_code == 302
    return editor.get(response["Location"]).content.decode()


def test_deleting_a_set_agents_bind_is_refused_naming_them_and_recorded(editor, pipecat):
    seed_demo(pipecat, org=PIPECAT_ORG)

    html = delete(editor, "prod-voice-agent")

    said = (
        "Set prod-voice-agent is used by 2 agents (voice-prod, voice-prod-canary): bind them to "
        "another set and redeploy first. Nothing was deleted."
    )
    assert said in unescape(html)
    assert pipecat.calls("delete_set") == 0
    assert pipecat.store.get(PIPECAT_ORG, "prod-voice-agent") is not None
    (refusal,) = events(actions.SET_DELETE)
    assert (refusal.outcome, refusal.target, refusal.error_message) == (
        "denied",
        "prod-voice-agent",
        said,
    )


def test_an_agent_deployed_within_the_interval_still_stops_the_delete(editor, pipecat):
    seed_demo(pipecat, org=PIPECAT_ORG)
    page(editor, "crm-webhooks")  # "No agent uses this set", shared for the interval
    pipecat.clock.advance(pipecat.store.provisioning_delay + 600)  # crm-webhooks is ready now
    pipecat.agents.update(PIPECAT_ORG, "voice-staging", {"secretSet": "crm-webhooks"})

    html = delete(editor, "crm-webhooks")

    assert "is used by agent voice-staging: bind it to another set" in html
    assert pipecat.calls("delete_set") == 0


def test_a_set_no_agent_binds_is_deleted(editor, pipecat):
    seed_demo(pipecat, org=PIPECAT_ORG)

    html = delete(editor, "crm-webhooks")

    assert "Set crm-webhooks deleted." in html
    assert pipecat.store.get(PIPECAT_ORG, "crm-webhooks") is None
    assert [e.outcome for e in events(actions.SET_DELETE)] == ["attempted", "succeeded"]


def test_agents_that_cannot_be_read_stop_the_delete(editor, pipecat):
    seed_demo(pipecat, org=PIPECAT_ORG)
    fail_next(pipecat, "list_agents", 500, times=5)

    html = delete(editor, "crm-webhooks")

    assert "Which agents use the set could not be read: nothing was deleted." in html
    assert pipecat.calls("delete_set") == 0
    assert events(actions.SET_DELETE) == []


def test_removing_a_key_warns_that_the_agents_keep_the_old_value(editor, pipecat):
    seed_demo(pipecat, org=PIPECAT_ORG)

    asked = editor.get("/pipecat/prod/sets/prod-voice-agent/keys/OPENAI_API_KEY/delete/")
    dialog = page(editor, "prod-voice-agent")
    unused = editor.get("/pipecat/prod/sets/crm-webhooks/keys/HUBSPOT_ACCESS_TOKEN/delete/")

    warning = (
        "Used by 2 agents (voice-prod, voice-prod-canary): they keep the old value until "
        "redeployed."
    )
    assert warning in " ".join(asked.content.decode().split())
    assert warning in " ".join(dialog[dialog.index('id="remove-key"') :].split())
    assert "keep the old value" not in unused.content.decode()


def test_the_delete_page_says_a_set_in_use_cannot_be_deleted(editor, pipecat):
    seed_demo(pipecat, org=PIPECAT_ORG)

    asked = " ".join(
        editor.get("/pipecat/prod/sets/dockerhub-pull/delete/").content.decode().split()
    )

    assert "Used by 2 agents (voice-prod, voice-staging): a set in use cannot be deleted." in asked


def test_a_removal_whose_agents_cannot_be_read_says_so_with_the_request_id(editor, pipecat):
    seed_demo(pipecat, org=PIPECAT_ORG)
    fail_next(pipecat, "list_agents", 500, times=5)

    asked = editor.get("/pipecat/prod/sets/prod-voice-agent/keys/OPENAI_API_KEY/delete/")

    shown = " ".join(asked.content.decode().split())
    assert asked.status_code == 200
    assert "Which agents use this set could not be read" in shown
    assert asked["X-Request-ID"] in shown


def test_a_set_in_use_offers_no_delete_but_says_what_to_do_first(editor, pipecat):
    seed_demo(pipecat, org=PIPECAT_ORG)

    used, free = page(editor, "prod-voice-agent"), page(editor, "crm-webhooks")

    assert "Delete this set" not in used
    assert (
        "It cannot be deleted while the 2 agents above bind it: bind them to another set and "
        "redeploy first."
    ) in " ".join(used.split())
    assert "Delete this set" in free
