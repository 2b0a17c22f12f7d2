"""Asynchronous provisioning and the conflict window, stepped with the manual clock."""

import pytest

from emulators.pipecat.store import DEFAULT_FAILURE_MESSAGE
from tests.fixtures.pipecat import PIPECAT_ORG, PROVISIONING_DELAY


def put(client, name="my-secrets", key="API_KEY"):
    return client.put(
        f"/v1/secrets/{name}", json={"secrets": [{"secretKey": key, "secretValue": "v"}]}
    )


def status(client, name="my-secrets"):
    return client.get(f"/v1/secrets/{name}").json()["status"]


def listed(client):
    return {s["name"]: s for s in client.get("/v1/secrets").json()["sets"]}


# -- provisioning ---------------------------------------------------------------------------------


def test_a_set_is_pending_until_provisioning_ends(pipecat_client, pipecat_clock):
    put(pipecat_client)

    assert status(pipecat_client) == "pending"
    pipecat_clock.advance(PROVISIONING_DELAY - 0.01)
    assert status(pipecat_client) == "pending"
    pipecat_clock.advance(0.01)
    assert status(pipecat_client) == "ready"
    assert listed(pipecat_client)["my-secrets"]["status"] == "ready"


def test_each_change_provisions_again(pipecat_client, pipecat_clock):
    put(pipecat_client)
    pipecat_clock.advance(PROVISIONING_DELAY)

    put(pipecat_client, key="OTHER_KEY")

    assert status(pipecat_client) == "pending"
    pipecat_clock.advance(PROVISIONING_DELAY)
    assert status(pipecat_client) == "ready"


def test_a_failed_provisioning_reports_its_message(pipecat_client, pipecat_app, pipecat_clock):
    pipecat_app.fail_next_provisioning(message="Region is out of capacity.")
    put(pipecat_client)

    assert status(pipecat_client) == "pending"
    pipecat_clock.advance(PROVISIONING_DELAY)
    detail = pipecat_client.get("/v1/secrets/my-secrets").json()
    assert (detail["status"], detail["errorMessage"]) == ("failed", "Region is out of capacity.")
    assert listed(pipecat_client)["my-secrets"] == {
        "name": "my-secrets",
        "type": "secret",
        "region": "us-west",
        "status": "failed",
        "errorMessage": "Region is out of capacity.",
    }

    put(pipecat_client)  # a retry provisions afresh

    assert "errorMessage" not in pipecat_client.get("/v1/secrets/my-secrets").json()
    pipecat_clock.advance(PROVISIONING_DELAY)
    assert status(pipecat_client) == "ready"


def test_failures_apply_to_the_next_n_provisionings_only(
    pipecat_client, pipecat_app, pipecat_clock
):
    pipecat_app.fail_next_provisioning(n=2)
    for name in ("set-one", "set-two", "set-three"):
        put(pipecat_client, name)
    pipecat_clock.advance(PROVISIONING_DELAY)

    sets = listed(pipecat_client)
    assert [sets[n]["status"] for n in ("set-one", "set-two", "set-three")] == [
        "failed",
        "failed",
        "ready",
    ]
    assert sets["set-one"]["errorMessage"] == DEFAULT_FAILURE_MESSAGE


def test_refused_puts_do_not_use_up_a_scripted_failure(pipecat_client, pipecat_app, pipecat_clock):
    pipecat_app.fail_next_provisioning()
    assert pipecat_client.put("/v1/secrets/my-secrets", json={"secrets": []}).status_code == 400

    put(pipecat_client)
    pipecat_clock.advance(PROVISIONING_DELAY)

    assert status(pipecat_client) == "failed"


def test_failures_can_be_scripted_through_the_control_api(pipecat_client, pipecat_clock):
    response = pipecat_client.post(
        "/_emulator/pipecat/provisioning-failures", json={"times": 1, "message": "Quota exceeded."}
    )
    assert response.status_code == 201
    put(pipecat_client)
    pipecat_clock.advance(PROVISIONING_DELAY)

    assert pipecat_client.get("/v1/secrets/my-secrets").json()["errorMessage"] == "Quota exceeded."


@pytest.mark.parametrize("body", [{"times": 0}, {"times": "many"}, ["not", "an", "object"]])
def test_the_control_api_refuses_nonsense(pipecat_client, body):
    response = pipecat_client.post("/_emulator/pipecat/provisioning-failures", json=body)

    assert response.status_code == 400


def test_reset_forgets_sets_failures_and_timing_changes(pipecat_client, pipecat_app, pipecat_clock):
    put(pipecat_client)
    pipecat_app.fail_next_provisioning()
    pipecat_app.store.conflict_window = 30.0

    assert pipecat_client.post("/_emulator/reset").status_code == 200

    assert listed(pipecat_client) == {}
    put(pipecat_client)
    put(pipecat_client)  # no conflict window any more
    pipecat_clock.advance(PROVISIONING_DELAY)
    assert status(pipecat_client) == "ready"


# -- conflicts ------------------------------------------------------------------------------------

CONFLICT = {
    "error": "Secret set 'my-secrets' was modified concurrently. Please retry.",
    "code": "CONFLICT",
}


@pytest.fixture
def window(pipecat_app, pipecat_client):
    """A 3 s conflict window; DELETE's 409 is not in the published documents."""
    pipecat_app.store.conflict_window = 3.0
    pipecat_client.undocumented_ok = {409}
    return 3.0


def test_a_put_within_the_window_conflicts(pipecat_client, pipecat_app, pipecat_clock, window):
    put(pipecat_client)
    pipecat_clock.advance(window - 0.01)

    response = put(pipecat_client, key="SECOND")

    assert (response.status_code, response.json()) == (409, CONFLICT)
    assert list(pipecat_app.store.get(PIPECAT_ORG, "my-secrets").values) == ["API_KEY"]
    pipecat_clock.advance(0.01)
    assert put(pipecat_client, key="SECOND").status_code == 202


@pytest.mark.parametrize("path", ["/v1/secrets/my-secrets", "/v1/secrets/my-secrets/API_KEY"])
def test_a_delete_within_the_window_conflicts(pipecat_client, pipecat_clock, window, path):
    put(pipecat_client)

    response = pipecat_client.delete(path)

    assert (response.status_code, response.json()) == (409, CONFLICT)
    pipecat_clock.advance(window)
    assert pipecat_client.delete(path).status_code == 200


def test_removing_a_key_opens_the_window_again(pipecat_client, pipecat_clock, window):
    pipecat_client.put(
        "/v1/secrets/my-secrets",
        json={
            "secrets": [
                {"secretKey": "A", "secretValue": "1"},
                {"secretKey": "B", "secretValue": "2"},
            ]
        },
    )
    pipecat_clock.advance(window)
    assert pipecat_client.delete("/v1/secrets/my-secrets/A").status_code == 200

    assert put(pipecat_client).status_code == 409


def test_the_window_is_per_set(pipecat_client, window):
    put(pipecat_client, "my-secrets")

    assert put(pipecat_client, "other-secrets").status_code == 202
    assert pipecat_client.get("/v1/secrets/my-secrets").status_code == 200


def test_by_default_back_to_back_puts_do_not_conflict(pipecat_client):
    # The official client sends one PUT per key, with no pause between them.
    assert [put(pipecat_client, key=k).status_code for k in ("A", "B", "C")] == [202, 202, 202]
