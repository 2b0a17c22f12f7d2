"""The Gcore Cloud client against the emulator, with the official SDK as the judge of what the
API answers: paged listing, reads, the writes and their tasks, and every failure typed."""

import base64
import logging
import threading
from datetime import datetime, timedelta
from urllib.parse import parse_qs

import httpx
import pytest
from gcore import Gcore

from emulators.faults import Fault
from emulators.server import EmulatorServer
from emulators.transport import EmulatorTransport
from secretsadmin.config import Secret
from secretsadmin.providers import deadlines
from secretsadmin.providers.gcore import (
    BadRequest,
    GcoreClient,
    MalformedResponse,
    NotFound,
    RateLimited,
    ServerError,
    Unauthorized,
    Unavailable,
)
from secretsadmin.providers.gcore.config import GcoreAccount
from tests.fixtures.gcore import (
    API_HOST,
    GCORE_KEY,
    OTHER_PROJECT_ID,
    OTHER_REGION_ID,
    PROJECT_ID,
    REGION_ID,
    STAGING_KEY,
    TASK_QUEUE_SECONDS,
    TASK_RUN_SECONDS,
)
from tests.providers.conftest import TIMEOUTS


@pytest.fixture
def api(new_gcore):
    return new_gcore()


def sdk(gcore_app) -> Gcore:
    http = httpx.Client(transport=EmulatorTransport(gcore_app))
    return Gcore(api_key=GCORE_KEY, base_url=API_HOST, http_client=http, max_retries=0)


def seed(gcore_app, count, region_id=REGION_ID):
    return [
        gcore_app.add_secret(PROJECT_ID, region_id, f"secret-{i:04d}", "opaque", b"x")
        for i in range(count)
    ]


def test_listing_reads_every_page_and_matches_what_the_sdk_lists(api, gcore_app):
    seed(gcore_app, 450)

    listed = api.list_secrets(REGION_ID, page_size=200)

    theirs = sdk(gcore_app).cloud.secrets.list(
        project_id=PROJECT_ID, region_id=REGION_ID, limit=200
    )
    assert [s.id for s in listed] == [s.id for s in theirs]
    assert len(listed) == 450
    assert gcore_app.calls("list_secrets") == 3 + 3  # ours, then the SDK's


def test_a_listing_of_one_page_asks_once(api, gcore_app):
    seed(gcore_app, 3)
    assert [s.name for s in api.list_secrets(REGION_ID)] == [f"secret-{i:04d}" for i in range(3)]
    assert gcore_app.calls("list_secrets") == 1


class LaterPagesMeet:
    """Holds each request for a page after the first until `together` of them have arrived:
    pages asked for one after another never get past it, and their listing fails."""

    def __init__(self, app, together: int) -> None:
        self.app = app
        self._barrier = threading.Barrier(together, timeout=5)
        self._lock = threading.Lock()
        self.met = 0

    def __call__(self, environ, start_response):
        offset = parse_qs(environ.get("QUERY_STRING", "")).get("offset", ["0"])[0]
        if environ["PATH_INFO"].startswith("/cloud/v1/secrets/") and offset != "0":
            self._barrier.wait()
            with self._lock:
                self.met += 1
        return self.app(environ, start_response)


def test_the_pages_after_the_first_are_asked_for_at_once(gcore_app):
    seed(gcore_app, 1000)
    gate = LaterPagesMeet(gcore_app, together=4)

    with EmulatorServer(gate) as server:
        account = GcoreAccount("prod", server.url, Secret(GCORE_KEY), PROJECT_ID)
        client = GcoreClient(account, TIMEOUTS)
        try:
            listed = client.list_secrets(REGION_ID, page_size=200)
        finally:
            client.close()

    assert [s.name for s in listed] == [f"secret-{i:04d}" for i in range(1000)]
    assert gate.met == 4
    assert gcore_app.calls("list_secrets") == 5


