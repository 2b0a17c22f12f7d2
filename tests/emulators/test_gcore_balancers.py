"""Load balancers, listeners and pools: the official SDK's calls against the emulator, and the
listener update as a task that changes the listener only when it finishes."""

import gcore
import pytest

from emulators.gcore import seed_demo
from tests.fixtures.gcore import OTHER_PROJECT_ID, PROJECT_ID, REGION_ID, STAGING_KEY


def certificate(app, name: str, project_id: int = PROJECT_ID):
    return app.add_secret(project_id, REGION_ID, name, "certificate", b"pem")


@pytest.fixture
def web(gcore_server):
    """A load balancer terminating TLS on 443 with one certificate by default and one by SNI, and
    a pool behind it checking its members against a CA."""
    app = gcore_server.app
    www, api, ca = (certificate(app, n) for n in ("www", "api", "internal-ca"))
    balancer = app.add_load_balancer(PROJECT_ID, REGION_ID, "web-lb")
    plain = app.add_listener(balancer, "http", "HTTP", 80)
    https = app.add_listener(
        balancer, "https", "TERMINATED_HTTPS", 443, secret_id=www.id, sni_secret_ids=[api.id]
    )
    pool = app.add_pool(https, "backends", "HTTPS", ca_secret_id=ca.id)
    return {"balancer": balancer, "http": plain, "https": https, "pool": pool, "www": www}


def test_the_sdk_lists_load_balancers_with_their_listeners(gcore_sdk, web):
    (balancer,) = gcore_sdk.cloud.load_balancers.list()

    assert balancer.name == "web-lb"
    assert balancer.region_id == REGION_ID
    assert [listener.id for listener in balancer.listeners] == [web["http"].id, web["https"].id]


def test_the_sdk_lists_listeners_with_the_secrets_they_terminate_tls_with(gcore_sdk, web):
    listeners = {item.name: item for item in gcore_sdk.cloud.load_balancers.listeners.list()}

    https = listeners["https"]
    assert (https.protocol, https.protocol_port) == ("TERMINATED_HTTPS", 443)
    assert https.secret_id == web["www"].id
    assert https.sni_secret_id == web["https"].sni_secret_id
    assert https.load_balancer_id == web["balancer"].id
    assert https.pool_count == 1
    assert listeners["http"].secret_id is None


def test_listener_pages_walk_every_listener(gcore_sdk, gcore_server):
    app = gcore_server.app
    balancer = app.add_load_balancer(PROJECT_ID, REGION_ID, "big-lb")
    for port in range(8000, 8007):
        app.add_listener(balancer, f"l{port}", "TCP", port)

    first = gcore_sdk.cloud.load_balancers.listeners.list(limit=3)

    assert first.count == 7
    assert [item.protocol_port for item in first] == list(range(8000, 8007))
    assert app.calls("list_listeners") == 3


def test_listeners_filter_by_load_balancer(gcore_sdk, gcore_server, web):
    other = gcore_server.app.add_load_balancer(PROJECT_ID, REGION_ID, "other-lb")
    gcore_server.app.add_listener(other, "tcp", "TCP", 5432)

    found = gcore_sdk.cloud.load_balancers.listeners.list(load_balancer_id=other.id)

    assert [item.name for item in found] == ["tcp"]


def test_the_sdk_gets_a_listener_and_not_an_unknown_one(gcore_sdk, web):
    listener = gcore_sdk.cloud.load_balancers.listeners.get(web["https"].id)
    assert listener.secret_id == web["www"].id

    with pytest.raises(gcore.NotFoundError):
        gcore_sdk.cloud.load_balancers.listeners.get("0b1c0a5e-0000-4000-8000-000000000000")


def test_the_sdk_lists_pools_with_their_secrets(gcore_sdk, web):
    (pool,) = gcore_sdk.cloud.load_balancers.pools.list()

    assert pool.ca_secret_id == web["pool"].ca_secret_id
    assert (pool.secret_id, pool.crl_secret_id) == (None, None)
    assert [listener.id for listener in pool.listeners] == [web["https"].id]
    assert [balancer.id for balancer in pool.loadbalancers] == [web["balancer"].id]


def test_an_update_through_the_sdk_is_a_task_that_changes_the_certificate(
    gcore_sdk, gcore_server, web
):
    renewed = certificate(gcore_server.app, "www-2027")

    answer = gcore_sdk.cloud.load_balancers.listeners.update(
        web["https"].id, secret_id=renewed.id, sni_secret_id=[]
    )
    task = gcore_sdk.cloud.tasks.poll(answer.tasks[0])

    assert task.state == "FINISHED"
    assert task.task_type == "update_lblistener"
    listener = gcore_sdk.cloud.load_balancers.listeners.get(web["https"].id)
    assert (listener.secret_id, listener.sni_secret_id) == (renewed.id, [])


