"""A deployment's progress as the emulator shows it (`currentRevision`, `previousRevision`), and
deployments scripted to fail through the control API. Every answer is checked against the
published document."""

import pytest

from emulators.pipecat import seed_demo
from tests.fixtures.pipecat import PIPECAT_ORG

DEPLOY_DELAY = 10.0  # the emulator's default
FAILURES = "/_emulator/pipecat/deploy-failures"


def redeploy(client, agent):
    return client.post(f"/v1/agents/{agent}", json={"forceRedeploy": True}).json()


def shown(client, agent):
    return client.get(f"/v1/agents/{agent}").json()


def test_a_deployments_revision_goes_creating_validating_active(
    pipecat_client, pipecat_app, pipecat_clock
):
    seed_demo(pipecat_app, org=PIPECAT_ORG)
    old = shown(pipecat_client, "voice-prod")["desiredDeploymentId"]

    creating = redeploy(pipecat_client, "voice-prod")

    assert creating["currentRevision"]["phase"] == "Creating"
    assert "health" not in creating["currentRevision"]  # no replica has started yet
    assert creating["previousRevision"]["deploymentID"] == old
    assert creating["previousRevision"]["phase"] == "Active"

    pipecat_clock.advance(DEPLOY_DELAY / 2)
    validating = shown(pipecat_client, "voice-prod")

    assert validating["currentRevision"]["phase"] == "Validating"
    assert validating["currentRevision"]["health"]["ready"] is False
    assert (validating["ready"], validating["available"]) == (False, True)
    # Processed by the operator, not yet ready: the official client's "Progressing · Available".
    assert validating["reconciledDeploymentId"] == creating["desiredDeploymentId"]
    assert validating["previousRevision"]["deploymentID"] == old

    pipecat_clock.advance(DEPLOY_DELAY / 2)
    active = shown(pipecat_client, "voice-prod")

    assert active["currentRevision"]["phase"] == "Active"
    assert active["currentRevision"]["deploymentID"] == creating["desiredDeploymentId"]
    assert active["currentRevision"]["health"]["ready"] is True
    assert "previousRevision" not in active
    assert active["ready"] is True


def test_a_deployment_scripted_to_fail_fails_at_the_delay_and_the_old_one_keeps_serving(
    pipecat_client, pipecat_app, pipecat_clock
):
    seed_demo(pipecat_app, org=PIPECAT_ORG)
    old = shown(pipecat_client, "voice-prod")["desiredDeploymentId"]
    scripted = {"times": 1, "agent": "voice-prod", "message": "manifest unknown"}
    assert pipecat_client.post(FAILURES, json=scripted).status_code == 201

    other = redeploy(pipecat_client, "voice-staging")  # not the agent named
    new = redeploy(pipecat_client, "voice-prod")

    assert new["currentRevision"]["phase"] == "Creating"
    pipecat_clock.advance(DEPLOY_DELAY / 2)
    retrying = shown(pipecat_client, "voice-prod")["currentRevision"]

    assert (retrying["phase"], retrying["health"]["reason"]) == ("Validating", "ImagePullBackOff")

    pipecat_clock.advance(DEPLOY_DELAY / 2)
    failed = shown(pipecat_client, "voice-prod")

    assert failed["currentRevision"]["deploymentID"] == new["desiredDeploymentId"]
    assert failed["currentRevision"]["phase"] == "Failed"
    assert failed["currentRevision"]["health"] == {
        "ready": False,
        "state": "waiting",
        "restartCount": 0,
        "replicasStarted": 0,
        "reason": "ImagePullBackOff",
        "message": "manifest unknown",
    }
    assert (failed["ready"], failed["available"]) == (False, True)
    # The operator processed it ("when these match and `ready` is true, the deployment is fully
    # complete": they match, and it is not).
    assert (
        failed["reconciledDeploymentId"]
        == failed["desiredDeploymentId"]
        == new["desiredDeploymentId"]
    )
    assert failed["previousRevision"]["deploymentID"] == old
    assert failed["previousRevision"]["phase"] == "Active"
    assert shown(pipecat_client, "voice-staging")["ready"] is True
    assert (
        shown(pipecat_client, "voice-staging")["desiredDeploymentId"]
        == other["desiredDeploymentId"]
    )

    # Only the next one was scripted: a redeploy after it lands.
    again = redeploy(pipecat_client, "voice-prod")
    pipecat_clock.advance(DEPLOY_DELAY)
    landed = shown(pipecat_client, "voice-prod")

    assert landed["ready"] is True
    assert landed["reconciledDeploymentId"] == again["desiredDeploymentId"]
    assert landed["currentRevision"]["phase"] == "Active"


def test_a_new_agent_whose_first_deployment_fails_is_not_available(
    pipecat_client, pipecat_app, pipecat_clock
):
    pipecat_app.fail_next_deploys(reason="CrashLoopBackOff", message="Traceback: KeyError")
    created = pipecat_client.post("/v1/agents", json={"serviceName": "fresh", "image": "a/b:1"})
    assert created.status_code == 200

    pipecat_clock.advance(DEPLOY_DELAY)
    failed = shown(pipecat_client, "fresh")

    assert (failed["ready"], failed["available"]) == (False, False)
    assert "previousRevision" not in failed
    assert failed["currentRevision"]["health"]["reason"] == "CrashLoopBackOff"


@pytest.mark.parametrize("body", [{"times": 0}, {"times": "many"}, ["not", "an", "object"]])
def test_the_control_api_refuses_nonsense(pipecat_client, body):
    assert pipecat_client.post(FAILURES, json=body).status_code == 400


def test_reset_forgets_scripted_deploy_failures(pipecat_client, pipecat_app, pipecat_clock):
    pipecat_app.fail_next_deploys(3)

    assert pipecat_client.post("/_emulator/reset").status_code == 200

    seed_demo(pipecat_app, org=PIPECAT_ORG)
    redeploy(pipecat_client, "voice-prod")
    pipecat_clock.advance(DEPLOY_DELAY)
    assert shown(pipecat_client, "voice-prod")["currentRevision"]["phase"] == "Active"