class SlowAfterTheFirst(EmulatorTransport):
    """Answers the first request at once, every later one `delay` seconds late."""

    def __init__(self, app, delay: float) -> None:
        super().__init__(app)
        self._delay, self._first = delay, True

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if not self._first:
            self.emulator.faults.add(Fault("*", delay=self._delay))
        self._first = False
        return super().handle_request(request)


def test_the_pages_after_the_first_wait_no_longer_than_the_pages_deadline(new_gcore, gcore_app):
    seed(gcore_app, 450)
    client = new_gcore(transport=SlowAfterTheFirst(gcore_app, delay=5.0))

    with deadlines.within(2.0), pytest.raises(Unavailable) as caught:
        client.list_secrets(REGION_ID, page_size=200)

    # Without the page's deadline each later page would have had its own 15 s, and come.
    waited = float(caught.value.message.removeprefix("no answer within ").removesuffix(" s"))
    assert waited <= 2.0


def test_a_secret_is_read_with_all_its_metadata_and_where_it_lives(api, gcore_app, gcore_clock):
    added = gcore_app.add_secret(
        PROJECT_ID,
        REGION_ID,
        "backup-key",
        "symmetric",
        b"k" * 32,
        expiration=gcore_app.wall_now() + timedelta(days=30),
        algorithm="aes",
        bit_length=256,
        mode="cbc",
    )

    secret = api.get_secret(REGION_ID, added.id)
    theirs = sdk(gcore_app).cloud.secrets.get(added.id, project_id=PROJECT_ID, region_id=REGION_ID)

    assert (secret.name, secret.secret_type, secret.status) == ("backup-key", "symmetric", "ACTIVE")
    assert (secret.algorithm, secret.bit_length, secret.mode) == ("aes", 256, "cbc")
    assert secret.created == theirs.created and secret.expiration == theirs.expiration
    assert secret.expiration.tzinfo is not None
    assert dict(secret.content_types) == theirs.content_types
    assert secret.region_id == REGION_ID


def test_a_create_sends_the_payload_base64_encoded_and_its_task_makes_the_secret(
    api, gcore_app, gcore_clock
):
    submitted = api.create_secret(
        REGION_ID, name="grafana-admin", secret_type="passphrase", payload="pä55 word".encode()
    )
    task = api.get_task(submitted.task_id)
    assert (task.state, task.task_type, task.done) == ("NEW", "create_secret", False)

    gcore_clock.advance(TASK_QUEUE_SECONDS + TASK_RUN_SECONDS)
    task = api.get_task(submitted.task_id)

    assert (task.state, task.error) == ("FINISHED", None)
    [made] = task.created_secrets
    [stored] = gcore_app.secrets(PROJECT_ID, REGION_ID)
    assert (stored.id, stored.name, stored.payload) == (made, "grafana-admin", "pä55 word".encode())
    assert task.finished_on is not None and task.finished_on >= task.created_on


def test_a_tls_certificate_is_created_through_the_v2_endpoint(api, gcore_app, gcore_clock):
    pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    key = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n"
    expiration = gcore_app.wall_now() + timedelta(days=90)

    submitted = api.create_tls_certificate(
        REGION_ID,
        name="www-example-com",
        certificate=pem,
        certificate_chain=pem,
        private_key=key,
        expiration=expiration,
    )
    gcore_clock.advance(TASK_QUEUE_SECONDS + TASK_RUN_SECONDS)

    assert api.get_task(submitted.task_id).state == "FINISHED"
    [stored] = api.list_secrets(REGION_ID)
    assert (stored.secret_type, stored.expiration) == (
        "certificate",
        expiration.replace(microsecond=0),
    )
    assert [r.path for r in gcore_app.requests if r.operation == "create_tls_secret"] == [
        f"/cloud/v2/secrets/{PROJECT_ID}/{REGION_ID}"
    ]


