"""The official client (`pipecat cloud secrets`, `agent`, `deploy`; pipecatcloud 1.4.0) against the
live emulator.

Each CLI start costs about half a second, so every test drives one scenario through several
commands and checks what the CLI reports against the emulator's own state.
"""

import base64

import httpx

from emulators.pipecat import seed_demo
from emulators.pipecat.store import SetType
from tests.fixtures.pipecat import PIPECAT_ORG, PIPECAT_TOKEN

ORG_PATH = f"/v1/organizations/{PIPECAT_ORG}/"


def stored(server, name):
    return server.app.store.get(PIPECAT_ORG, name)


def calls(server):
    return [(r.method, r.path, r.status) for r in server.app.requests]


def test_set_list_unset_delete_on_the_clients_default_paths(pipecat_cli, pipecat_server):
    created = pipecat_cli("set", "my-set", "K1=v1", 'K2="hello world"', "URL=a=b", "--skip")

    assert created.returncode == 0, created.stderr
    assert "created successfully in us-west" in created.stderr
    assert stored(pipecat_server, "my-set").values == {
        "K1": "v1",
        "K2": "hello world",
        "URL": "a=b",
    }
    assert calls(pipecat_server) == [
        ("GET", f"{ORG_PATH}secrets/my-set", 404),
        ("PUT", f"{ORG_PATH}secrets/my-set", 202),
        ("PUT", f"{ORG_PATH}secrets/my-set", 202),
        ("PUT", f"{ORG_PATH}secrets/my-set", 202),
    ]

    shown = pipecat_cli("list", "my-set")

    assert shown.returncode == 0, shown.stderr
    assert shown.json() == {
        "region": "us-west",
        "status": "pending",
        "secrets": [{"fieldName": "K1"}, {"fieldName": "K2"}, {"fieldName": "URL"}],
    }

    unset = pipecat_cli("unset", "my-set", "K1", "--skip")

    assert unset.returncode == 0, unset.stderr
    assert set(stored(pipecat_server, "my-set").values) == {"K2", "URL"}

    deleted = pipecat_cli("delete", "my-set", "--skip")

    assert deleted.returncode == 0, deleted.stderr
    assert stored(pipecat_server, "my-set") is None
    assert all(path.startswith(ORG_PATH) for _, path, _ in calls(pipecat_server))


def test_file_and_image_pull_secret_on_the_documented_paths(pipecat_cli, pipecat_server, tmp_path):
    (tmp_path / "secrets.env").write_text(
        "# database\n\nDB_URL=postgres://u:p@h/db\nAPI_KEY=abc=def\nQUOTED='single'\n"
        'SPACED="value with spaces"\n'
    )

    from_file = pipecat_cli(
        "set", "pub-set", "--file", "secrets.env", "--region", "eu-central", "--skip",
        public_paths=True,
    )  # fmt: skip

    assert from_file.returncode == 0, from_file.stderr
    pub_set = stored(pipecat_server, "pub-set")
    assert (pub_set.region, pub_set.values) == (
        "eu-central",
        {
            "DB_URL": "postgres://u:p@h/db",
            "API_KEY": "abc=def",
            "QUOTED": "'single'",
            "SPACED": "value with spaces",
        },
    )

    pull = pipecat_cli("image-pull-secret", "pub-registry", "ghcr.io", "user:token", "--skip",
                       public_paths=True)  # fmt: skip

    assert pull.returncode == 0, pull.stderr
    registry = stored(pipecat_server, "pub-registry")
    assert (registry.type, registry.host, registry.region) == (
        SetType.IMAGE_PULL,
        "ghcr.io/",
        "us-west",
    )
    assert base64.b64decode(registry.credentials) == b"user:token"

    listed = pipecat_cli("list", public_paths=True)

    assert listed.returncode == 0, listed.stderr
    assert listed.json() == {
        "secretSets": [  # in the order they were created, as the API's own example is
            {"name": "pub-set", "type": "secret", "region": "eu-central", "status": "pending"},
            {"name": "pub-registry", "type": "imagePullSecret", "region": "us-west",
             "status": "pending"},
        ]
    }  # fmt: skip

    assert pipecat_cli("unset", "pub-set", "QUOTED", "--skip", public_paths=True).returncode == 0
    assert "QUOTED" not in pub_set.values
    assert pipecat_cli("delete", "pub-registry", "--skip", public_paths=True).returncode == 0
    assert stored(pipecat_server, "pub-registry") is None
    paths = {path for _, path, _ in calls(pipecat_server)}
    assert paths == {
        "/v1/regions",
        "/v1/secrets",
        "/v1/secrets/pub-set",
        "/v1/secrets/pub-set/QUOTED",
        "/v1/secrets/pub-registry",
    }


