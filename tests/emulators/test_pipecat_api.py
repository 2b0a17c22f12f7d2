"""The Pipecat emulator over HTTP, in process: every answer is checked against the OpenAPI docs."""

import base64

import pytest

from emulators.pipecat import seed_demo
from emulators.pipecat.store import SetType
from tests.fixtures.pipecat import OTHER_ORG, OTHER_TOKEN, PIPECAT_ORG

ORG = f"/v1/organizations/{PIPECAT_ORG}"
BOTH_STYLES = pytest.mark.parametrize("prefix", ["/v1", ORG], ids=["public", "org"])


def put(client, name, prefix="/v1", **body):
    body.setdefault("secrets", [{"secretKey": "API_KEY", "secretValue": "v"}])
    return client.put(f"{prefix}/secrets/{name}", json=body)


def put_pull(client, name, prefix="/v1", **body):
    body = {"isImagePullSecret": True, "host": "ghcr.io", "secretValue": "dTpw"} | body
    return client.put(f"{prefix}/secrets/{name}", json=body)


def keys(client, name, prefix="/v1"):
    return [s["fieldName"] for s in client.get(f"{prefix}/secrets/{name}").json()["secrets"]]


# -- sets and keys --------------------------------------------------------------------------------


@BOTH_STYLES
def test_a_new_set_is_accepted_in_the_default_region_and_listed(pipecat_client, prefix):
    assert pipecat_client.get(f"{prefix}/secrets").json() == {"sets": []}

    response = put(pipecat_client, "my-secrets", prefix)

    assert response.status_code == 202
    assert response.json() == {"status": "OK", "region": "us-west"}
    assert pipecat_client.get(f"{prefix}/secrets").json() == {
        "sets": [{"name": "my-secrets", "type": "secret", "region": "us-west", "status": "pending"}]
    }


@BOTH_STYLES
def test_put_merges_keys_and_get_returns_names_only(pipecat_client, pipecat_app, prefix):
    first = [
        {"secretKey": "API_KEY", "secretValue": "first-value"},
        {"secretKey": "DATABASE_URL", "secretValue": "postgresql://u:p@h/db"},
    ]
    put(pipecat_client, "my-secrets", prefix, secrets=first)
    put(
        pipecat_client, "my-secrets", prefix, secrets=[{"secretKey": "API_KEY", "secretValue": "2"}]
    )
    put(pipecat_client, "my-secrets", prefix, secrets=[{"secretKey": "JWT", "secretValue": "3"}])

    response = pipecat_client.get(f"{prefix}/secrets/my-secrets")

    assert response.status_code == 200
    assert response.json()["secrets"] == [
        {"fieldName": "API_KEY"},
        {"fieldName": "DATABASE_URL"},
        {"fieldName": "JWT"},
    ]
    stored = pipecat_app.store.get(PIPECAT_ORG, "my-secrets").values
    assert stored == {"API_KEY": "2", "DATABASE_URL": "postgresql://u:p@h/db", "JWT": "3"}


def test_the_official_clients_one_key_body_is_accepted(pipecat_client, pipecat_app):
    body = {"name": "my-set", "isImagePullSecret": False, "secretKey": "K1", "secretValue": "v1",
            "region": "eu-central"}  # fmt: skip

    response = pipecat_client.put(f"{ORG}/secrets/my-set", json=body)

    assert response.status_code == 202
    assert response.json() == {"status": "OK", "region": "eu-central"}
    assert pipecat_app.store.get(PIPECAT_ORG, "my-set").values == {"K1": "v1"}


def test_values_are_never_returned_nor_logged(pipecat_client, pipecat_app):
    value = "sk-very-secret-value-123"
    put(pipecat_client, "my-secrets", secrets=[{"secretKey": "API_KEY", "secretValue": value}])
    put_pull(pipecat_client, "my-registry", secretValue=value)

    bodies = [
        pipecat_client.get("/v1/secrets").text,
        pipecat_client.get("/v1/secrets/my-secrets").text,
        pipecat_client.get("/_emulator/requests").text,
    ]

    assert all(value not in body for body in bodies)
    assert value not in repr(pipecat_app.requests)
    assert value not in repr(pipecat_app.store.sets(PIPECAT_ORG))


