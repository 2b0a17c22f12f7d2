"""Scripted faults on the Pipecat emulator, in process and over a real socket."""

import json

import httpx
import pytest

from emulators.clock import Clock
from emulators.faults import Fault
from emulators.pipecat import PipecatEmulator
from emulators.server import EmulatorServer
from tests.fixtures.pipecat import PIPECAT_ORG, PIPECAT_TOKEN, UndocumentedStatus

PUT_BODY = {"secrets": [{"secretKey": "API_KEY", "secretValue": "v"}]}
REQUESTS = {
    "list_sets": ("GET", "/v1/secrets"),
    "get_set": ("GET", f"/v1/organizations/{PIPECAT_ORG}/secrets/my-secrets"),
    "put_set": ("PUT", "/v1/secrets/my-secrets"),
    "delete_set": ("DELETE", "/v1/secrets/my-secrets"),
    "delete_key": ("DELETE", "/v1/secrets/my-secrets/API_KEY"),
    "regions": ("GET", "/v1/regions"),
    "properties": ("GET", f"/v1/organizations/{PIPECAT_ORG}/properties"),
}


def call(client, operation, **kwargs):
    method, path = REQUESTS[operation]
    return client.request(method, path, json=PUT_BODY if method == "PUT" else None, **kwargs)


@pytest.fixture
def faults_client(pipecat_client):
    """Faults answer statuses the documents do not list for every operation; their bodies must
    still be the API's error body."""
    pipecat_client.undocumented_ok = {401, 403, 404, 409, 429, 500, 502, 503}
    pipecat_client.put("/v1/secrets/my-secrets", json=PUT_BODY)
    return pipecat_client


@pytest.mark.parametrize("operation", sorted(REQUESTS))
@pytest.mark.parametrize(
    ("status", "body"),
    [
        (401, {"error": "Unauthorized", "code": "UNAUTHORIZED"}),
        (403, {"error": "Forbidden", "code": "FORBIDDEN"}),
        (404, {"error": "Not found", "code": "NOT_FOUND"}),
        (409, {"error": "Conflict", "code": "CONFLICT"}),
        (500, {"error": "Internal server error", "code": "INTERNAL_SERVER_ERROR"}),
        (502, {"error": "Bad Gateway", "code": "BAD_GATEWAY"}),
        (503, {"error": "Service Unavailable", "code": "SERVICE_UNAVAILABLE"}),
    ],
)
def test_status_faults_answer_the_apis_error_body(
    faults_client, pipecat_app, operation, status, body
):
    pipecat_app.faults.add(Fault(operation, status=status))

    response = call(faults_client, operation)

    assert (response.status_code, response.json()) == (status, body)
    assert pipecat_app.requests[-1].operation == operation
    assert call(faults_client, operation).status_code < 400  # one time only


@pytest.mark.parametrize("status", [429, 503])
def test_throttling_faults_carry_retry_after(faults_client, pipecat_app, status):
    pipecat_app.faults.add(Fault("put_set", status=status, retry_after=7))

    response = call(faults_client, "put_set")

    assert response.status_code == status
    assert response.headers["Retry-After"] == "7"
    assert response.json()["code"] == {429: "TOO_MANY_REQUESTS", 503: "SERVICE_UNAVAILABLE"}[status]


def test_a_faulted_put_changes_nothing(faults_client, pipecat_app):
    pipecat_app.faults.add(Fault("put_set", status=500))

    faults_client.put(
        "/v1/secrets/my-secrets", json={"secrets": [{"secretKey": "NEW", "secretValue": "v"}]}
    )

    assert list(pipecat_app.store.get(PIPECAT_ORG, "my-secrets").values) == ["API_KEY"]


