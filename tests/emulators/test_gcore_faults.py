"""Scripted faults through the shared toolkit, in process on the manual clock."""

import json

import httpx
import pytest

from emulators.clock import ManualClock
from emulators.faults import Fault
from tests.fixtures.gcore import PROJECT_ID, REGION_ID

SECRETS = f"/cloud/v1/secrets/{PROJECT_ID}/{REGION_ID}"


@pytest.mark.parametrize(
    ("status", "exception_class"),
    [
        (401, "AuthenticationFailed"),
        (403, "PermissionDenied"),
        (404, "NotFoundError"),
        (409, "ConflictError"),
        (429, "TooManyRequests"),
        (500, "InternalServerError"),
        (502, "BadGateway"),
        (503, "ServiceUnavailable"),
    ],
)
def test_a_status_fault_answers_in_gcore_error_shape_once(
    gcore_client, gcore_app, status, exception_class
):
    gcore_app.faults.add(Fault("list_secrets", status=status))

    faulty = gcore_client.get(SECRETS)
    next_one = gcore_client.get(SECRETS)

    assert faulty.status_code == status
    assert faulty.json()["exception_class"] == exception_class
    assert next_one.status_code == 200


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_is_sent_with_the_fault(gcore_client, gcore_app, status):
    gcore_app.faults.add(Fault("get_task", status=status, retry_after=7))

    response = gcore_client.get("/cloud/v1/tasks/d478ae29-dedc-4869-82f0-96104425f565")

    assert response.status_code == status
    assert response.headers["Retry-After"] == "7"


def test_a_fault_only_hits_its_operation(gcore_client, gcore_app):
    gcore_app.faults.add(Fault("create_tls_secret", status=500, times=2))

    listed = gcore_client.get(SECRETS)
    regions = gcore_client.get("/cloud/v1/regions")

    assert (listed.status_code, regions.status_code) == (200, 200)
    tls = gcore_client.post(f"/cloud/v2/secrets/{PROJECT_ID}/{REGION_ID}", json={})
    assert tls.status_code == 500


def test_latency_delays_every_answer_on_the_app_clock(
    gcore_client, gcore_app, gcore_clock: ManualClock
):
    gcore_app.latency = 2.5
    before = gcore_clock.now()

    response = gcore_client.get(SECRETS)

    assert response.status_code == 200
    assert gcore_clock.now() - before == 2.5


def test_a_delay_within_the_timeout_still_answers(gcore_client, gcore_app):
    gcore_app.faults.add(Fault("get_secret", delay=3))

    response = gcore_client.get(f"{SECRETS}/bfc7824b-31b6-4a28-a0c4-7df137139215", timeout=5)

    assert response.status_code == 404


def test_an_answer_slower_than_the_timeout_times_out(gcore_client, gcore_app):
    gcore_app.faults.add(Fault("list_secrets", delay=30))

    with pytest.raises(httpx.ReadTimeout):
        gcore_client.get(SECRETS, timeout=10)


def test_a_dropped_connection_is_a_protocol_error_and_logged_without_status(
    gcore_client, gcore_app
):
    gcore_app.faults.add(Fault("delete_secret", drop=True))

    with pytest.raises(httpx.RemoteProtocolError):
        gcore_client.delete(f"{SECRETS}/bfc7824b-31b6-4a28-a0c4-7df137139215")

    assert [(r.operation, r.status) for r in gcore_app.requests] == [("delete_secret", 0)]


def test_a_malformed_body_is_not_json(gcore_client, gcore_app):
    gcore_app.faults.add(Fault("list_regions", malformed=True))

    with gcore_client.unvalidated():
        response = gcore_client.get("/cloud/v1/regions")

    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        response.json()


def test_faults_are_scripted_through_the_control_api(gcore_client, gcore_app):
    added = gcore_client.post(
        "/_emulator/faults", json={"operation": "list_projects", "status": 429, "retry_after": 2}
    )

    response = gcore_client.get("/cloud/v1/projects")

    assert added.status_code == 201
    assert (response.status_code, response.headers["Retry-After"]) == (429, "2")


def test_a_fault_comes_before_authentication_as_a_gateway_would(gcore_client, gcore_app):
    gcore_app.faults.add(Fault("list_secrets", status=503))

    response = gcore_client.get(SECRETS, headers={"Authorization": "APIKey wrong"})

    assert response.status_code == 503
