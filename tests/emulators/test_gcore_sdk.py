"""The official SDK (`gcore` 0.59.0) against the emulator on a real HTTP server, and in process
where a test needs an app of its own.

Tasks finish at once on this server, so each poll returns on its first request; one test slows
them to make the SDK poll for real.
"""

import base64
import json
import time
from datetime import UTC, datetime, timedelta

import gcore
import pytest
from gcore.types.cloud import TaskIDList

from emulators.faults import Fault
from emulators.gcore import Region, seed_many
from emulators.transport import EmulatorTransport
from tests.fixtures.gcore import (
    API_HOST,
    GCORE_KEY,
    OTHER_PROJECT_ID,
    PROJECT_ID,
    REGION_ID,
    ValidatingClient,
    new_app,
)

PEM = {
    "certificate": "-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\n",
    "certificate_chain": "-----BEGIN CERTIFICATE-----\nBBB\n-----END CERTIFICATE-----\n",
    "private_key": "-----BEGIN PRIVATE KEY-----\nCCC\n-----END PRIVATE KEY-----\n",
}


def generic_body(name: str) -> dict:
    return {
        "name": name,
        "payload": base64.b64encode(b"s3cr3t value").decode(),
        "payload_content_encoding": "base64",
        "payload_content_type": "application/octet-stream",
        "secret_type": "opaque",
        "algorithm": "aes",
        "bit_length": 256,
        "mode": "cbc",
    }


def test_auto_pagination_walks_every_page(gcore_sdk, gcore_server):
    app = gcore_server.app
    names = [f"secret-{i:02}" for i in range(7)]
    for offset, name in enumerate(names):
        app.add_secret(
            PROJECT_ID,
            REGION_ID,
            name,
            "opaque",
            b"x",
            created=app.wall_now() - timedelta(minutes=60 - offset),
        )

    first_page = gcore_sdk.cloud.secrets.list(limit=3)
    walked = [s.name for s in first_page]

    assert first_page.count == 7
    assert walked == names
    assert app.calls("list_secrets") == 3


def test_get_matches_the_emulator_state(gcore_sdk, gcore_server):
    expiration = datetime(2027, 3, 1, 8, 30, tzinfo=UTC)
    stored = gcore_server.app.add_secret(
        PROJECT_ID,
        REGION_ID,
        "AES key",
        "symmetric",
        b"k" * 32,
        algorithm="aes",
        bit_length=256,
        mode="cbc",
        expiration=expiration,
    )

    secret = gcore_sdk.cloud.secrets.get(stored.id)

    assert secret.id == stored.id
    assert (secret.name, secret.secret_type, secret.status) == ("AES key", "symmetric", "ACTIVE")
    assert (secret.algorithm, secret.bit_length, secret.mode) == ("aes", 256, "cbc")
    assert secret.expiration == expiration
    assert secret.created == stored.created.replace(microsecond=0)
    assert secret.content_types == {"default": "application/octet-stream"}


def test_an_unknown_secret_raises_not_found(gcore_sdk):
    with pytest.raises(gcore.NotFoundError) as raised:
        gcore_sdk.cloud.secrets.get("bfc7824b-31b6-4a28-a0c4-7df137139215")

    assert raised.value.body["exception_class"] == "NotFoundError"


def test_a_generic_create_through_post_then_poll(gcore_sdk, gcore_server):
    path = f"/cloud/v1/secrets/{PROJECT_ID}/{REGION_ID}"

    answer = gcore_sdk.post(path, body=generic_body("AES key"), cast_to=TaskIDList)
    task = gcore_sdk.cloud.tasks.poll(answer.tasks[0])
    (secret_id,) = task.created_resources.secrets
    secret = gcore_sdk.cloud.secrets.get(secret_id)

    assert task.state == "FINISHED"
    assert task.task_type == "create_secret"
    assert (secret.name, secret.algorithm, secret.bit_length) == ("AES key", "aes", 256)
    stored = gcore_server.app.store.secret(PROJECT_ID, REGION_ID, secret_id)
    assert stored.payload == b"s3cr3t value"


