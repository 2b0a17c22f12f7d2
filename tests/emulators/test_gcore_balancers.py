"""Load balancers, listeners and pools: the official SDK's calls against the emulator, and the
listener and pool updates as tasks that change them only when they finish."""

import gcore
import httpx
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


def test_the_sdk_gets_a_pool_and_not_an_unknown_one(gcore_sdk, web):
    pool = gcore_sdk.cloud.load_balancers.pools.get(web["pool"].id)
    assert (pool.ca_secret_id, pool.provisioning_status) == (web["pool"].ca_secret_id, "ACTIVE")

    with pytest.raises(gcore.NotFoundError):
        gcore_sdk.cloud.load_balancers.pools.get("0b1c0a5e-0000-4000-8000-000000000000")


def test_a_pool_update_through_the_sdk_is_a_task_that_changes_its_secrets(
    gcore_sdk, gcore_server, web
):
    ca, crl, client = (certificate(gcore_server.app, n) for n in ("ca-2027", "crl", "client"))

    answer = gcore_sdk.cloud.load_balancers.pools.update(
        web["pool"].id, ca_secret_id=ca.id, crl_secret_id=crl.id, secret_id=client.id
    )
    task = gcore_sdk.cloud.tasks.poll(answer.tasks[0])

    assert (task.state, task.task_type) == ("FINISHED", "update_lbpool")
    pool = gcore_sdk.cloud.load_balancers.pools.get(web["pool"].id)
    assert (pool.ca_secret_id, pool.crl_secret_id, pool.secret_id) == (ca.id, crl.id, client.id)


def test_the_sdks_update_and_poll_switches_a_listener_and_a_pool(gcore_sdk, gcore_server, web):
    renewed = certificate(gcore_server.app, "www-2027")
    balancers = gcore_sdk.cloud.load_balancers

    listener = balancers.listeners.update_and_poll(web["https"].id, secret_id=renewed.id)
    pool = balancers.pools.update_and_poll(web["pool"].id, ca_secret_id=renewed.id)

    assert (listener.secret_id, listener.provisioning_status) == (renewed.id, "ACTIVE")
    assert (pool.ca_secret_id, pool.provisioning_status) == (renewed.id, "ACTIVE")


def test_a_listener_switch_made_to_fail_raises_in_the_sdks_poll(gcore_sdk, gcore_server, web):
    renewed = certificate(gcore_server.app, "www-2027")
    control = httpx.post(
        f"{gcore_server.url}/_emulator/gcore/task-failures",
        json={"task_type": "update_lblistener", "message": "Listener update failed"},
    )

    with pytest.raises(ValueError, match="Listener update failed"):
        gcore_sdk.cloud.load_balancers.listeners.update_and_poll(
            web["https"].id, secret_id=renewed.id
        )

    assert control.status_code == 201
    listener = gcore_sdk.cloud.load_balancers.listeners.get(web["https"].id)
    assert (listener.secret_id, listener.provisioning_status) == (web["www"].id, "ACTIVE")


def test_a_pool_update_that_changes_nothing_starts_no_task(gcore_sdk, web):
    answer = gcore_sdk.cloud.load_balancers.pools.update(
        web["pool"].id, ca_secret_id=web["pool"].ca_secret_id
    )

    assert answer.tasks == []


def test_a_pool_changes_only_when_its_update_finishes(gcore_app, gcore_client, gcore_clock):
    old, new = certificate(gcore_app, "old-ca"), certificate(gcore_app, "new-ca")
    balancer = gcore_app.add_load_balancer(PROJECT_ID, REGION_ID, "lb")
    listener = gcore_app.add_listener(balancer, "https", "TERMINATED_HTTPS", 443, secret_id=old.id)
    pool = gcore_app.add_pool(listener, "backends", "HTTPS", ca_secret_id=old.id)
    path = f"/cloud/v2/lbpools/{PROJECT_ID}/{REGION_ID}/{pool.id}"
    get_path = f"/cloud/v1/lbpools/{PROJECT_ID}/{REGION_ID}/{pool.id}"

    (task_id,) = gcore_client.patch(path, json={"ca_secret_id": new.id}).json()["tasks"]
    pending = gcore_client.get(get_path).json()
    again = gcore_client.patch(path, json={"name": "busy"})
    gcore_clock.advance(3)
    done = gcore_client.get(get_path).json()

    assert (pending["ca_secret_id"], pending["provisioning_status"]) == (old.id, "PENDING_UPDATE")
    assert pending["task_id"] == task_id
    assert again.status_code == 409
    assert (done["ca_secret_id"], done["provisioning_status"], done["task_id"]) == (
        new.id,
        "ACTIVE",
        None,
    )