def test_a_fault_after_the_effect_makes_the_change_and_hides_it(faults_client, pipecat_app):
    """A 500 (or a dropped connection) once the provider stored the change: the client cannot
    tell it from one before."""
    pipecat_app.faults.add(Fault("put_set", status=500, after_effect=True))
    answer = faults_client.put(
        "/v1/secrets/my-secrets", json={"secrets": [{"secretKey": "NEW", "secretValue": "v"}]}
    )
    assert answer.status_code == 500
    assert set(pipecat_app.store.get(PIPECAT_ORG, "my-secrets").values) == {"API_KEY", "NEW"}

    pipecat_app.faults.add(Fault("delete_key", drop=True, after_effect=True))
    with pytest.raises(httpx.RemoteProtocolError):
        faults_client.delete("/v1/secrets/my-secrets/NEW")
    assert set(pipecat_app.store.get(PIPECAT_ORG, "my-secrets").values) == {"API_KEY"}

    pipecat_app.faults.add(Fault("regions", delay=0.5, after_effect=True))  # made once, not twice
    assert call(faults_client, "regions", timeout=10).status_code == 200
    assert pipecat_app.calls("regions") == 1


def test_a_fault_hits_only_its_operation_and_count(faults_client, pipecat_app):
    pipecat_app.faults.add(Fault("get_set", times=2, status=503))

    assert call(faults_client, "list_sets").status_code == 200
    assert [call(faults_client, "get_set").status_code for _ in range(3)] == [503, 503, 200]


def test_latency_delays_the_answer(pipecat_client, pipecat_app, pipecat_clock):
    pipecat_app.faults.add(Fault("regions", delay=2.5))
    started = pipecat_clock.now()

    response = call(pipecat_client, "regions", timeout=10)

    assert response.status_code == 200
    assert pipecat_clock.now() - started == pytest.approx(2.5)


def test_an_answer_slower_than_the_timeout_times_out(pipecat_client, pipecat_app):
    pipecat_app.faults.add(Fault("list_sets", delay=5))

    with pytest.raises(httpx.ReadTimeout):
        call(pipecat_client, "list_sets", timeout=1)


def test_a_dropped_connection_is_a_protocol_error_and_changes_nothing(pipecat_client, pipecat_app):
    pipecat_app.faults.add(Fault("put_set", drop=True))

    with pytest.raises(httpx.RemoteProtocolError):
        call(pipecat_client, "put_set")

    assert pipecat_app.store.sets(PIPECAT_ORG) == []
    assert (pipecat_app.requests[-1].operation, pipecat_app.requests[-1].status) == ("put_set", 0)


def test_a_malformed_answer_is_not_json(pipecat_client, pipecat_app):
    pipecat_app.faults.add(Fault("list_sets", malformed=True))

    with pipecat_client.unvalidated():
        response = call(pipecat_client, "list_sets")

    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        response.json()


def test_faults_can_be_scripted_through_the_control_api(faults_client):
    fault = {"operation": "*", "status": 429, "retry_after": 3}
    assert faults_client.post("/_emulator/faults", json=fault).status_code == 201

    response = call(faults_client, "delete_key")

    assert (response.status_code, response.headers["Retry-After"]) == (429, "3")


def test_the_validating_client_refuses_undeclared_statuses(pipecat_client, pipecat_app):
    pipecat_app.faults.add(Fault("regions", status=429))

    with pytest.raises(UndocumentedStatus):
        call(pipecat_client, "regions")


# -- over a real socket ---------------------------------------------------------------------------


def live_client(server: EmulatorServer, **kwargs) -> httpx.Client:
    headers = {"Authorization": f"Bearer {PIPECAT_TOKEN}"}
    return httpx.Client(base_url=server.url, headers=headers, **kwargs)


def test_live_server_drops_the_connection(pipecat_server):
    pipecat_server.app.faults.add(Fault("list_sets", drop=True))

    with live_client(pipecat_server) as client:
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            client.get("/v1/secrets")
        assert client.get("/v1/secrets").status_code == 200


def test_live_server_faults_through_the_control_api(pipecat_server):
    with live_client(pipecat_server) as client:
        client.post("/_emulator/faults", json={"operation": "get_set", "status": 502})

        response = client.get(f"/v1/organizations/{PIPECAT_ORG}/secrets/anything")

    assert (response.status_code, response.json()["code"]) == (502, "BAD_GATEWAY")


def test_live_server_slower_than_the_timeout():
    app = PipecatEmulator({PIPECAT_TOKEN: PIPECAT_ORG}, clock=Clock())
    app.faults.add(Fault("list_sets", delay=0.5))
    with (
        EmulatorServer(app) as server,
        live_client(server, timeout=0.1) as client,
        pytest.raises(httpx.ReadTimeout),
    ):
        client.get("/v1/secrets")