def test_upload_tls_certificate_and_poll(gcore_sdk, gcore_server):
    expiration = datetime(2027, 12, 31, 23, 59, 59, tzinfo=UTC)

    secret = gcore_sdk.cloud.secrets.upload_tls_certificate_and_poll(
        name="my-cert", payload=PEM, expiration=expiration
    )

    assert secret.name == "my-cert"
    assert secret.secret_type == "certificate"
    assert secret.expiration == expiration
    assert [s.id for s in gcore_server.app.secrets(PROJECT_ID, REGION_ID)] == [secret.id]
    assert gcore_server.app.calls("create_tls_secret") == 1


def test_delete_then_poll_removes_the_secret(gcore_sdk, gcore_server):
    stored = gcore_server.app.add_secret(PROJECT_ID, REGION_ID, "old", "opaque", b"x")

    answer = gcore_sdk.cloud.secrets.delete(stored.id)
    task = gcore_sdk.cloud.tasks.poll(answer.tasks[0])

    assert task.state == "FINISHED"
    assert task.task_type == "delete_secret"
    assert gcore_server.app.secrets(PROJECT_ID, REGION_ID) == []
    with pytest.raises(gcore.NotFoundError):
        gcore_sdk.cloud.secrets.get(stored.id)


def test_poll_waits_through_new_and_running(gcore_sdk, gcore_server):
    gcore_server.app.set_task_timing(0.3, 0.4)

    started = time.monotonic()
    secret = gcore_sdk.cloud.secrets.upload_tls_certificate_and_poll(name="slow", payload=PEM)

    assert secret.name == "slow"
    assert gcore_server.app.calls("get_task") == 2  # one unfinished poll, a 1 s sleep, one more
    assert time.monotonic() - started >= 1


def test_a_failed_task_makes_poll_raise_its_error(gcore_sdk, gcore_server):
    gcore_server.app.fail_next_task(message="certificate rejected by the backend")

    with pytest.raises(ValueError, match="certificate rejected by the backend"):
        gcore_sdk.cloud.secrets.upload_tls_certificate_and_poll(name="bad", payload=PEM)

    assert gcore_server.app.secrets(PROJECT_ID, REGION_ID) == []


def test_validation_errors_reach_the_sdk_as_bad_requests(gcore_sdk):
    with pytest.raises(gcore.BadRequestError) as raised:
        gcore_sdk.cloud.secrets.upload_tls_certificate(
            name="my-cert",
            payload={"certificate": "C", "certificate_chain": "CC", "private_key": "K"},
        )

    assert raised.value.body["exception_class"] == "ValidationError"
    assert "payload.certificate" in raised.value.body["invalid_fields"]


def test_regions_and_projects(gcore_sdk):
    regions = list(gcore_sdk.cloud.regions.list())
    projects = list(gcore_sdk.cloud.projects.list())

    assert REGION_ID in [r.id for r in regions]
    assert [p.id for p in projects] == [PROJECT_ID, OTHER_PROJECT_ID]
    assert next(r for r in regions if r.id == REGION_ID).display_name == "Luxembourg-2"


def test_the_sdk_reports_isolation_between_projects(gcore_sdk, gcore_server):
    stored = gcore_server.app.add_secret(PROJECT_ID, REGION_ID, "prod", "opaque", b"x")

    listed = gcore_sdk.cloud.secrets.list(project_id=OTHER_PROJECT_ID)

    assert listed.count == 0
    with pytest.raises(gcore.NotFoundError):
        gcore_sdk.cloud.secrets.get(stored.id, project_id=OTHER_PROJECT_ID)


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (401, gcore.AuthenticationError),
        (403, gcore.PermissionDeniedError),
        (404, gcore.NotFoundError),
        (409, gcore.ConflictError),
        (429, gcore.RateLimitError),
        (500, gcore.InternalServerError),
        (502, gcore.InternalServerError),
        (503, gcore.InternalServerError),
    ],
)
def test_status_faults_raise_the_sdk_error_classes(gcore_sdk, gcore_server, status, error):
    gcore_server.app.faults.add(Fault("list_secrets", status=status))

    with pytest.raises(error) as raised:
        gcore_sdk.cloud.secrets.list()

    assert raised.value.status_code == status
    assert set(raised.value.body) >= {"exception_class", "message", "request_id"}


