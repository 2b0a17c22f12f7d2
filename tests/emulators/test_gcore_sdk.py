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
from gcore.types.cloud import AuditLogEntry, TaskIDList

from emulators.clock import ManualClock
from emulators.faults import Fault
from emulators.gcore import Region, seed_many
from emulators.transport import EmulatorTransport
from tests.fixtures.gcore import (
    API_HOST,
    GCORE_KEY,
    OTHER_PROJECT_ID,
    OTHER_REGION_ID,
    PROJECT_ID,
    REGION_ID,
    STAGING_KEY,
    WALL_START,
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


# -- the user-action log (`cloud.audit_logs`) ---------------------------------------------------


def audit_sdk(app, contract, *, key=GCORE_KEY, address="127.0.0.1", agent=None) -> gcore.Gcore:
    """The SDK in process, seen by `app` as calling from `address` with User-Agent `agent`."""
    transport = EmulatorTransport(app, remote_addr=address)
    return gcore.Gcore(
        api_key=key,
        base_url=API_HOST,
        cloud_project_id=PROJECT_ID,
        cloud_region_id=REGION_ID,
        max_retries=0,
        default_headers={"User-Agent": agent} if agent else None,
        http_client=ValidatingClient(contract, transport=transport),
    )


def test_the_audit_log_names_who_created_and_deleted_a_secret(gcore_sdk_factory, gcore_server):
    sdk = gcore_sdk_factory(default_headers={"User-Agent": "rotation-drill/1.0"})

    created = sdk.cloud.secrets.upload_tls_certificate(name="www-2027", payload=PEM).tasks[0]
    (secret_id,) = sdk.cloud.tasks.poll(created).created_resources.secrets
    deleted = sdk.cloud.secrets.delete(secret_id).tasks[0]
    sdk.cloud.tasks.poll(deleted)

    page = sdk.cloud.audit_logs.list(resource_id=[secret_id], order_by="asc")

    assert page.count == 2
    assert [(e.action_type, e.api_group, e.task_id) for e in page.results] == [
        ("create", "secret", created),
        ("delete", "secret", deleted),
    ]
    for entry in page.results:
        assert isinstance(entry, AuditLogEntry)
        assert [(r.resource_id, r.resource_type) for r in entry.resources] == [
            (secret_id, "secret")
        ]
        assert entry.resources[0].search_field == "www-2027"
        assert (entry.user_id, entry.email, entry.token_id) == (1001, "user1001@example.com", 1001)
        assert (entry.project_id, entry.region_id) == (PROJECT_ID, REGION_ID)
        assert entry.source_user_ip == "127.0.0.1"  # the real server's loopback peer
        assert entry.user_agent == "rotation-drill/1.0"
        assert entry.is_complete
    assert page.results[0].timestamp <= page.results[1].timestamp


def test_the_audit_log_tells_the_token_from_its_user(gcore_contract):
    app = new_app(api_keys={"77$drill-key": [PROJECT_ID]})
    with audit_sdk(app, gcore_contract, key="77$drill-key", address="192.0.2.10") as sdk:
        sdk.cloud.secrets.upload_tls_certificate(name="c", payload=PEM)
        (entry,) = sdk.cloud.audit_logs.list()

    assert (entry.user_id, entry.token_id) == (1001, 77)
    assert entry.source_user_ip == "192.0.2.10"
    assert entry.user_agent == f"Gcore/Python {gcore.__version__}"


def test_load_balancer_updates_are_in_the_audit_log(gcore_sdk, gcore_server):
    app = gcore_server.app
    www, ca = (app.add_secret(PROJECT_ID, REGION_ID, n, "certificate", b"pem") for n in "ab")
    balancer = app.add_load_balancer(PROJECT_ID, REGION_ID, "web-lb")
    listener = app.add_listener(balancer, "https", "TERMINATED_HTTPS", 443, secret_id=www.id)
    pool = app.add_pool(listener, "backends", "HTTPS")

    switched = gcore_sdk.cloud.load_balancers.listeners.update(listener.id, secret_id=www.id)
    trusted = gcore_sdk.cloud.load_balancers.pools.update(pool.id, ca_secret_id=ca.id)
    unchanged = gcore_sdk.cloud.load_balancers.pools.update(pool.id, ca_secret_id=ca.id)
    entries = list(gcore_sdk.cloud.audit_logs.list(order_by="asc"))

    assert unchanged.tasks == []  # no task, so nothing was done and nothing is logged
    assert [(e.action_type, e.api_group, e.task_id) for e in entries] == [
        ("update", "lblistener", switched.tasks[0]),
        ("update", "lbpool", trusted.tasks[0]),
    ]
    assert [(r.resource_id, r.resource_type) for e in entries for r in e.resources] == [
        (listener.id, "lblistener"),
        (pool.id, "lbpool"),
    ]


def test_a_refused_change_is_not_in_the_audit_log(gcore_sdk):
    with pytest.raises(gcore.BadRequestError):
        gcore_sdk.cloud.secrets.upload_tls_certificate(
            name="bad", payload={"certificate": "C", "certificate_chain": "", "private_key": "K"}
        )

    assert gcore_sdk.cloud.audit_logs.list().count == 0


def test_the_audit_log_filters_by_what_who_and_where(gcore_contract):
    app = new_app(task_queue_seconds=0.0, task_run_seconds=0.0)
    office = audit_sdk(app, gcore_contract, address="198.51.100.4", agent="secretsadmin")
    laptop = audit_sdk(app, gcore_contract, address="203.0.113.9", agent="curl/8.5")
    with office, laptop:
        kept = office.cloud.secrets.upload_tls_certificate_and_poll(name="kept", payload=PEM)
        gone = laptop.cloud.secrets.upload_tls_certificate_and_poll(name="gone", payload=PEM)
        laptop.cloud.secrets.delete(gone.id)
        elsewhere = office.cloud.secrets.upload_tls_certificate_and_poll(
            name="staging", payload=PEM, project_id=OTHER_PROJECT_ID, region_id=OTHER_REGION_ID
        )

        def ids(**filters) -> list[str]:
            return [e.resources[0].resource_id for e in office.cloud.audit_logs.list(**filters)]

        assert ids(order_by="asc") == [kept.id, gone.id, gone.id, elsewhere.id]
        assert ids(order_by="desc") == [elsewhere.id, gone.id, gone.id, kept.id]
        assert ids(sorting="asc") == ids(order_by="asc")  # the deprecated name
        assert ids(action_type=["delete"]) == [gone.id]
        assert ids(action_type=["update"]) == []
        assert ids(api_group=["secret"], order_by="asc") == ids(order_by="asc")
        assert ids(api_group=["lblistener", "lbpool"]) == []
        assert ids(resource_id=[kept.id, elsewhere.id], order_by="asc") == [kept.id, elsewhere.id]
        assert ids(project_id=[OTHER_PROJECT_ID]) == [elsewhere.id]
        assert ids(region_id=[REGION_ID], order_by="asc") == [kept.id, gone.id, gone.id]
        assert ids(source_user_ips=["203.0.113.9"]) == [gone.id, gone.id]
        assert ids(user_agents=["secretsadmin"], order_by="asc") == [kept.id, elsewhere.id]
        assert ids(search_field="STAG") == [elsewhere.id]


def test_the_audit_log_filters_by_time(gcore_contract):
    clock = ManualClock()
    app = new_app(clock, task_queue_seconds=0.0, task_run_seconds=0.0)
    with audit_sdk(app, gcore_contract) as sdk:
        for name in ("first", "second", "third"):
            sdk.cloud.secrets.upload_tls_certificate_and_poll(name=name, payload=PEM)
            clock.advance(60.5)
        second = WALL_START + timedelta(seconds=60.5)  # when the second was asked for

        def names(**filters) -> list[str]:
            listed = sdk.cloud.audit_logs.list(order_by="asc", **filters)
            return [e.resources[0].search_field for e in listed]

        assert names(from_timestamp=second) == ["second", "third"]
        assert names(to_timestamp=second) == ["first", "second"]
        assert names(from_timestamp=second, to_timestamp=second) == ["second"]
        # Filtered on as made, not as shown (12:01:00): a tenth of a second later misses it.
        assert names(from_timestamp=second + timedelta(seconds=0.1)) == ["third"]
        # A time without a zone is UTC, as the vendor's Go client sends it.
        assert names(from_timestamp="2026-11-23T12:01:30") == ["third"]
        stamps = [e.timestamp for e in sdk.cloud.audit_logs.list(order_by="asc")]

    assert stamps == [WALL_START + timedelta(seconds=s) for s in (0, 60, 121)]


def test_the_sdk_pages_through_the_audit_log(gcore_sdk, gcore_server):
    for i in range(5):
        gcore_sdk.cloud.secrets.upload_tls_certificate_and_poll(name=f"cert-{i}", payload=PEM)

    first_page = gcore_sdk.cloud.audit_logs.list(limit=2, order_by="asc")
    walked = [e.resources[0].search_field for e in first_page]
    second_page = gcore_sdk.cloud.audit_logs.list(limit=2, offset=2, order_by="asc")

    assert (first_page.count, len(first_page.results)) == (5, 2)
    assert walked == [f"cert-{i}" for i in range(5)]
    assert [e.resources[0].search_field for e in second_page.results] == ["cert-2", "cert-3"]
    assert gcore_server.app.calls("list_user_actions") == 3 + 1


def test_a_key_sees_only_its_projects_audit_log(gcore_sdk_factory, gcore_server):
    prod = gcore_sdk_factory()
    staging = gcore_sdk_factory(api_key=STAGING_KEY, cloud_project_id=OTHER_PROJECT_ID)
    prod.cloud.secrets.upload_tls_certificate_and_poll(name="prod", payload=PEM)
    staging.cloud.secrets.upload_tls_certificate_and_poll(name="staging", payload=PEM)

    theirs = list(staging.cloud.audit_logs.list(project_id=[PROJECT_ID, OTHER_PROJECT_ID]))

    assert [e.resources[0].search_field for e in theirs] == ["staging"]
    assert (theirs[0].user_id, theirs[0].token_id) == (1002, 1002)
    assert prod.cloud.audit_logs.list().count == 2


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        ({"from_timestamp": "yesterday"}, "from_timestamp"),
        ({"order_by": "sideways"}, "order_by"),
        ({"region_id": ["76a"]}, "region_id"),
        ({"limit": 0}, "limit"),
    ],
)
def test_a_bad_audit_log_filter_is_a_bad_request(gcore_sdk, filters, field):
    with pytest.raises(gcore.BadRequestError) as raised:
        gcore_sdk.cloud.audit_logs.list(**filters)

    assert field in raised.value.body["invalid_fields"]


def test_a_reset_empties_the_audit_log(gcore_sdk, gcore_server):
    gcore_sdk.cloud.secrets.upload_tls_certificate_and_poll(name="c", payload=PEM)

    gcore_server.app.reset()

    assert gcore_sdk.cloud.audit_logs.list().count == 0