def test_the_client_reports_readiness_as_the_emulator_holds_it(pipecat_cli, pipecat_server):
    app = pipecat_server.app
    seed_demo(app, org=PIPECAT_ORG)

    # With no organisation configured, the client looks up the token's own.
    listed = pipecat_cli("list", org=None)

    assert listed.returncode == 0, listed.stderr
    assert calls(pipecat_server)[0] == ("GET", "/v1/organizations", 200)
    now = app.clock.now()
    assert listed.json() == {"secretSets": [s.summary(now) for s in app.store.sets(PIPECAT_ORG)]}
    assert {s["status"] for s in listed.json()["secretSets"]} == {"ready", "pending", "failed"}

    failed = pipecat_cli("list", "analytics-export")

    assert failed.returncode == 0, failed.stderr
    assert failed.json()["status"] == "failed"
    assert failed.json()["errorMessage"] == stored(pipecat_server, "analytics-export").failure


def test_the_client_surfaces_the_apis_errors(pipecat_cli, pipecat_server):
    app = pipecat_server.app
    seed_demo(app, org=PIPECAT_ORG)
    app.store.conflict_window = 30.0
    in_flight = httpx.put(
        f"{pipecat_server.url}/v1/secrets/prod-voice-agent",
        json={"secrets": [{"secretKey": "ROTATED_KEY", "secretValue": "v"}]},
        headers={"Authorization": f"Bearer {PIPECAT_TOKEN}"},
    )
    assert in_flight.status_code == 202

    conflict = pipecat_cli("set", "prod-voice-agent", "NEW_KEY=v", "--skip")

    assert conflict.returncode == 1
    assert conflict.json() == {
        "error": {
            "error": "Secret set 'prod-voice-agent' was modified concurrently. Please retry.",
            "code": "CONFLICT",
        }
    }
    assert "NEW_KEY" not in stored(pipecat_server, "prod-voice-agent").values

    pull_by_name = pipecat_cli("list", "dockerhub-pull")

    assert pull_by_name.returncode == 1
    assert pull_by_name.json()["error"]["error"] == "Cannot retrieve image pull secrets by name"

    missing_key = pipecat_cli("unset", "eu-support-bot", "NOPE", "--skip")

    assert missing_key.returncode == 1
    assert "Key not found in set 'eu-support-bot'" in missing_key.stderr

    unauthorized = pipecat_cli("list", token="revoked-token")

    assert unauthorized.returncode == 1
    assert unauthorized.json() == {"error": {"error": "Unauthorized", "code": "UNAUTHORIZED"}}


def test_the_clients_agent_commands_see_the_sets_agents_bind(pipecat_cli, pipecat_server):
    app = pipecat_server.app
    seed_demo(app, org=PIPECAT_ORG)

    listed = pipecat_cli("list", group="agent")

    assert listed.returncode == 0, listed.stderr
    assert [a["name"] for a in listed.json()["agents"]] == [
        a.name for a in app.agents.agents(PIPECAT_ORG)
    ]
    assert {a["activeDeploymentId"] for a in listed.json()["agents"]} == {
        a.desired.id for a in app.agents.agents(PIPECAT_ORG)
    }

    status = pipecat_cli("status", "voice-prod", group="agent")

    assert status.returncode == 0, status.stderr
    assert status.json()["ready"] is True
    spec = status.json()["deployment"]["manifest"]["spec"]
    assert (spec["envFromSecretNames"], spec["imagePullSecretName"]) == (
        ["prod-voice-agent"],
        "dockerhub-pull",
    )

    missing = pipecat_cli("status", "nope", group="agent")

    assert missing.returncode == 1
    assert "No deployment data found for agent with name 'nope'" in missing.stderr