def test_a_delete_is_carried_out_by_its_task(api, gcore_app, gcore_clock):
    [added] = seed(gcore_app, 1)

    submitted = api.delete_secret(REGION_ID, added.id)
    assert [s.id for s in api.list_secrets(REGION_ID)] == [added.id]  # until the task is done
    gcore_clock.advance(TASK_QUEUE_SECONDS + TASK_RUN_SECONDS)

    task = api.get_task(submitted.task_id)
    assert (task.state, task.task_type) == ("FINISHED", "delete_secret")
    assert api.list_secrets(REGION_ID) == []


def test_a_failed_task_says_why(api, gcore_app, gcore_clock):
    gcore_app.fail_next_task(message="Failed to store the secret: backend error")
    submitted = api.create_secret(REGION_ID, name="n", secret_type="opaque", payload=b"x")
    gcore_clock.advance(TASK_QUEUE_SECONDS + TASK_RUN_SECONDS)

    task = api.get_task(submitted.task_id)
    assert (task.state, task.error, task.done) == (
        "ERROR",
        "Failed to store the secret: backend error",
        True,
    )
    assert api.list_secrets(REGION_ID) == []


def test_without_a_configured_project_the_keys_default_project_is_used(new_gcore, gcore_app):
    gcore_app.add_secret(OTHER_PROJECT_ID, OTHER_REGION_ID, "staging-only", "opaque", b"x")
    staging = new_gcore(token=STAGING_KEY, project_id=None)

    assert staging.project_id() == OTHER_PROJECT_ID  # the only project that key may use
    assert [s.name for s in staging.list_secrets(OTHER_REGION_ID)] == ["staging-only"]
    staging.list_secrets(OTHER_REGION_ID)
    assert gcore_app.calls("list_projects") == 1


def test_regions_and_projects_are_read_in_full(api, gcore_app):
    assert [r.id for r in api.regions()] == sorted(gcore_app.regions)
    assert [(p.id, p.is_default) for p in api.projects()] == [(1, True), (2, False)]


# -- failures ---------------------------------------------------------------------------------


def test_an_error_carries_gcores_class_message_and_request_id(api, gcore_app):
    with pytest.raises(NotFound) as caught:
        api.get_secret(REGION_ID, "0b6f3c1e-5a52-4b8e-9d4c-3f2a1b0c9d8e")

    error = caught.value
    assert error.status == 404 and error.code == "NotFoundError"
    assert "could not be found" in error.message
    assert len(error.request_id) == 32
    assert error.may_have_applied is False


def test_a_refused_key_is_unauthorized_and_never_repeated_back(new_gcore, caplog):
    caplog.set_level(logging.DEBUG)
    wrong = "1001$not-the-key"
    with pytest.raises(Unauthorized) as caught:
        new_gcore(token=wrong).list_secrets(REGION_ID)
    assert caught.value.status == 401
    assert "not-the-key" not in str(caught.value) + caplog.text
    assert GCORE_KEY not in caplog.text


def test_a_project_the_key_may_not_use_is_unauthorized(new_gcore):
    with pytest.raises(Unauthorized) as caught:
        new_gcore(token=STAGING_KEY, project_id=PROJECT_ID).list_secrets(REGION_ID)
    assert caught.value.status == 403


def test_a_refused_create_is_a_bad_request_naming_the_field(api):
    with pytest.raises(BadRequest) as caught:
        api.create_secret(REGION_ID, name=" ", secret_type="opaque", payload=b"x")
    assert caught.value.status == 400 and "name" in caught.value.message


