"""A set's page lists the agents that use it, read once per account per interval however many
pages ask; if the agents cannot be read the page still shows the set and says so."""

import math
import time

import pytest
from django.conf import settings

from emulators.pipecat import seed_demo
from emulators.pipecat.agents import Config
from secretsadmin.pipecat import selectors
from tests.fixtures.pipecat import PIPECAT_ORG
from tests.pipecat.conftest import Elements, fail_next, seed

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
        "voice-prod environment secrets us-west ready 1 day ago",
        "voice-prod-canary environment secrets us-west deploying just now",
    ]


def test_an_image_pull_secrets_page_names_the_agents_pulling_with_it(viewer, pipecat):
    seed_demo(pipecat, org=PIPECAT_ORG)

    html = page(viewer, "dockerhub-pull")

    assert users_table(html[html.index('id="set-users"') :]) == [
        "voice-prod image pull secret us-west ready 1 day ago",
        "voice-staging image pull secret us-west ready 2 h ago",
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