@pytest.mark.parametrize("task_type", ["update_lblistener", "update_lbpool"])
def test_the_next_update_of_a_kind_can_be_made_to_fail(
    gcore_app, gcore_client, gcore_clock, task_type
):
    old, new = certificate(gcore_app, "old"), certificate(gcore_app, "new")
    balancer = gcore_app.add_load_balancer(PROJECT_ID, REGION_ID, "lb")
    listener = gcore_app.add_listener(balancer, "https", "TERMINATED_HTTPS", 443, secret_id=old.id)
    pool = gcore_app.add_pool(listener, "backends", "HTTPS", ca_secret_id=old.id)
    control = gcore_client.post(
        "/_emulator/gcore/task-failures",
        json={"task_type": task_type, "message": "Octavia refused the change"},
    )
    scope = f"{PROJECT_ID}/{REGION_ID}"
    updates = {
        "update_lblistener": (f"/cloud/v2/lblisteners/{scope}/{listener.id}", "secret_id"),
        "update_lbpool": (f"/cloud/v2/lbpools/{scope}/{pool.id}", "ca_secret_id"),
    }
    tasks = {}
    for kind, (path, name) in updates.items():
        (tasks[kind],) = gcore_client.patch(path, json={name: new.id}).json()["tasks"]
        gcore_clock.advance(3)  # one update at a time: each holds the load balancer

    assert control.status_code == 201
    failed = gcore_client.get(f"/cloud/v1/tasks/{tasks.pop(task_type)}").json()
    assert (failed["state"], failed["error"]) == ("ERROR", "Octavia refused the change")
    (other,) = tasks.values()
    assert gcore_client.get(f"/cloud/v1/tasks/{other}").json()["state"] == "FINISHED"
    after_listener, after_pool = gcore_app.listener(listener.id), gcore_app.pool(pool.id)
    now = {"update_lblistener": after_listener.secret_id, "update_lbpool": after_pool.ca_secret_id}
    assert now == {task_type: old.id, next(iter(tasks)): new.id}
    assert (after_listener.task_id, after_pool.task_id) == (None, None)


def test_a_failure_for_an_unknown_task_type_is_refused(gcore_client):
    answer = gcore_client.post("/_emulator/gcore/task-failures", json={"task_type": "reboot"})

    assert answer.status_code == 400


@pytest.fixture
def tls(gcore_app):
    """A TLS listener, a plain one and a pool, with a certificate and a passphrase to hand."""
    cert, other = certificate(gcore_app, "cert"), certificate(gcore_app, "other")
    word = gcore_app.add_secret(PROJECT_ID, REGION_ID, "word", "passphrase", b"x")
    elsewhere = gcore_app.add_secret(PROJECT_ID, 38, "far", "certificate", b"pem")
    balancer = gcore_app.add_load_balancer(PROJECT_ID, REGION_ID, "lb")
    https = gcore_app.add_listener(balancer, "https", "TERMINATED_HTTPS", 443, secret_id=cert.id)
    plain = gcore_app.add_listener(balancer, "tcp", "TCP", 5432)
    pool = gcore_app.add_pool(https, "backends", "HTTPS")
    scope = f"{PROJECT_ID}/{REGION_ID}"
    return {
        "cert": cert.id,
        "other": other.id,
        "word": word.id,
        "elsewhere": elsewhere.id,
        "https": f"/cloud/v2/lblisteners/{scope}/{https.id}",
        "tcp": f"/cloud/v2/lblisteners/{scope}/{plain.id}",
        "pool": f"/cloud/v2/lbpools/{scope}/{pool.id}",
    }


