"""API keys, the projects they may use, and isolation between projects and regions."""

import pytest

from emulators.gcore import GcoreEmulator
from tests.fixtures.gcore import (
    GCORE_KEY,
    OTHER_PROJECT_ID,
    OTHER_REGION_ID,
    PROJECT_ID,
    REGION_ID,
    STAGING_KEY,
)

SECRETS = f"/cloud/v1/secrets/{PROJECT_ID}/{REGION_ID}"


@pytest.mark.parametrize("scheme", ["APIKey", "apikey", "APIKEY", "ApiKey"])
def test_the_scheme_is_accepted_in_any_letter_case(gcore_client, scheme):
    response = gcore_client.get(SECRETS, headers={"Authorization": f"{scheme} {GCORE_KEY}"})

    assert response.status_code == 200


def test_no_authorization_header_is_not_authenticated(gcore_client):
    gcore_client.headers.pop("Authorization")

    response = gcore_client.get(SECRETS)

    assert response.status_code == 401
    assert response.json()["exception_class"] == "NotAuthenticated"
    assert response.json()["message"] == "Authentication credentials were not provided."


@pytest.mark.parametrize("header", [f"Bearer {GCORE_KEY}", GCORE_KEY, "APIKey", "APIKey  "])
def test_another_scheme_or_no_token_is_not_authenticated(gcore_client, header):
    response = gcore_client.get(SECRETS, headers={"Authorization": header})

    assert response.status_code == 401
    assert response.json()["exception_class"] == "NotAuthenticated"


def test_an_unknown_token_is_refused_without_echoing_its_secret_part(gcore_client):
    response = gcore_client.get(SECRETS, headers={"Authorization": "APIKey 777$s3cr3t-part"})

    assert response.status_code == 401
    assert response.json()["exception_class"] == "AuthenticationFailed"
    assert response.json()["message"] == "Bad permanent token: 777"
    assert b"s3cr3t" not in response.content


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/cloud/v1/regions"),
        ("GET", "/cloud/v1/projects"),
        ("GET", "/cloud/v1/tasks/d478ae29-dedc-4869-82f0-96104425f565"),
        ("POST", f"/cloud/v2/secrets/{PROJECT_ID}/{REGION_ID}"),
        ("DELETE", f"{SECRETS}/bfc7824b-31b6-4a28-a0c4-7df137139215"),
    ],
)
def test_every_endpoint_needs_a_key(gcore_client, method, path):
    response = gcore_client.request(method, path, headers={"Authorization": "APIKey wrong"})

    assert response.status_code == 401


def test_a_key_cannot_use_a_project_it_was_not_given(gcore_client, gcore_app):
    secret = gcore_app.add_secret(PROJECT_ID, REGION_ID, "prod-only", "opaque", b"x")
    staging = {"Authorization": f"APIKey {STAGING_KEY}"}

    listing = gcore_client.get(SECRETS, headers=staging)
    reading = gcore_client.get(f"{SECRETS}/{secret.id}", headers=staging)

    assert listing.status_code == reading.status_code == 403
    assert listing.json()["exception_class"] == "PermissionDenied"


def test_unknown_projects_and_regions_are_not_found_errors(gcore_client):
    project = gcore_client.get(f"/cloud/v1/secrets/99/{REGION_ID}")
    region = gcore_client.get(f"/cloud/v1/secrets/{PROJECT_ID}/999")

    assert (project.status_code, region.status_code) == (404, 404)
    assert project.json()["message"] == "Project 99 could not be found"
    assert region.json()["message"] == "Region 999 could not be found"


def test_a_secret_is_invisible_from_another_project_or_region(gcore_client, gcore_app):
    secret = gcore_app.add_secret(PROJECT_ID, REGION_ID, "here", "opaque", b"x")
    elsewhere = [
        f"/cloud/v1/secrets/{OTHER_PROJECT_ID}/{REGION_ID}",
        f"/cloud/v1/secrets/{PROJECT_ID}/{OTHER_REGION_ID}",
    ]

    for scope in elsewhere:
        assert gcore_client.get(scope).json() == {"count": 0, "results": []}
        assert gcore_client.get(f"{scope}/{secret.id}").status_code == 404
        assert gcore_client.delete(f"{scope}/{secret.id}").status_code == 404
    assert gcore_client.get(f"{SECRETS}/{secret.id}").status_code == 200


def test_a_task_is_invisible_to_a_key_without_its_project(gcore_client, gcore_app):
    secret = gcore_app.add_secret(PROJECT_ID, REGION_ID, "prod", "opaque", b"x")
    (task_id,) = gcore_client.delete(f"{SECRETS}/{secret.id}").json()["tasks"]

    response = gcore_client.get(
        f"/cloud/v1/tasks/{task_id}", headers={"Authorization": f"APIKey {STAGING_KEY}"}
    )

    assert response.status_code == 404


def test_keys_naming_unknown_projects_are_a_configuration_error():
    with pytest.raises(ValueError, match="unknown projects"):
        GcoreEmulator({"k": [1, 404]})