def test_a_listener_changes_only_when_its_update_finishes(gcore_app, gcore_client, gcore_clock):
    old, new = certificate(gcore_app, "old"), certificate(gcore_app, "new")
    balancer = gcore_app.add_load_balancer(PROJECT_ID, REGION_ID, "lb")
    listener = gcore_app.add_listener(balancer, "https", "TERMINATED_HTTPS", 443, secret_id=old.id)
    path = f"/cloud/v2/lblisteners/{PROJECT_ID}/{REGION_ID}/{listener.id}"
    get_path = f"/cloud/v1/lblisteners/{PROJECT_ID}/{REGION_ID}/{listener.id}"

    (task_id,) = gcore_client.patch(path, json={"secret_id": new.id}).json()["tasks"]
    pending = gcore_client.get(get_path).json()
    again = gcore_client.patch(path, json={"name": "busy"})
    gcore_clock.advance(3)
    done = gcore_client.get(get_path).json()

    assert (pending["secret_id"], pending["provisioning_status"]) == (old.id, "PENDING_UPDATE")
    assert pending["task_id"] == task_id
    assert again.status_code == 409
    assert (done["secret_id"], done["provisioning_status"], done["task_id"]) == (
        new.id,
        "ACTIVE",
        None,
    )


def test_a_failed_update_leaves_the_listener_as_it_was(gcore_app, gcore_client, gcore_clock):
    old, new = certificate(gcore_app, "old"), certificate(gcore_app, "new")
    balancer = gcore_app.add_load_balancer(PROJECT_ID, REGION_ID, "lb")
    listener = gcore_app.add_listener(balancer, "https", "TERMINATED_HTTPS", 443, secret_id=old.id)
    gcore_app.fail_next_task(message="Listener update failed")

    path = f"/cloud/v2/lblisteners/{PROJECT_ID}/{REGION_ID}/{listener.id}"
    (task_id,) = gcore_client.patch(path, json={"secret_id": new.id}).json()["tasks"]
    gcore_clock.advance(3)

    assert gcore_client.get(f"/cloud/v1/tasks/{task_id}").json()["state"] == "ERROR"
    after = gcore_app.listener(listener.id)
    assert (after.secret_id, after.task_id) == (old.id, None)


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"secret_id": "5d0b3c9e-0000-4000-8000-000000000000"}, 404),  # no such secret
        ({"sni_secret_id": "not-a-list"}, 400),
        ({"protocol_port": 8443}, 400),  # not a field an update takes
        ({"name": ""}, 400),
    ],
)
def test_a_bad_update_is_refused_and_queues_nothing(gcore_app, gcore_client, body, status):
    old = certificate(gcore_app, "old")
    balancer = gcore_app.add_load_balancer(PROJECT_ID, REGION_ID, "lb")
    listener = gcore_app.add_listener(balancer, "https", "TERMINATED_HTTPS", 443, secret_id=old.id)

    path = f"/cloud/v2/lblisteners/{PROJECT_ID}/{REGION_ID}/{listener.id}"
    answer = gcore_client.patch(path, json=body)

    assert answer.status_code == status
    assert gcore_app.store.tasks() == []
    assert gcore_app.listener(listener.id).secret_id == old.id


def test_a_key_sees_only_its_projects_listeners(gcore_sdk_factory, gcore_server, web):
    staging = gcore_sdk_factory(api_key=STAGING_KEY, cloud_project_id=OTHER_PROJECT_ID)
    with pytest.raises(gcore.PermissionDeniedError):
        staging.cloud.load_balancers.listeners.list(project_id=PROJECT_ID)
    assert list(staging.cloud.load_balancers.listeners.list()) == []


def test_the_demo_terminates_tls_with_its_certificates(gcore_sdk, gcore_server):
    secrets = {s.name: s.id for s in seed_demo(gcore_server.app)}

    listeners = list(gcore_sdk.cloud.load_balancers.listeners.list())
    pools = list(gcore_sdk.cloud.load_balancers.pools.list())

    defaults = {item.secret_id for item in listeners}
    by_sni = {i for item in listeners for i in item.sni_secret_id or []}
    assert {secrets["www-example-com"], secrets["shop-example-com-2025"]} <= defaults
    assert {secrets["api-example-com"], secrets["status-example-com"]} <= by_sni
    assert [pool.ca_secret_id for pool in pools] == [secrets["api-example-com"]]
    assert secrets["grafana-admin"] not in defaults | by_sni