@pytest.mark.parametrize("operation", ["create_secret", "delete_secret"])
@pytest.mark.parametrize(
    "fault",
    [
        {"status": 500},
        {"drop": True},
        {"delay": 20.0},
    ],
    ids=["5xx", "dropped", "timeout"],
)
def test_a_write_that_may_have_been_made_is_never_repeated(api, gcore_app, operation, fault):
    [added] = seed(gcore_app, 1)
    gcore_app.faults.add(Fault(operation, after_effect=True, **fault))

    with pytest.raises((ServerError, Unavailable)) as caught:
        if operation == "create_secret":
            api.create_secret(REGION_ID, name="n", secret_type="opaque", payload=b"x")
        else:
            api.delete_secret(REGION_ID, added.id)

    assert caught.value.may_have_applied is True
    assert gcore_app.calls(operation) == 1


def test_a_write_refused_for_too_many_requests_is_repeated_after_the_wait(api, gcore_app):
    gcore_app.faults.add(Fault("create_secret", status=429, retry_after=1))

    submitted = api.create_secret(REGION_ID, name="n", secret_type="opaque", payload=b"x")

    assert submitted.status == 200 and gcore_app.calls("create_secret") == 2


def test_rate_limits_that_last_are_given_up_with_the_wait_asked(api, gcore_app):
    gcore_app.faults.add(Fault("list_secrets", times=5, status=429, retry_after=2))
    with pytest.raises(RateLimited) as caught:
        api.list_secrets(REGION_ID)
    assert caught.value.retry_after == 2


def test_a_read_meeting_a_gateway_error_is_repeated(api, gcore_app):
    seed(gcore_app, 1)
    gcore_app.faults.add(Fault("list_secrets", status=503))
    assert len(api.list_secrets(REGION_ID)) == 1
    assert gcore_app.calls("list_secrets") == 2


def test_an_unreadable_answer_is_malformed(api, gcore_app):
    gcore_app.faults.add(Fault("get_task", malformed=True))
    with pytest.raises(MalformedResponse):
        api.get_task("0b6f3c1e-5a52-4b8e-9d4c-3f2a1b0c9d8e")


def test_an_unreachable_api_could_not_be_reached(new_gcore):
    def refuse(request):
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(Unavailable) as caught:
        new_gcore(transport=httpx.MockTransport(refuse)).list_secrets(REGION_ID)
    assert caught.value.reached is False and caught.value.may_have_applied is False


@pytest.mark.parametrize(
    "secret_id", ["", "..", "x/../..", "a\n", "0b6f3c1e-5a52-4b8e-9d4c-3f2a1b0c9d8e/"]
)
def test_an_id_that_is_not_a_gcore_id_is_refused_before_anything_is_sent(api, gcore_app, secret_id):
    with pytest.raises(ValueError, match="not an id"):
        api.delete_secret(REGION_ID, secret_id or "not-a-uuid")
    assert gcore_app.calls("delete_secret") == 0


def test_the_payload_is_never_in_a_log_line(api, gcore_app, caplog):
    caplog.set_level(logging.DEBUG)
    value = b"top-secret-payload-value"
    gcore_app.faults.add(Fault("create_secret", status=500))
    with pytest.raises(ServerError):
        api.create_secret(REGION_ID, name="n", secret_type="opaque", payload=value)
    assert caplog.records
    assert value.decode() not in caplog.text
    assert base64.b64encode(value).decode() not in caplog.text


# -- who changed what: the user-action log ------------------------------------------------------


def test_user_actions_name_who_changed_what_oldest_first(api, gcore_app, gcore_clock):
    since = gcore_app.wall_now()
    created = api.create_secret(REGION_ID, name="n", secret_type="opaque", payload=b"x")
    gcore_clock.advance(TASK_QUEUE_SECONDS + TASK_RUN_SECONDS)
    (secret_id,) = api.get_task(created.task_id).created_secrets
    deleted = api.delete_secret(REGION_ID, secret_id)

    actions = api.user_actions(since=since)

    assert [(a.action_type, a.api_group, a.task_id) for a in actions] == [
        ("create", "secret", created.task_id),
        ("delete", "secret", deleted.task_id),
    ]
    for action in actions:
        assert action.resource_ids == (secret_id,)
        assert (action.user_id, action.email, action.token_id) == (
            1001,
            "user1001@example.com",
            1001,
        )
        assert (action.source_ip, action.user_agent) == ("127.0.0.1", "secretsadmin")
        assert action.region_id == REGION_ID
    assert actions[1].timestamp - actions[0].timestamp == timedelta(seconds=3)
    theirs = sdk(gcore_app).cloud.audit_logs.list(project_id=[PROJECT_ID], order_by="asc")
    assert [a.id for a in actions] == [e.id for e in theirs]


