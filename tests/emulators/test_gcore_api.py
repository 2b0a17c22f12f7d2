"""The secrets API in process: listing, paging, reading, writing through tasks, catalogue."""

import base64
from datetime import timedelta

from emulators.clock import ManualClock
from emulators.gcore import GcoreEmulator, Region
from emulators.transport import EmulatorTransport
from tests.fixtures.gcore import (
    OTHER_PROJECT_ID,
    OTHER_REGION_ID,
    PROJECT_ID,
    REGION_ID,
    TASK_QUEUE_SECONDS,
    TASK_RUN_SECONDS,
    WALL_START,
    ValidatingClient,
    new_app,
)

SECRETS = f"/cloud/v1/secrets/{PROJECT_ID}/{REGION_ID}"
TLS = f"/cloud/v2/secrets/{PROJECT_ID}/{REGION_ID}"
TASK_SECONDS = TASK_QUEUE_SECONDS + TASK_RUN_SECONDS
PAYLOAD = b"correct horse battery staple"


def generic_body(name: str = "db-password", **fields) -> dict:
    return {
        "name": name,
        "payload": base64.b64encode(PAYLOAD).decode(),
        "payload_content_encoding": "base64",
        "payload_content_type": "application/octet-stream",
        "secret_type": "passphrase",
        **fields,
    }


def add(app: GcoreEmulator, name: str, **kwargs):
    return app.add_secret(PROJECT_ID, REGION_ID, name, "opaque", b"x", **kwargs)


def test_an_empty_region_lists_no_secrets(gcore_client):
    response = gcore_client.get(SECRETS)

    assert response.status_code == 200
    assert response.json() == {"count": 0, "results": []}


def test_list_pages_with_limit_and_offset_and_counts_everything(gcore_client, gcore_app):
    names = [f"secret-{i}" for i in range(5)]
    for name in names:
        add(gcore_app, name)
        gcore_app.clock.advance(1)

    first = gcore_client.get(SECRETS, params={"limit": 2}).json()
    last = gcore_client.get(SECRETS, params={"limit": 2, "offset": 4}).json()
    everything = gcore_client.get(SECRETS).json()

    assert first["count"] == last["count"] == everything["count"] == 5
    assert [s["name"] for s in first["results"]] == names[:2]
    assert [s["name"] for s in last["results"]] == names[4:]
    assert [s["name"] for s in everything["results"]] == names


def test_an_offset_past_the_end_gives_an_empty_page(gcore_client, gcore_app):
    add(gcore_app, "only")

    body = gcore_client.get(SECRETS, params={"offset": 10}).json()

    assert body == {"count": 1, "results": []}


def test_get_returns_the_secret_metadata_without_payload(gcore_client, gcore_app):
    secret = gcore_app.add_secret(
        PROJECT_ID,
        REGION_ID,
        "AES key",
        "symmetric",
        PAYLOAD,
        algorithm="aes",
        bit_length=256,
        mode="cbc",
    )

    body = gcore_client.get(f"{SECRETS}/{secret.id}").json()

    assert body == {
        "id": secret.id,
        "name": "AES key",
        "secret_type": "symmetric",
        "status": "ACTIVE",
        "created": "2026-11-23T12:00:00+00:00",
        "expiration": None,
        "algorithm": "aes",
        "bit_length": 256,
        "mode": "cbc",
        "content_types": {"default": "application/octet-stream"},
    }


def test_an_unknown_secret_is_a_not_found_error(gcore_client):
    secret_id = "bfc7824b-31b6-4a28-a0c4-7df137139215"

    response = gcore_client.get(f"{SECRETS}/{secret_id}")

    assert response.status_code == 404
    assert response.json()["exception_class"] == "NotFoundError"
    assert response.json()["message"] == f"Secret {secret_id} could not be found"