@BOTH_STYLES
def test_delete_set(pipecat_client, prefix):
    put(pipecat_client, "my-secrets", prefix)

    response = pipecat_client.delete(f"{prefix}/secrets/my-secrets")

    assert (response.status_code, response.json()) == (200, {"status": "OK"})
    assert pipecat_client.get(f"{prefix}/secrets").json() == {"sets": []}
    missing = pipecat_client.delete(f"{prefix}/secrets/my-secrets")
    assert (missing.status_code, missing.json()) == (
        404,
        {"error": "Set not found", "code": "NOT_FOUND"},
    )


@BOTH_STYLES
def test_delete_key(pipecat_client, prefix):
    pairs = [{"secretKey": "A", "secretValue": "1"}, {"secretKey": "B", "secretValue": "2"}]
    put(pipecat_client, "my-secrets", prefix, secrets=pairs)

    response = pipecat_client.delete(f"{prefix}/secrets/my-secrets/A")

    assert (response.status_code, response.json()) == (200, {"status": "OK"})
    assert keys(pipecat_client, "my-secrets", prefix) == ["B"]
    not_found = {"error": "Secret not found", "code": "NOT_FOUND"}
    for path in ("my-secrets/A", "no-such-set/B"):
        missing = pipecat_client.delete(f"{prefix}/secrets/{path}")
        assert (missing.status_code, missing.json()) == (404, not_found)


def test_a_set_whose_last_key_is_removed_stays_empty(pipecat_client):
    put(pipecat_client, "my-secrets")
    pipecat_client.delete("/v1/secrets/my-secrets/API_KEY")

    assert keys(pipecat_client, "my-secrets") == []


def test_get_of_a_missing_set(pipecat_client):
    response = pipecat_client.get("/v1/secrets/no-such-set")

    assert (response.status_code, response.json()) == (
        404,
        {"error": "Set not found", "code": "NOT_FOUND"},
    )


def test_list_filters_by_region(pipecat_client):
    put(pipecat_client, "west-set")
    put(pipecat_client, "eu-set", region="eu-central")

    names = [
        s["name"] for s in pipecat_client.get(f"{ORG}/secrets?region=eu-central").json()["sets"]
    ]

    assert names == ["eu-set"]


# -- image pull secrets ---------------------------------------------------------------------------


@BOTH_STYLES
def test_image_pull_secret_lifecycle(pipecat_client, pipecat_app, prefix):
    credentials = base64.b64encode(b"user:token").decode()

    created = put_pull(pipecat_client, "my-registry", prefix, secretValue=credentials)

    assert (created.status_code, created.json()) == (202, {"status": "OK", "region": "us-west"})
    stored = pipecat_app.store.get(PIPECAT_ORG, "my-registry")
    assert (stored.type, stored.host, stored.credentials) == (
        SetType.IMAGE_PULL,
        "ghcr.io/",
        credentials,
    )
    listed = pipecat_client.get(f"{prefix}/secrets").json()["sets"]
    assert listed == [
        {"name": "my-registry", "type": "imagePullSecret", "region": "us-west", "status": "pending"}
    ]
    by_name = pipecat_client.get(f"{prefix}/secrets/my-registry")
    assert (by_name.status_code, by_name.json()) == (
        400,
        {"error": "Cannot retrieve image pull secrets by name", "code": "GENERIC_BAD_REQUEST"},
    )
    assert pipecat_client.delete(f"{prefix}/secrets/my-registry/secretValue").status_code == 404

    updated = put_pull(pipecat_client, "my-registry", prefix, host="https://index.docker.io/v1/")

    assert updated.status_code == 202
    assert stored.host == "https://index.docker.io/v1/"
    assert pipecat_client.delete(f"{prefix}/secrets/my-registry").status_code == 200
    assert pipecat_app.store.get(PIPECAT_ORG, "my-registry") is None


# -- regions, properties, organisations -----------------------------------------------------------