def test_user_actions_start_at_the_time_asked(api, gcore_app, gcore_clock):
    api.create_secret(REGION_ID, name="before", secret_type="opaque", payload=b"x")
    gcore_clock.advance(0.4)  # the same second, as the API shows it
    since = gcore_app.wall_now()
    later = api.create_secret(REGION_ID, name="after", secret_type="opaque", payload=b"x")

    assert [a.task_id for a in api.user_actions(since=since)] == [later.task_id]
    assert api.user_actions(since=since + timedelta(seconds=1)) == []


def test_user_actions_are_read_page_by_page(api, gcore_app):
    made = [
        api.create_secret(REGION_ID, name=f"n{i}", secret_type="opaque", payload=b"x").task_id
        for i in range(5)
    ]

    actions = api.user_actions(since=gcore_app.wall_now() - timedelta(hours=1), page_size=2)

    assert [a.task_id for a in actions] == made
    assert gcore_app.calls("list_user_actions") == 3


def test_user_actions_of_some_resources_and_one_region_only(api, gcore_app):
    one, two, elsewhere = seed(gcore_app, 2) + seed(gcore_app, 1, region_id=OTHER_REGION_ID)
    for secret in (one, two):
        api.delete_secret(REGION_ID, secret.id)
    api.delete_secret(OTHER_REGION_ID, elsewhere.id)
    since = gcore_app.wall_now() - timedelta(minutes=1)

    def changed(**filters) -> list[tuple[str, ...]]:
        return [a.resource_ids for a in api.user_actions(since=since, **filters)]

    assert changed(resource_ids=[one.id, elsewhere.id]) == [(one.id,), (elsewhere.id,)]
    assert changed(region_id=OTHER_REGION_ID) == [(elsewhere.id,)]
    assert changed(resource_ids=[one.id], region_id=OTHER_REGION_ID) == []


def test_user_actions_are_those_of_the_accounts_project_only(new_gcore, gcore_app):
    since = gcore_app.wall_now()
    prod, staging = new_gcore(), new_gcore(project_id=OTHER_PROJECT_ID)  # one key, two projects
    prod.create_secret(REGION_ID, name="prod", secret_type="opaque", payload=b"x")
    made = staging.create_secret(REGION_ID, name="staging", secret_type="opaque", payload=b"x")

    assert [a.task_id for a in staging.user_actions(since=since)] == [made.task_id]


def test_user_actions_need_a_time_zone_and_a_list_of_ids(api, gcore_app):
    with pytest.raises(ValueError, match="time zone"):
        api.user_actions(since=datetime(2026, 11, 23, 12, 0))
    with pytest.raises(ValueError, match="list of ids"):
        api.user_actions(since=gcore_app.wall_now(), resource_ids=seed(gcore_app, 1)[0].id)
    assert gcore_app.calls("list_user_actions") == 0


def test_user_actions_fail_as_every_read_does(api, gcore_app):
    since = gcore_app.wall_now()
    gcore_app.faults.add(Fault("list_user_actions", times=5, status=500))
    with pytest.raises(ServerError) as caught:
        api.user_actions(since=since)
    assert caught.value.may_have_applied is False

    gcore_app.faults.clear()
    gcore_app.faults.add(Fault("list_user_actions", malformed=True))
    with pytest.raises(MalformedResponse):
        api.user_actions(since=since)