def test_a_create_answers_a_task_and_the_secret_appears_when_it_finishes(
    gcore_client, gcore_app, gcore_clock: ManualClock
):
    created = gcore_client.post(SECRETS, json=generic_body(expiration="2027-01-31T10:00:00"))
    (task_id,) = created.json()["tasks"]

    assert gcore_client.get(SECRETS).json()["count"] == 0
    gcore_clock.advance(TASK_SECONDS)
    task = gcore_client.get(f"/cloud/v1/tasks/{task_id}").json()
    (secret_id,) = task["created_resources"]["secrets"]
    secret = gcore_client.get(f"{SECRETS}/{secret_id}").json()

    assert task["state"] == "FINISHED"
    assert secret["name"] == "db-password"
    assert secret["secret_type"] == "passphrase"
    assert secret["expiration"] == "2027-01-31T10:00:00+00:00"
    assert secret["created"] == "2026-11-23T12:00:03+00:00"
    assert gcore_app.store.secret(PROJECT_ID, REGION_ID, secret_id).payload == PAYLOAD


def test_a_tls_upload_creates_a_certificate_secret(gcore_client, gcore_clock: ManualClock):
    pem = {
        "certificate": "-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\n",
        "certificate_chain": "-----BEGIN CERTIFICATE-----\nBBB\n-----END CERTIFICATE-----\n",
        "private_key": "-----BEGIN RSA PRIVATE KEY-----\nCCC\n-----END RSA PRIVATE KEY-----\n",
    }

    response = gcore_client.post(
        TLS, json={"name": "www", "payload": pem, "expiration": "2027-06-01T00:00:00+02:00"}
    )
    gcore_clock.advance(TASK_SECONDS)
    (secret,) = gcore_client.get(SECRETS).json()["results"]

    assert response.status_code == 200
    assert secret["secret_type"] == "certificate"
    assert secret["expiration"] == "2027-05-31T22:00:00+00:00"
    assert secret["content_types"] == {"default": "text/plain"}


def test_two_secrets_may_share_a_name_as_in_barbican(gcore_client, gcore_clock: ManualClock):
    gcore_client.post(SECRETS, json=generic_body("same"))
    gcore_client.post(SECRETS, json=generic_body("same"))
    gcore_clock.advance(TASK_SECONDS)

    results = gcore_client.get(SECRETS).json()["results"]

    assert [s["name"] for s in results] == ["same", "same"]
    assert results[0]["id"] != results[1]["id"]


def test_a_delete_removes_the_secret_when_its_task_finishes(
    gcore_client, gcore_app, gcore_clock: ManualClock
):
    secret = add(gcore_app, "old")

    response = gcore_client.delete(f"{SECRETS}/{secret.id}")
    still_there = gcore_client.get(f"{SECRETS}/{secret.id}").status_code
    gcore_clock.advance(TASK_SECONDS)
    (task_id,) = response.json()["tasks"]
    task = gcore_client.get(f"/cloud/v1/tasks/{task_id}").json()

    assert still_there == 200
    assert task["task_type"] == "delete_secret"
    assert task["state"] == "FINISHED"
    assert gcore_client.get(f"{SECRETS}/{secret.id}").status_code == 404


def test_deleting_an_unknown_secret_is_a_not_found_error_and_queues_nothing(
    gcore_client, gcore_app
):
    response = gcore_client.delete(f"{SECRETS}/bfc7824b-31b6-4a28-a0c4-7df137139215")

    assert response.status_code == 404
    assert gcore_app.store.tasks() == []


def test_no_answer_ever_carries_a_payload(gcore_client, gcore_clock: ManualClock):
    marker = b"payload-marker-7f3a"
    body = generic_body(payload=base64.b64encode(marker).decode())

    (task_id,) = gcore_client.post(SECRETS, json=body).json()["tasks"]
    gcore_clock.advance(TASK_SECONDS)
    answers = [
        gcore_client.get(f"/cloud/v1/tasks/{task_id}"),
        gcore_client.get(SECRETS),
    ]
    secret_id = answers[1].json()["results"][0]["id"]
    answers.append(gcore_client.get(f"{SECRETS}/{secret_id}"))

    for answer in answers:
        assert marker not in answer.content
        assert base64.b64encode(marker) not in answer.content


def test_the_request_log_names_operations_and_keeps_no_bodies(gcore_client, gcore_app):
    gcore_client.post(SECRETS, json=generic_body())
    gcore_client.get(SECRETS)
    gcore_client.get("/cloud/v1/regions")

    operations = [r.operation for r in gcore_app.requests]

    assert operations == ["create_secret", "list_secrets", "list_regions"]
    assert "payload" not in repr(gcore_app.requests)