@BOTH_STYLES
def test_regions_and_properties(pipecat_client, pipecat_app, prefix):
    regions = pipecat_client.get(f"{prefix}/regions").json()["regions"]
    assert regions == [
        {"code": "us-west", "display_name": "US West (Oregon)"},
        {"code": "us-east", "display_name": "US East (Virginia)"},
        {"code": "eu-central", "display_name": "Europe (Frankfurt)"},
        {"code": "ap-south", "display_name": "Asia Pacific (Mumbai)"},
    ]
    assert pipecat_client.get(f"{prefix}/properties").json() == {
        "properties": {"defaultRegion": "us-west"}
    }

    pipecat_app.set_default_region(PIPECAT_ORG, "ap-south")

    assert pipecat_client.get(f"{prefix}/properties").json()["properties"]["defaultRegion"] == (
        "ap-south"
    )
    assert put(pipecat_client, "my-secrets", prefix).json()["region"] == "ap-south"


def test_organizations_name_the_tokens_organisation(pipecat_client):
    response = pipecat_client.get("/v1/organizations")

    assert response.json() == {"organizations": [{"name": PIPECAT_ORG, "verboseName": PIPECAT_ORG}]}


# -- regions and types are fixed after creation ---------------------------------------------------


def test_region_cannot_change(pipecat_client):
    put(pipecat_client, "my-secrets", region="us-west")

    moved = put(pipecat_client, "my-secrets", region="us-east")

    assert (moved.status_code, moved.json()) == (
        400,
        {
            "error": "Secret already exists in region 'us-west'. "
            "Cannot change region to 'us-east'.",
            "code": "GENERIC_BAD_REQUEST",
        },
    )
    assert put(pipecat_client, "my-secrets", region="us-west").status_code == 202
    assert put(pipecat_client, "my-secrets").json() == {"status": "OK", "region": "us-west"}


def test_region_of_an_existing_set_outlives_a_new_default(pipecat_client, pipecat_app):
    put(pipecat_client, "my-secrets")
    pipecat_app.set_default_region(PIPECAT_ORG, "eu-central")

    assert put(pipecat_client, "my-secrets").json()["region"] == "us-west"


def test_unknown_region(pipecat_client):
    response = put(pipecat_client, "my-secrets", region="mars-north")

    assert (response.status_code, response.json()) == (
        400,
        {
            "error": "Invalid region or organization does not have access",
            "code": "GENERIC_BAD_REQUEST",
        },
    )


def test_regular_set_cannot_become_an_image_pull_secret(pipecat_client):
    put(pipecat_client, "my-secrets")

    response = put_pull(pipecat_client, "my-secrets")

    assert (response.status_code, response.json()) == (
        400,
        {"error": "Cannot update existing regular secrets to image pull secrets",
         "code": "GENERIC_BAD_REQUEST"},
    )  # fmt: skip


def test_image_pull_secret_cannot_become_a_regular_set(pipecat_client, pipecat_app):
    put_pull(pipecat_client, "my-registry")

    response = put(pipecat_client, "my-registry")

    assert response.status_code == 400
    assert response.json()["error"] == (
        "Must provide isImagePullSecret, host, and secretValue to update an image pull secret"
    )
    assert pipecat_app.store.get(PIPECAT_ORG, "my-registry").values == {}


# -- validation -----------------------------------------------------------------------------------

INVALID_FORMAT = {"error": "Invalid request format", "code": "GENERIC_BAD_REQUEST"}
INCOMPLETE_PULL = {
    "error": "Must provide isImagePullSecret, host, and secretValue to update an image pull secret",
    "code": "GENERIC_BAD_REQUEST",
}


@pytest.mark.parametrize(
    "name",
    ["ab", "a" * 64, "My-Set", "my_set", "-my-set", "my-set-", "my..set", "my.-set", "my set"],
)
def test_invalid_set_names_are_refused(pipecat_client, pipecat_app, name):
    response = put(pipecat_client, name)

    assert (response.status_code, response.json()) == (400, INVALID_FORMAT)
    assert pipecat_app.store.sets(PIPECAT_ORG) == []