def test_the_sdk_honours_retry_after_on_429(gcore_sdk_factory, gcore_server):
    sdk = gcore_sdk_factory(max_retries=1)
    gcore_server.app.faults.add(Fault("list_secrets", status=429, retry_after=1))

    started = time.monotonic()
    page = sdk.cloud.secrets.list()

    assert page.count == 0
    assert gcore_server.app.calls("list_secrets") == 2
    assert time.monotonic() - started >= 1


def test_the_sdk_retries_a_post_after_a_5xx(gcore_sdk_factory, gcore_server):
    sdk = gcore_sdk_factory(max_retries=1)
    gcore_server.app.faults.add(Fault("create_tls_secret", status=502))

    secret = sdk.cloud.secrets.upload_tls_certificate_and_poll(name="retried", payload=PEM)

    assert secret.name == "retried"
    assert gcore_server.app.calls("create_tls_secret") == 2


def test_a_dropped_connection_is_a_connection_error(gcore_sdk, gcore_server):
    gcore_server.app.faults.add(Fault("get_secret", drop=True))

    with pytest.raises(gcore.APIConnectionError):
        gcore_sdk.cloud.secrets.get("bfc7824b-31b6-4a28-a0c4-7df137139215")


def test_an_answer_slower_than_the_timeout_is_a_timeout(gcore_sdk_factory, gcore_server):
    sdk = gcore_sdk_factory(timeout=0.3)
    gcore_server.app.faults.add(Fault("list_regions", delay=1.0))

    with pytest.raises(gcore.APITimeoutError):
        sdk.cloud.regions.list()


def test_latency_below_the_timeout_only_slows_the_answer(gcore_sdk, gcore_server):
    gcore_server.app.latency = 0.3

    started = time.monotonic()
    projects = gcore_sdk.cloud.projects.list()

    assert projects.count == 2
    assert time.monotonic() - started >= 0.3


def test_a_malformed_body_fails_to_decode(gcore_sdk_factory, gcore_server):
    sdk = gcore_sdk_factory(http_client=None)
    gcore_server.app.faults.add(Fault("list_projects", malformed=True))

    with pytest.raises(json.JSONDecodeError):
        sdk.cloud.projects.list()


def in_process_sdk(app, contract) -> gcore.Gcore:
    return gcore.Gcore(
        api_key=GCORE_KEY,
        base_url=API_HOST,
        cloud_project_id=PROJECT_ID,
        cloud_region_id=REGION_ID,
        max_retries=0,
        http_client=ValidatingClient(contract, transport=EmulatorTransport(app)),
    )


def test_the_sdk_walks_regions_a_hundred_to_a_page(gcore_contract):
    app = new_app(regions=[Region(i, f"Region {i}", f"region-{i}", "LU") for i in range(1, 151)])
    with in_process_sdk(app, gcore_contract) as sdk:
        first_page = sdk.cloud.regions.list()
        walked = [r.id for r in first_page]

    assert (first_page.count, len(first_page.results)) == (150, 100)
    assert walked == list(range(1, 151))
    assert app.calls("list_regions") == 2


def test_the_sdk_lists_a_thousand_seeded_secrets_whole_or_page_by_page(gcore_contract):
    app = new_app()
    seeded = seed_many(app, 1000, PROJECT_ID, REGION_ID)
    with in_process_sdk(app, gcore_contract) as sdk:
        whole = sdk.cloud.secrets.list()
        paged = [s.id for s in sdk.cloud.secrets.list(limit=300)]

    assert (whole.count, len(whole.results)) == (1000, 1000)
    assert paged == [s.id for s in whole.results]
    assert sorted(paged) == sorted(s.id for s in seeded)
    assert app.calls("list_secrets") == 1 + 4