def test_regions_list_with_paging(gcore_client):
    everything = gcore_client.get("/cloud/v1/regions").json()
    page = gcore_client.get("/cloud/v1/regions", params={"limit": 1, "offset": 1}).json()

    assert everything["count"] == len(everything["results"]) == 4
    assert REGION_ID in [r["id"] for r in everything["results"]]
    assert page["count"] == 4
    assert page["results"] == everything["results"][1:2]


def test_projects_list_only_those_the_key_may_use(gcore_client):
    body = gcore_client.get("/cloud/v1/projects").json()
    staging_only = gcore_client.get(
        "/cloud/v1/projects", headers={"Authorization": "APIKey 1002$gcore-staging-key"}
    ).json()

    assert [p["id"] for p in body["results"]] == [PROJECT_ID, OTHER_PROJECT_ID]
    assert body["results"][0]["is_default"] is True
    assert [p["id"] for p in staging_only["results"]] == [OTHER_PROJECT_ID]


def test_an_unknown_path_is_a_not_found_error_and_a_wrong_method_an_http_error(gcore_client):
    unknown = gcore_client.get("/cloud/v1/flaky-get")
    wrong_method = gcore_client.put(SECRETS)

    assert unknown.status_code == 404
    assert unknown.json()["exception_class"] == "NotFoundError"
    assert wrong_method.status_code == 405
    assert wrong_method.json()["exception_class"] == "HTTPError"


def test_reset_forgets_secrets_planned_failures_and_timing(
    gcore_client, gcore_app, gcore_clock: ManualClock
):
    add(gcore_app, "forgotten")
    gcore_app.set_task_timing(0, 0)
    gcore_app.fail_next_task()

    gcore_app.reset()
    (task_id,) = gcore_client.post(SECRETS, json=generic_body("new")).json()["tasks"]
    pending = gcore_client.get(f"/cloud/v1/tasks/{task_id}").json()["state"]
    gcore_clock.advance(TASK_SECONDS)
    finished = gcore_client.get(f"/cloud/v1/tasks/{task_id}").json()["state"]

    assert (pending, finished) == ("NEW", "FINISHED")
    assert [s["name"] for s in gcore_client.get(SECRETS).json()["results"]] == ["new"]


def test_wall_time_follows_the_app_clock(gcore_app, gcore_clock: ManualClock):
    gcore_clock.advance(90)

    assert (gcore_app.wall_now() - WALL_START).total_seconds() == 90


def test_secret_named_finds_every_secret_of_that_name_once_its_task_is_done(
    gcore_client, gcore_app, gcore_clock: ManualClock
):
    older = add(gcore_app, "tls-www", created=WALL_START - timedelta(days=2))
    newer = add(gcore_app, "tls-www", created=WALL_START - timedelta(days=1))
    add(gcore_app, "tls-api")
    gcore_app.add_secret(PROJECT_ID, OTHER_REGION_ID, "tls-www", "opaque", b"x")

    gcore_client.post(SECRETS, json=generic_body("tls-www"))
    while_queued = gcore_app.secret_named(PROJECT_ID, REGION_ID, "tls-www")
    gcore_clock.advance(TASK_SECONDS)
    finished = gcore_app.secret_named(PROJECT_ID, REGION_ID, "tls-www")

    assert while_queued == [older, newer]
    assert finished[:2] == [older, newer] and len(finished) == 3
    assert gcore_app.secret_named(PROJECT_ID, REGION_ID, "tls-ww") == []


def test_regions_come_a_hundred_to_a_page_unless_a_limit_is_given(gcore_client):
    many = [Region(i, f"Region {i}", f"region-{i}", "LU") for i in range(1, 151)]
    app = new_app(regions=many)
    with ValidatingClient(
        gcore_client.contract,
        transport=EmulatorTransport(app),
        base_url=gcore_client.base_url,
        headers=gcore_client.headers,
    ) as client:
        default = client.get("/cloud/v1/regions").json()
        rest = client.get("/cloud/v1/regions", params={"offset": 100}).json()
        larger = client.get("/cloud/v1/regions", params={"limit": 1000}).json()

    assert (default["count"], len(default["results"])) == (150, 100)
    assert [r["id"] for r in default["results"] + rest["results"]] == list(range(1, 151))
    assert len(larger["results"]) == 150
