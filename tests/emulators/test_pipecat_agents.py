"""The emulator's agents over HTTP, in process: every answer is checked against the published
OpenAPI document (its `/agents` paths), the undocumented 409 against its error schema."""

from emulators.pipecat import seed_demo
from tests.fixtures.pipecat import OTHER_TOKEN, PIPECAT_ORG, PROVISIONING_DELAY

DEPLOY_DELAY = 10.0  # the emulator's default


def spec_of(body):
    return body["deployment"]["manifest"]["spec"]


def test_the_list_shows_each_agent_and_its_bound_sets_only_when_asked(pipecat_client, pipecat_app):
    seed_demo(pipecat_app, org=PIPECAT_ORG)

    bare = pipecat_client.get("/v1/agents").json()["services"]
    full = pipecat_client.get("/v1/agents", params={"includeActiveDeployment": "true"}).json()

    assert [a["name"] for a in bare] == [
        "voice-prod", "voice-prod-canary", "voice-staging", "eu-support",
    ]  # fmt: skip
    assert all("deployment" not in a for a in bare)
    bindings = {
        a["name"]: (spec_of(a)["envFromSecretNames"], spec_of(a).get("imagePullSecretName"))
        for a in full["services"]
    }
    assert bindings == {
        "voice-prod": (["prod-voice-agent"], "dockerhub-pull"),
        "voice-prod-canary": (["prod-voice-agent"], None),
        "voice-staging": (["staging-voice-agent"], "dockerhub-pull"),
        "eu-support": (["eu-support-bot"], None),
    }
    for agent in full["services"]:
        assert agent["desiredDeploymentId"] == agent["deployment"]["id"]


def test_the_list_filters_by_region_and_stays_within_the_organisation(pipecat_client, pipecat_app):
    seed_demo(pipecat_app, org=PIPECAT_ORG)

    eu = pipecat_client.get("/v1/agents", params={"region": "eu-central"}).json()["services"]
    other = pipecat_client.get("/v1/agents", headers={"Authorization": f"Bearer {OTHER_TOKEN}"})

    assert [a["name"] for a in eu] == ["eu-support"]
    assert other.json() == {"services": []}


def test_one_agent_shows_its_readiness_and_an_unknown_one_is_404(pipecat_client, pipecat_app):
    seed_demo(pipecat_app, org=PIPECAT_ORG)

    landed = pipecat_client.get("/v1/agents/voice-prod").json()
    landing = pipecat_client.get("/v1/agents/voice-prod-canary").json()
    missing = pipecat_client.get("/v1/agents/nope")

    assert (landed["ready"], landed["available"]) == (True, True)
    assert landed["reconciledDeploymentId"] == landed["desiredDeploymentId"]
    assert (landing["ready"], landing["available"]) == (False, False)
    assert "reconciledDeploymentId" not in landing
    assert (missing.status_code, missing.json()) == (
        404,
        {"error": "Not found", "code": "NOT_FOUND"},
    )


def test_force_redeploy_makes_a_deployment_that_lands_after_the_delay(
    pipecat_client, pipecat_app, pipecat_clock
):
    seed_demo(pipecat_app, org=PIPECAT_ORG)
    before = pipecat_client.get("/v1/agents/voice-prod").json()

    unchanged = pipecat_client.post("/v1/agents/voice-prod", json={}).json()
    forced = pipecat_client.post("/v1/agents/voice-prod", json={"forceRedeploy": True}).json()

    assert unchanged["desiredDeploymentId"] == before["desiredDeploymentId"]
    assert forced["desiredDeploymentId"] != before["desiredDeploymentId"]
    # The old deployment keeps serving while the new one validates.
    assert (forced["ready"], forced["available"]) == (False, True)
    assert forced["reconciledDeploymentId"] == before["desiredDeploymentId"]
    assert forced["previousRevision"]["deploymentID"] == before["desiredDeploymentId"]
    assert "previousRevision" not in before
    assert spec_of(forced) == spec_of(before)

    pipecat_clock.advance(DEPLOY_DELAY)
    after = pipecat_client.get("/v1/agents/voice-prod").json()

    assert after["ready"] is True
    assert after["reconciledDeploymentId"] == forced["desiredDeploymentId"]
    assert after["deployment"]["createdAt"] == forced["updatedAt"]


def test_a_deploy_rebinds_sets_and_is_refused_a_set_that_is_not_ready(
    pipecat_client, pipecat_app, pipecat_clock
):
    seed_demo(pipecat_app, org=PIPECAT_ORG)
    pipecat_client.undocumented_ok = {409}

    pending = pipecat_client.post("/v1/agents/voice-staging", json={"secretSet": "crm-webhooks"})

    assert pending.status_code == 409
    assert pending.json() == {
        "error": "Secret set 'crm-webhooks' is not yet ready. Retry once it has been provisioned.",
        "code": "CONFLICT",
    }
    agent = pipecat_app.agents.get(PIPECAT_ORG, "voice-staging")
    assert agent.desired.config.secret_set == "staging-voice-agent"
    assert len(agent.deployments) == 1

    rebound = pipecat_client.post(
        "/v1/agents/voice-staging",
        json={"secretSet": "prod-voice-agent", "imagePullSecretSet": "dockerhub-pull"},
    )

    assert rebound.status_code == 200
    assert spec_of(rebound.json())["envFromSecretNames"] == ["prod-voice-agent"]
    assert rebound.json()["ready"] is False