@pytest.mark.parametrize(
    ("target", "body", "status", "field"),
    [
        ("https", {"secret_id": "word"}, 400, "secret_id"),  # not a certificate
        ("https", {"sni_secret_id": ["other", "word"]}, 400, "sni_secret_id"),
        ("https", {"secret_id": None}, 400, "secret_id"),  # HTTPS keeps a default certificate
        ("https", {"secret_id": "elsewhere"}, 404, None),  # another region's
        ("tcp", {"secret_id": "cert"}, 400, "secret_id"),  # a TCP listener takes none
        ("tcp", {"sni_secret_id": ["cert"]}, 400, "sni_secret_id"),
        ("pool", {"secret_id": "word"}, 400, "secret_id"),  # a client certificate
        ("pool", {"crl_secret_id": "other"}, 400, "crl_secret_id"),  # a CRL needs a CA
        ("pool", {"ca_secret_id": "elsewhere"}, 404, None),
        ("pool", {"ca_secret_id": 7}, 400, "ca_secret_id"),
        ("pool", {"listener_id": "cert"}, 400, "listener_id"),  # not a field an update takes
    ],
)
def test_secrets_that_cannot_serve_are_refused_and_queue_nothing(
    gcore_app, gcore_client, tls, target, body, status, field
):
    named = {k: tls.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    if "sni_secret_id" in named:
        named["sni_secret_id"] = [tls[i] for i in body["sni_secret_id"]]

    answer = gcore_client.patch(tls[target], json=named)

    assert answer.status_code == status
    if field:
        assert field in answer.json()["invalid_fields"]
    assert gcore_app.store.tasks() == []


def test_a_tls_listener_takes_sni_certificates_and_a_pool_a_ca_with_its_crl(
    gcore_client, gcore_clock, tls
):
    listener = gcore_client.patch(tls["https"], json={"sni_secret_id": [tls["other"]]})
    gcore_clock.advance(3)  # the listener's update holds the load balancer until it ends
    pool = gcore_client.patch(
        tls["pool"], json={"ca_secret_id": tls["cert"], "crl_secret_id": tls["other"]}
    )

    assert (listener.status_code, pool.status_code) == (200, 200)


def test_an_update_locks_the_whole_load_balancer_as_octavia_does(
    gcore_app, gcore_client, gcore_clock
):
    old, new = certificate(gcore_app, "old"), certificate(gcore_app, "new")
    balancer = gcore_app.add_load_balancer(PROJECT_ID, REGION_ID, "lb")
    https = gcore_app.add_listener(balancer, "https", "TERMINATED_HTTPS", 443, secret_id=old.id)
    api = gcore_app.add_listener(balancer, "api", "TERMINATED_HTTPS", 8443, secret_id=old.id)
    pool = gcore_app.add_pool(https, "backends", "HTTPS", ca_secret_id=old.id)
    elsewhere = gcore_app.add_load_balancer(PROJECT_ID, REGION_ID, "other-lb")
    other = gcore_app.add_listener(elsewhere, "https", "TERMINATED_HTTPS", 443, secret_id=old.id)
    listeners = f"/cloud/v2/lblisteners/{PROJECT_ID}/{REGION_ID}"
    lb_path = f"/cloud/v1/loadbalancers/{PROJECT_ID}/{REGION_ID}/{balancer.id}"

    (task_id,) = gcore_client.patch(f"{listeners}/{https.id}", json={"secret_id": new.id}).json()[
        "tasks"
    ]
    pending = gcore_client.get(lb_path).json()
    sibling = gcore_client.patch(f"{listeners}/{api.id}", json={"secret_id": new.id})
    its_pool = gcore_client.patch(
        f"/cloud/v2/lbpools/{PROJECT_ID}/{REGION_ID}/{pool.id}", json={"ca_secret_id": new.id}
    )
    another_balancer = gcore_client.patch(f"{listeners}/{other.id}", json={"secret_id": new.id})
    gcore_clock.advance(3)
    done = gcore_client.get(lb_path).json()
    after = gcore_client.patch(f"{listeners}/{api.id}", json={"secret_id": new.id})

    assert (pending["provisioning_status"], pending["task_id"]) == ("PENDING_UPDATE", task_id)
    assert sibling.status_code == its_pool.status_code == 409
    assert f"Load Balancer {balancer.id} is immutable" in sibling.text
    assert another_balancer.status_code == 200
    assert (done["provisioning_status"], done["task_id"]) == ("ACTIVE", None)
    assert after.status_code == 200


def test_the_sdk_gets_a_load_balancer(gcore_sdk, web):
    found = gcore_sdk.cloud.load_balancers.get(web["balancer"].id)

    assert (found.name, found.provisioning_status) == ("web-lb", "ACTIVE")