@pytest.mark.parametrize("name", ["abc", "a" * 63, "my-set.v2", "0-1.x-y", "prod.eu.keys"])
def test_valid_set_names_are_accepted(pipecat_client, name):
    assert put(pipecat_client, name).status_code == 202
    assert pipecat_client.get(f"/v1/secrets/{name}").status_code == 200


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"not json", INVALID_FORMAT),
        (b"[]", INVALID_FORMAT),
        (b"{}", INVALID_FORMAT),
        (b'{"secrets": []}', INVALID_FORMAT),
        (b'{"secrets": {"A": "b"}}', INVALID_FORMAT),
        (b'{"secrets": [{"secretKey": "A"}]}', INVALID_FORMAT),
        (b'{"secrets": [{"secretKey": "A", "secretValue": ""}]}', INVALID_FORMAT),
        (b'{"secrets": [{"secretKey": "A", "secretValue": 1}]}', INVALID_FORMAT),
        (b'{"secrets": [{"secretKey": "BAD KEY", "secretValue": "v"}]}', INVALID_FORMAT),
        (b'{"secrets": [{"secretKey": "A.B", "secretValue": "v"}]}', INVALID_FORMAT),
        (b'{"secrets": [{"secretKey": "' + b"K" * 65 + b'", "secretValue": "v"}]}', INVALID_FORMAT),
        (b'{"secrets": [{"secretKey": "A", "secretValue": "v"}], "region": 5}', INVALID_FORMAT),
        (b'{"secretKey": "A", "secretValue": "v", "isImagePullSecret": "no"}', INVALID_FORMAT),
        (b'{"isImagePullSecret": true, "secretValue": "dTpw"}', INCOMPLETE_PULL),
        (b'{"isImagePullSecret": true, "host": "ghcr.io"}', INCOMPLETE_PULL),
        (b'{"isImagePullSecret": true, "host": "", "secretValue": "dTpw"}', INCOMPLETE_PULL),
    ],
)
def test_invalid_bodies_are_refused(pipecat_client, pipecat_app, body, expected):
    response = pipecat_client.put(
        "/v1/secrets/my-secrets", content=body, headers={"Content-Type": "application/json"}
    )

    assert (response.status_code, response.json()) == (400, expected)
    assert pipecat_app.store.sets(PIPECAT_ORG) == []


@pytest.mark.parametrize("key", ["K" * 64, "a", "OPENAI_API_KEY", "my-key_2"])
def test_valid_key_names(pipecat_client, key):
    assert (
        put(
            pipecat_client, "my-secrets", secrets=[{"secretKey": key, "secretValue": "v"}]
        ).status_code
        == 202
    )
    assert keys(pipecat_client, "my-secrets") == [key]


# -- authentication and organisations -------------------------------------------------------------

UNAUTHORIZED = {"error": "Unauthorized", "code": "UNAUTHORIZED"}


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic pk-test-org"},
     {"Authorization": "Bearer "}],
    ids=["missing", "unknown", "not-bearer", "empty"],
)  # fmt: skip
@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/v1/secrets"), ("GET", "/v1/secrets/my-secrets"), ("PUT", "/v1/secrets/my-secrets"),
     ("DELETE", "/v1/secrets/my-secrets"), ("DELETE", "/v1/secrets/my-secrets/A"),
     ("GET", f"{ORG}/regions"), ("GET", "/v1/properties")],
)  # fmt: skip
def test_requests_without_a_valid_token_are_unauthorized(pipecat_client, headers, method, path):
    pipecat_client.headers.pop("Authorization")
    body = {"secrets": [{"secretKey": "A", "secretValue": "v"}]} if method == "PUT" else None

    response = pipecat_client.request(method, path, headers=headers, json=body)

    assert (response.status_code, response.json()) == (401, UNAUTHORIZED)


