"""The Gcore Cloud client reads what uses the secrets: a region's load balancers, listeners and
pools, against the emulator."""

import pytest

from emulators.faults import Fault
from secretsadmin.providers.gcore import (
    Listener,
    LoadBalancer,
    MalformedResponse,
    NotFound,
    Pool,
    Unauthorized,
)
from tests.fixtures.gcore import (
    OTHER_PROJECT_ID,
    OTHER_REGION_ID,
    PROJECT_ID,
    REGION_ID,
    STAGING_KEY,
)


@pytest.fixture
def web(gcore_app):
    www, api, ca, crl, client_cert = (
        gcore_app.add_secret(PROJECT_ID, REGION_ID, name, "certificate", b"pem")
        for name in ("www", "api", "ca", "crl", "client")
    )
    balancer = gcore_app.add_load_balancer(PROJECT_ID, REGION_ID, "web-lb")
    https = gcore_app.add_listener(
        balancer, "https", "TERMINATED_HTTPS", 443, secret_id=www.id, sni_secret_ids=[api.id]
    )
    plain = gcore_app.add_listener(balancer, "http", "HTTP", 80)
    pool = gcore_app.add_pool(
        https,
        "backends",
        "HTTPS",
        secret_id=client_cert.id,
        ca_secret_id=ca.id,
        crl_secret_id=crl.id,
    )
    return {"balancer": balancer, "https": https, "http": plain, "pool": pool}


def test_load_balancers_are_read_with_their_names(new_gcore, web):
    assert new_gcore().list_load_balancers(REGION_ID) == [
        LoadBalancer(id=web["balancer"].id, name="web-lb", provisioning_status="ACTIVE")
    ]


def test_listeners_are_read_with_the_secrets_they_use(new_gcore, web):
    listeners = new_gcore().list_listeners(REGION_ID)

    assert listeners == [
        Listener(
            id=web["https"].id,
            name="https",
            protocol="TERMINATED_HTTPS",
            protocol_port=443,
            load_balancer_id=web["balancer"].id,
            secret_id=web["https"].secret_id,
            sni_secret_ids=tuple(web["https"].sni_secret_id),
            provisioning_status="ACTIVE",
        ),
        Listener(
            id=web["http"].id,
            name="http",
            protocol="HTTP",
            protocol_port=80,
            load_balancer_id=web["balancer"].id,
            secret_id=None,
            sni_secret_ids=(),
            provisioning_status="ACTIVE",
        ),
    ]


def test_pools_are_read_with_their_three_secrets(new_gcore, web):
    pool = web["pool"]

    assert new_gcore().list_pools(REGION_ID) == [
        Pool(
            id=pool.id,
            name="backends",
            protocol="HTTPS",
            secret_id=pool.secret_id,
            ca_secret_id=pool.ca_secret_id,
            crl_secret_id=pool.crl_secret_id,
            listener_ids=(web["https"].id,),
            load_balancer_ids=(web["balancer"].id,),
            provisioning_status="ACTIVE",
        )
    ]


def test_two_hundred_listeners_are_one_call(new_gcore, gcore_app):
    balancer = gcore_app.add_load_balancer(PROJECT_ID, REGION_ID, "big-lb")
    for port in range(1000, 1200):
        gcore_app.add_listener(balancer, f"l{port}", "TCP", port)

    listeners = new_gcore().list_listeners(REGION_ID)

    assert [item.protocol_port for item in listeners] == list(range(1000, 1200))
    assert gcore_app.calls("list_listeners") == 1


def test_each_region_is_its_own(new_gcore, gcore_app, web):
    assert new_gcore().list_listeners(OTHER_REGION_ID) == []


def test_a_project_the_key_may_not_use_is_refused(new_gcore, web):
    with pytest.raises(Unauthorized):
        new_gcore(token=STAGING_KEY, project_id=PROJECT_ID).list_pools(REGION_ID)
    assert new_gcore(token=STAGING_KEY, project_id=OTHER_PROJECT_ID).list_pools(REGION_ID) == []


def test_an_unknown_region_is_not_found(new_gcore):
    with pytest.raises(NotFound):
        new_gcore().list_load_balancers(9999)


def test_an_answer_that_is_not_json_is_malformed(new_gcore, gcore_app, web):
    gcore_app.faults.add(Fault("list_listeners", malformed=True))
    with pytest.raises(MalformedResponse):
        new_gcore().list_listeners(REGION_ID)
