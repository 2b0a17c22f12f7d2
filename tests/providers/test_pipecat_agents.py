"""The Pipecat client's agent reads against the emulator: the sets each agent binds, readiness
as the list and the detail tell it, and what is refused or malformed."""

from datetime import UTC, datetime

import httpx
import pytest

from emulators.faults import Fault
from emulators.pipecat import seed_demo
from secretsadmin.providers.pipecat import Agent, MalformedResponse, NotFound, PipecatClient
from tests.fixtures.pipecat import PIPECAT_ORG

from .conftest import TIMEOUTS, account


def deployed_at(app, name):
    at = app.agents.get(PIPECAT_ORG, name).desired.created_at
    return datetime.fromisoformat(app.agents.iso(at))


def test_the_list_gives_every_agent_with_the_sets_it_binds(api, pipecat_app):
    seed_demo(pipecat_app, org=PIPECAT_ORG)

    agents = {agent.name: agent for agent in api.list_agents()}

    prod = pipecat_app.agents.get(PIPECAT_ORG, "voice-prod")
    assert agents["voice-prod"] == Agent(
        name="voice-prod",
        region="us-west",
        deployment_id=prod.desired.id,
        deployed_at=deployed_at(pipecat_app, "voice-prod"),
        landed=True,
        available=None,
        env_sets=("prod-voice-agent",),
        image_pull_set="dockerhub-pull",
    )
    assert agents["voice-prod"].deployed_at.tzinfo is not None
    assert agents["voice-prod-canary"].landed is False
    assert agents["eu-support"].image_pull_set is None
    assert [name for name, a in agents.items() if a.binds("prod-voice-agent")] == [
        "voice-prod",
        "voice-prod-canary",
    ]
    assert [name for name, a in agents.items() if a.binds("dockerhub-pull")] == [
        "voice-prod",
        "voice-staging",
    ]
    assert [r.path for r in pipecat_app.requests] == ["/v1/agents"]


def test_one_agent_lands_only_when_its_new_deployment_is_ready(api, pipecat_app, pipecat_clock):
    seed_demo(pipecat_app, org=PIPECAT_ORG)
    pipecat_app.agents.update(PIPECAT_ORG, "voice-prod", {"forceRedeploy": True})

    landing = api.get_agent("voice-prod")
    listed = {a.name: a for a in api.list_agents()}["voice-prod"]

    assert (landing.landed, landing.available) == (False, True)
    assert listed.landed is False
    assert landing.deployment_id == pipecat_app.agents.get(PIPECAT_ORG, "voice-prod").desired.id

    pipecat_clock.advance(pipecat_app.agents.deploy_delay)

    assert api.get_agent("voice-prod").landed is True
    assert {a.name: a for a in api.list_agents()}["voice-prod"].landed is True


def test_an_unknown_agent_is_not_found_and_a_name_no_agent_can_have_is_not_sent(api, pipecat_app):
    with pytest.raises(NotFound) as caught:
        api.get_agent("nope")

    assert caught.value.message == "Not found"
    with pytest.raises(ValueError, match="not a name a Pipecat Cloud agent can have"):
        api.get_agent("../secrets/x")
    assert [r.path for r in pipecat_app.requests] == ["/v1/agents/nope"]


def test_a_failed_list_says_so(api, pipecat_app):
    pipecat_app.faults.add(Fault("list_agents", malformed=True))

    with pytest.raises(MalformedResponse):
        api.list_agents()


@pytest.mark.parametrize(
    ("item", "complaint"),
    [
        ({"region": "us-west", "desiredDeploymentId": "d"}, "'name' is missing"),
        (
            {"name": "a", "region": "us-west", "desiredDeploymentId": "d",
             "deployment": {"manifest": {"spec": {"envFromSecretNames": "one"}},
                            "createdAt": "2025-04-19T01:25:47.225Z"}},
            "'envFromSecretNames' is not a list",
        ),
        (
            {"name": "a", "region": "us-west", "desiredDeploymentId": "d",
             "deployment": {"manifest": {"spec": {}}, "createdAt": "yesterday"}},
            "'createdAt' is not a time",
        ),
    ],
)  # fmt: skip
def test_an_agent_in_an_unexpected_shape_is_a_malformed_response(item, complaint):
    body = {"services": [item]}
    client = PipecatClient(
        account(), TIMEOUTS, transport=httpx.MockTransport(lambda r: httpx.Response(200, json=body))
    )
    with pytest.raises(MalformedResponse, match=complaint):
        client.list_agents()


def test_the_documented_example_decodes():
    """The published document's own example of an agent, as the real API sends it."""
    example = {
        "name": "voice-starter", "region": "us-west", "ready": True, "available": True,
        "desiredDeploymentId": "19db578d", "reconciledDeploymentId": "19db578d",
        "deployment": {
            "id": "19db578d",
            "manifest": {"spec": {"imagePullSecretName": "dockerhub-credentials",
                                  "envFromSecretNames": ["voice-starter-secrets"]}},
            "createdAt": "2025-04-19T01:25:47.225Z",
        },
    }  # fmt: skip
    client = PipecatClient(
        account(),
        TIMEOUTS,
        transport=httpx.MockTransport(lambda r: httpx.Response(200, json=example)),
    )

    agent = client.get_agent("voice-starter")

    assert agent.deployed_at == datetime(2025, 4, 19, 1, 25, 47, 225000, tzinfo=UTC)
    assert (agent.env_sets, agent.image_pull_set) == (
        ("voice-starter-secrets",),
        "dockerhub-credentials",
    )
    assert (agent.landed, agent.available) == (True, True)