def test_the_clients_deploy_updates_an_agent_and_meets_the_409_of_a_pending_set(
    pipecat_cli, pipecat_server
):
    app = pipecat_server.app
    seed_demo(app, org=PIPECAT_ORG)
    # The client polls every 5 real seconds until the deployment is ready: let it land at once.
    app.agents.deploy_delay = 0.0
    deploy = ("voice-staging", "acme/voice-staging:1.5", "--credentials", "dockerhub-pull", "--yes")

    refused = pipecat_cli(*deploy, "--secrets", "crm-webhooks", group="deploy")

    assert refused.returncode == 1
    assert "is not yet ready" in refused.stdout + refused.stderr
    agent = app.agents.get(PIPECAT_ORG, "voice-staging")
    assert len(agent.deployments) == 1

    done = pipecat_cli(*deploy, "--secrets", "staging-voice-agent", group="deploy")

    assert done.returncode == 0, done.stderr
    assert done.json() == {
        "agentName": "voice-staging",
        "deploymentId": agent.desired.id,
        "ready": True,
        "available": True,
    }
    assert agent.desired.config.image == "acme/voice-staging:1.5"
    assert (agent.desired.config.secret_set, agent.desired.config.image_pull_secret_set) == (
        "staging-voice-agent",
        "dockerhub-pull",
    )
    assert ("PUT", f"{ORG_PATH}services", 200) in calls(pipecat_server)


def test_the_clients_deploy_creates_an_agent(pipecat_cli, pipecat_server):
    app = pipecat_server.app
    seed_demo(app, org=PIPECAT_ORG)
    app.agents.deploy_delay = 0.0

    done = pipecat_cli(
        "new-bot", "acme/new-bot:1", "--secrets", "staging-voice-agent", "--yes", group="deploy"
    )

    assert done.returncode == 0, done.stderr
    agent = app.agents.get(PIPECAT_ORG, "new-bot")
    assert done.json()["deploymentId"] == agent.desired.id
    assert (agent.region, agent.desired.config.secret_set) == ("us-west", "staging-voice-agent")
    assert ("POST", f"{ORG_PATH}services", 200) in calls(pipecat_server)


def test_the_clients_status_reads_an_agent_whose_deployment_failed(pipecat_cli, pipecat_server):
    app = pipecat_server.app
    seed_demo(app, org=PIPECAT_ORG)
    old = app.agents.get(PIPECAT_ORG, "voice-prod").desired.id
    app.agents.deploy_delay = 0.0  # failed at once, on the server's manual clock
    app.fail_next_deploys(agent="voice-prod", message="pull access denied for acme/voice-prod")
    new = app.agents.update(PIPECAT_ORG, "voice-prod", {"forceRedeploy": True}).desired.id

    status = pipecat_cli("status", "voice-prod", group="agent")

    assert status.returncode == 0, status.stderr
    assert (status.json()["ready"], status.json()["available"]) == (False, True)
    current, previous = status.json()["currentRevision"], status.json()["previousRevision"]
    assert (current["deploymentID"], current["phase"]) == (new, "Failed")
    assert current["health"]["reason"] == "ImagePullBackOff"
    assert (previous["deploymentID"], previous["phase"]) == (old, "Active")

    plain = pipecat_cli("status", "voice-prod", group="agent", output="plain")

    assert plain.returncode == 0, plain.stderr
    assert "Ready: False" in plain.stdout
    assert "Deployment Phase: Failed" in plain.stdout

    rich = pipecat_cli("status", "voice-prod", group="agent", output="rich")

    assert rich.returncode == 0, rich.stderr
    assert "ImagePullBackOff" in rich.stdout
    assert "pull access denied for acme/voice-prod" in rich.stdout
    assert f"Previous ({old[:8]}) Active" in rich.stdout
