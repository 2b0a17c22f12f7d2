"""The Pipecat client's redeploy against the emulator, and how far a deployment has got as
`get_agent` reads it: in progress, landed, failed while the old one keeps serving."""

import json
from datetime import UTC, datetime

import httpx
import pytest

from emulators.faults import Fault
from emulators.pipecat import seed_demo
from emulators.transport import EmulatorTransport
from secretsadmin.audit.changes import Answer
from secretsadmin.providers.pipecat import (
    MalformedResponse,
    NotFound,
    PipecatClient,
    Redeployed,
    ServerError,
    SetNotReady,
)
from tests.fixtures.pipecat import PIPECAT_ORG

from .conftest import TIMEOUTS, account

DEPLOY_DELAY = 10.0  # the emulator's default


class Recording(httpx.BaseTransport):
    """Keeps every request sent, bodies included, on its way to the emulator."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner, self.sent = inner, []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        return self.inner.handle_request(request)


def deployments(app, name):
    return [d.id for d in app.agents.get(PIPECAT_ORG, name).deployments]


def test_a_redeploy_asks_only_for_a_new_deployment_and_returns_it_to_follow(
    make_client, pipecat_app, pipecat_clock
):
    seed_demo(pipecat_app, org=PIPECAT_ORG)
    before = pipecat_app.agents.get(PIPECAT_ORG, "voice-prod").desired
    recording = Recording(EmulatorTransport(pipecat_app))
    api = make_client(transport=recording)

    redeployed = api.redeploy("voice-prod")

    [request] = recording.sent
    assert (request.method, request.url.path) == ("POST", "/v1/agents/voice-prod")
    assert json.loads(request.content) == {"forceRedeploy": True}
    agent = pipecat_app.agents.get(PIPECAT_ORG, "voice-prod")
    answer: Answer = redeployed  # what the audit log records a change's outcome from
    assert isinstance(redeployed, Redeployed)
    assert answer.status == 200
    assert redeployed.deployment_id == agent.desired.id != before.id
    assert agent.desired.config == before.config  # nothing else changed
    state = redeployed.agent.state
    assert (state.landed, state.failed, state.in_progress) == (False, False, True)
    assert state.phase == "Creating"
    assert (state.old_serves, state.serving_id) == (True, before.id)
    assert state.previous.deployment_id == before.id

    pipecat_clock.advance(DEPLOY_DELAY / 2)
    validating = api.get_agent("voice-prod").state

    assert (validating.phase, validating.reconciled_id) == ("Validating", agent.desired.id)
    validating_since = pipecat_app.agents.iso(agent.desired.reconciled_at)
    assert validating.revision.phase_started_at == datetime.fromisoformat(validating_since)
    assert (validating.landed, validating.in_progress, validating.old_serves) == (False, True, True)

    pipecat_clock.advance(DEPLOY_DELAY / 2)
    landed = api.get_agent("voice-prod")

    assert landed.landed is True
    assert (landed.state.landed, landed.state.in_progress, landed.state.phase) == (
        True,
        False,
        "Active",
    )
    assert (landed.state.old_serves, landed.state.serving_id) == (False, agent.desired.id)
    assert landed.state.previous is None


def test_a_failed_deployment_says_why_while_the_old_one_keeps_serving(
    api, pipecat_app, pipecat_clock
):
    seed_demo(pipecat_app, org=PIPECAT_ORG)
    old = pipecat_app.agents.get(PIPECAT_ORG, "voice-prod").desired.id
    pipecat_app.fail_next_deploys(agent="voice-prod", message="pull access denied")
    new = api.redeploy("voice-prod").deployment_id

    pipecat_clock.advance(DEPLOY_DELAY / 2)
    retrying = api.get_agent("voice-prod").state

    assert (retrying.failed, retrying.in_progress) == (False, True)
    assert retrying.revision.trouble == "ImagePullBackOff"

    pipecat_clock.advance(DEPLOY_DELAY / 2)
    agent = api.get_agent("voice-prod")
    state = agent.state

    assert agent.deployment_id == new
    assert agent.landed is False
    assert (state.failed, state.in_progress, state.phase) == (True, False, "Failed")
    assert (state.revision.reason, state.revision.message) == (
        "ImagePullBackOff",
        "pull access denied",
    )
    assert state.revision.trouble == "ImagePullBackOff"
    assert (state.ready, state.available, state.reconciled_id) == (False, True, new)
    assert (state.old_serves, state.serving_id) == (True, old)
    assert (state.previous.deployment_id, state.previous.phase) == (old, "Active")


def test_a_set_still_provisioning_refuses_the_redeploy_and_nothing_is_deployed(api, pipecat_app):
    seed_demo(pipecat_app, org=PIPECAT_ORG)
    api.upsert_set("prod-voice-agent", {"OPENAI_API_KEY": "rotated"})
    before = deployments(pipecat_app, "voice-prod")

    with pytest.raises(SetNotReady) as caught:
        api.redeploy("voice-prod")

    assert caught.value.status == 409
    assert caught.value.set_name == "prod-voice-agent"
    assert "is not yet ready" in caught.value.message
    assert deployments(pipecat_app, "voice-prod") == before
    # Not repeated: a POST the API refused stays refused until the set is ready.
    assert [r.method for r in pipecat_app.requests].count("POST") == 1


def test_any_409_of_a_redeploy_is_a_set_not_ready_whatever_its_words(api, pipecat_app):
    seed_demo(pipecat_app, org=PIPECAT_ORG)
    pipecat_app.faults.add(Fault("update_agent", status=409, message="Conflict"))

    with pytest.raises(SetNotReady) as caught:
        api.redeploy("voice-prod")

    assert caught.value.set_name is None


def test_a_gone_agent_and_a_gone_set_are_not_found(api, pipecat_app):
    seed_demo(pipecat_app, org=PIPECAT_ORG)

    with pytest.raises(NotFound) as gone_agent:
        api.redeploy("nope")
    pipecat_app.store.delete(PIPECAT_ORG, "eu-support-bot")
    with pytest.raises(NotFound) as gone_set:
        api.redeploy("eu-support")

    # The API answers both alike: only a read of the agent tells them apart (`redeploys`).
    assert gone_agent.value.message == "Service not found"
    assert gone_set.value.message == "Secret set not found"
    with pytest.raises(ValueError, match="not a name a Pipecat Cloud agent can have"):
        api.redeploy("../secrets/x")


def test_a_redeploy_that_met_a_server_error_is_not_repeated(api, pipecat_app):
    seed_demo(pipecat_app, org=PIPECAT_ORG)
    pipecat_app.faults.add(Fault("update_agent", status=503, after_effect=True))
    before = deployments(pipecat_app, "voice-prod")

    with pytest.raises(ServerError) as caught:
        api.redeploy("voice-prod")

    assert caught.value.may_have_applied is True
    assert len(deployments(pipecat_app, "voice-prod")) == len(before) + 1
    assert [r.method for r in pipecat_app.requests].count("POST") == 1


def client_answering(body):
    return PipecatClient(
        account(),
        TIMEOUTS,
        transport=httpx.MockTransport(lambda r: httpx.Response(200, json=body)),
    )


DETAIL = {
    "name": "voice-starter", "region": "us-west", "ready": False, "available": True,
    "desiredDeploymentId": "new", "reconciledDeploymentId": "old",
    "deployment": {"id": "new", "manifest": {"spec": {}}, "createdAt": "2025-04-19T01:25:47Z"},
    "previousRevision": {"deploymentID": "old", "phase": "Active", "readyReplicas": 1},
}  # fmt: skip


def test_a_crash_loop_is_trouble_shown_beside_progress_not_a_failure():
    """Kubernetes keeps restarting a crashing container: only the phase `Failed` is final."""
    crashing = {
        "deploymentID": "new", "phase": "Validating", "readyReplicas": 0,
        "health": {"ready": False, "state": "waiting", "restartCount": 4, "replicasStarted": 1,
                   "reason": "CrashLoopBackOff", "lastTerminationReason": "Error",
                   "message": "Traceback (most recent call last): ..."},
    }  # fmt: skip

    state = (
        client_answering(DETAIL | {"currentRevision": crashing}).get_agent("voice-starter").state
    )

    assert (state.failed, state.in_progress, state.phase) == (False, True, "Validating")
    assert state.revision.trouble == "CrashLoopBackOff"
    assert state.revision.message.startswith("Traceback")
    assert (state.old_serves, state.serving_id) == (True, "old")


def test_a_revision_of_an_older_deployment_is_not_the_desired_ones_progress():
    """Just after a deploy the API may still show the revision before it as current."""
    older = {"deploymentID": "old", "phase": "Active", "readyReplicas": 1}

    state = client_answering(DETAIL | {"currentRevision": older}).get_agent("voice-starter").state

    assert (state.revision, state.phase, state.failed, state.in_progress) == (
        None,
        None,
        False,
        True,
    )


def test_the_documented_example_has_landed_with_no_previous_revision():
    example = DETAIL | {
        "ready": True, "reconciledDeploymentId": "new", "previousRevision": None,
        "currentRevision": {
            "deploymentID": "new", "phase": "Active", "readyReplicas": 1,
            "phaseStartedAt": "2025-04-19T01:26:00.000Z",
            "health": {"ready": True, "state": "running", "restartCount": 0, "replicasStarted": 1},
        },
    }  # fmt: skip

    state = client_answering(example).get_agent("voice-starter").state

    assert (state.landed, state.serving_id, state.previous) == (True, "new", None)
    assert state.revision.phase_started_at == datetime(2025, 4, 19, 1, 26, tzinfo=UTC)
    assert state.revision.trouble is None


@pytest.mark.parametrize(
    ("revision", "complaint"),
    [
        ({"deploymentID": "new", "phase": "Rolling"}, "unknown phase 'Rolling'"),
        ({"phase": "Active"}, "'deploymentID' is missing"),
        ({"deploymentID": "new", "phase": "Active", "health": {"state": "odd"}}, "health state"),
        ("Active", "'currentRevision' is not an object"),
    ],
)
def test_a_revision_in_an_unexpected_shape_is_a_malformed_response(revision, complaint):
    with pytest.raises(MalformedResponse, match=complaint):
        client_answering(DETAIL | {"currentRevision": revision}).get_agent("voice-starter")