def test_each_organisation_sees_only_its_own_sets(pipecat_client):
    put(pipecat_client, "shared-name", secrets=[{"secretKey": "OURS", "secretValue": "v"}])
    other = {"Authorization": f"Bearer {OTHER_TOKEN}"}

    assert pipecat_client.get("/v1/secrets", headers=other).json() == {"sets": []}
    assert pipecat_client.get("/v1/secrets/shared-name", headers=other).status_code == 404
    assert pipecat_client.delete("/v1/secrets/shared-name", headers=other).status_code == 404

    theirs = {"secrets": [{"secretKey": "THEIRS", "secretValue": "v"}], "region": "eu-central"}
    assert pipecat_client.put("/v1/secrets/shared-name", json=theirs, headers=other).json() == {
        "status": "OK",
        "region": "eu-central",
    }
    assert keys(pipecat_client, "shared-name") == ["OURS"]
    assert (
        pipecat_client.get(f"/v1/organizations/{OTHER_ORG}/secrets", headers=other).json()["sets"][
            0
        ]["region"]
        == "eu-central"
    )


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "secrets"), ("GET", "secrets/my-secrets"), ("PUT", "secrets/my-secrets"),
     ("DELETE", "secrets/my-secrets"), ("DELETE", "secrets/my-secrets/API_KEY"),
     ("GET", "regions"), ("GET", "properties")],
)  # fmt: skip
def test_another_organisations_path_is_forbidden(pipecat_client, pipecat_app, method, path):
    # Not in the published documents: the real API answers 403 to a user outside the organisation.
    pipecat_client.undocumented_ok = {403}
    put(pipecat_client, "my-secrets", f"/v1/organizations/{PIPECAT_ORG}")
    body = {"secrets": [{"secretKey": "X", "secretValue": "v"}]} if method == "PUT" else None

    response = pipecat_client.request(method, f"/v1/organizations/{OTHER_ORG}/{path}", json=body)

    assert (response.status_code, response.json()) == (
        403,
        {"error": "Forbidden", "code": "FORBIDDEN"},
    )
    assert keys(pipecat_client, "my-secrets") == ["API_KEY"]


# -- routing --------------------------------------------------------------------------------------


def test_unknown_paths_and_methods(pipecat_app, pipecat_client):
    with pipecat_client.unvalidated():
        unknown = pipecat_client.get("/v1/builds")
        wrong_method = pipecat_client.post("/v1/secrets/my-secrets", json={})

    assert (unknown.status_code, unknown.json()) == (
        404,
        {"error": "Not found", "code": "NOT_FOUND"},
    )
    assert wrong_method.status_code == 405
    assert set(wrong_method.json()) == {"error", "code"}
    assert [r.operation for r in pipecat_app.requests] == ["unknown", "unknown"]


def test_request_log_names_operations_without_values(pipecat_client, pipecat_app):
    put(pipecat_client, "my-secrets", ORG)
    pipecat_client.get("/v1/secrets")
    pipecat_client.get("/v1/secrets/my-secrets")
    pipecat_client.delete("/v1/secrets/my-secrets/API_KEY")
    pipecat_client.delete(f"{ORG}/secrets/my-secrets")
    pipecat_client.get("/v1/regions")
    pipecat_client.get(f"{ORG}/properties")

    assert [(r.method, r.operation, r.status) for r in pipecat_app.requests] == [
        ("PUT", "put_set", 202),
        ("GET", "list_sets", 200),
        ("GET", "get_set", 200),
        ("DELETE", "delete_key", 200),
        ("DELETE", "delete_set", 200),
        ("GET", "regions", 200),
        ("GET", "properties", 200),
    ]
    assert pipecat_app.requests[0].path == f"{ORG}/secrets/my-secrets"


# -- demo data ------------------------------------------------------------------------------------


def test_demo_seed_has_sets_in_every_state(pipecat_client, pipecat_app, pipecat_clock):
    seed_demo(pipecat_app, org=PIPECAT_ORG, pending_for=60)

    sets = pipecat_client.get("/v1/secrets").json()["sets"]

    assert {s["status"] for s in sets} == {"ready", "pending", "failed"}
    assert sum(s["status"] == "ready" for s in sets) >= 2
    assert all(s["errorMessage"] for s in sets if s["status"] == "failed")
    assert any(s["type"] == "imagePullSecret" for s in sets)
    other = {"Authorization": f"Bearer {OTHER_TOKEN}"}
    assert pipecat_client.get("/v1/secrets", headers=other).json() == {"sets": []}
    pipecat_clock.advance(60)
    statuses = {s["status"] for s in pipecat_client.get("/v1/secrets").json()["sets"]}
    assert statuses == {"ready", "failed"}