def test_a_deploy_names_what_is_wrong_with_its_sets(pipecat_client, pipecat_app):
    seed_demo(pipecat_app, org=PIPECAT_ORG)

    def deploy(agent, **body):
        response = pipecat_client.post(f"/v1/agents/{agent}", json=body)
        return response.status_code, response.json()

    assert deploy("nope", forceRedeploy=True) == (
        404, {"error": "Service not found", "code": "NOT_FOUND"},
    )  # fmt: skip
    assert deploy("voice-prod", secretSet="no-such-set") == (
        404, {"error": "Secret set not found", "code": "NOT_FOUND"},
    )  # fmt: skip
    assert deploy("voice-prod", secretSet="eu-support-bot") == (
        400,
        {
            "error": "Secret set 'eu-support-bot' is in region 'eu-central' but service is in "
            "region 'us-west'. Secrets must be in the same region as the service.",
            "code": "GENERIC_BAD_REQUEST",
        },
    )
    assert deploy("voice-prod", imagePullSecretSet="ghcr-pull")[0] == 400
    assert deploy("voice-prod", autoScaling={"minAgents": "one"}) == (
        400, {"error": "Invalid parameters", "code": "GENERIC_BAD_REQUEST"},
    )  # fmt: skip
    assert len(pipecat_app.agents.get(PIPECAT_ORG, "voice-prod").deployments) == 1


def test_a_set_provisioned_since_can_be_bound(pipecat_client, pipecat_app, pipecat_clock):
    pipecat_client.put(
        "/v1/secrets/fresh-set",
        json={"secrets": [{"secretKey": "K", "secretValue": "v"}], "region": "us-west"},
    )
    seed_demo(pipecat_app, org=PIPECAT_ORG)
    pipecat_client.undocumented_ok = {409}
    assert (
        pipecat_client.post("/v1/agents/voice-prod", json={"secretSet": "fresh-set"}).status_code
        == 409
    )

    pipecat_clock.advance(PROVISIONING_DELAY)

    bound = pipecat_client.post("/v1/agents/voice-prod", json={"secretSet": "fresh-set"})
    assert bound.status_code == 200
    assert spec_of(bound.json())["envFromSecretNames"] == ["fresh-set"]


def test_a_new_agent_deploys_with_its_sets_and_can_be_deleted(
    pipecat_client, pipecat_app, pipecat_clock
):
    seed_demo(pipecat_app, org=PIPECAT_ORG)
    body = {
        "serviceName": "eu-helpdesk",
        "image": "acme/helpdesk:2",
        "region": "eu-central",
        "secretSet": "eu-support-bot",
        "autoScaling": {"minAgents": 1, "maxAgents": 3},
    }

    created = pipecat_client.post("/v1/agents", json=body)

    assert created.status_code == 200
    assert (created.json()["ready"], created.json()["region"]) == (False, "eu-central")
    assert spec_of(created.json())["envFromSecretNames"] == ["eu-support-bot"]
    again = pipecat_client.post("/v1/agents", json=body)
    assert (again.status_code, again.json()["error"]) == (400, "Service already exists")

    pipecat_clock.advance(DEPLOY_DELAY)
    assert pipecat_client.get("/v1/agents/eu-helpdesk").json()["ready"] is True

    deleted = pipecat_client.delete("/v1/agents/eu-helpdesk")
    gone = pipecat_client.delete("/v1/agents/eu-helpdesk")

    assert (deleted.status_code, deleted.json()) == (200, {"status": "OK"})
    assert (gone.status_code, gone.json()) == (404, {"error": "Not found", "code": "NOT_FOUND"})


def test_a_new_agent_is_refused_what_the_document_refuses(pipecat_client, pipecat_app):
    seed_demo(pipecat_app, org=PIPECAT_ORG)

    def create(**body):
        response = pipecat_client.post("/v1/agents", json=body)
        return response.status_code, response.json()["error"]

    assert create(serviceName="no-image") == (
        400, "Either image or buildId is required for service creation",
    )  # fmt: skip
    assert create(serviceName="Bad_Name", image="i") == (400, "Invalid parameters")
    assert create(serviceName="us-bot", image="i", secretSet="eu-support-bot") == (
        400,
        "Secret set 'eu-support-bot' is in region 'eu-central' but service will be created in "
        "region 'us-west'. Secrets must be in the same region as the service.",
    )
    assert create(serviceName="x-bot", image="i", secretSet="missing") == (
        404, "Secret set not found",
    )  # fmt: skip
    assert pipecat_app.agents.get(PIPECAT_ORG, "us-bot") is None
