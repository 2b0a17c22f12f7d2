"""The Gcore Cloud client reads what uses the secrets: a region's load balancers, listeners and
pools, against the emulator."""

import pytest

from emulators.faults import Fault
from emulators.transport import EmulatorTransport
from secretsadmin.config import Secret
from secretsadmin.providers.config import Timeouts
from secretsadmin.providers.gcore import (
    GcoreClient,
    Listener,
    LoadBalancer,
    MalformedResponse,
    NotFound,
    Pool,
    Unauthorized,
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
)


@pytest.fixture
def make_client(gcore_app, gcore_clock):
    made = []

    def make(token=GCORE_KEY, project_id=PROJECT_ID):
        account = GcoreAccount("prod", API_HOST, Secret(token), project_id)
        client = GcoreClient(
            account,
            Timeouts(connect=5.0, read=15.0),
            transport=EmulatorTransport(gcore_app),
            sleep=gcore_clock.advance,
        )
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


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


def test_load_balancers_are_read_with_their_names(make_client, web):
    assert make_client().list_load_balancers(REGION_ID) == [
        LoadBalancer(id=web["balancer"].id, name="web-lb")
    ]


def test_listeners_are_read_with_the_secrets_they_use(make_client, web):
    listeners = make_client().list_listeners(REGION_ID)

    assert listeners == [
        Listener(
            id=web["https"].id,
            name="https",
            protocol="TERMINATED_HTTPS",
            protocol_port=443,
            load_balancer_id=web["balancer"].id,
            secret_id=web["https"].secret_id,
            sni_secret_ids=tuple(web["https"].sni_secret_id),
        ),
        Listener(
            id=web["http"].id,
            name="http",
            protocol="HTTP",
            protocol_port=80,
            load_balancer_id=web["balancer"].id,
            secret_id=None,
            sni_secret_ids=(),
        ),
    ]


def test_pools_are_read_with_their_three_secrets(make_client, web):
    pool = web["pool"]

    assert make_client().list_pools(REGION_ID) == [
        Pool(
            id=pool.id,
            name="backends",
            protocol="HTTPS",
            secret_id=pool.secret_id,
            ca_secret_id=pool.ca_secret_id,
            crl_secret_id=pool.crl_secret_id,
            listener_ids=(web["https"].id,),
            load_balancer_ids=(web["balancer"].id,),
        )
    ]


def test_two_hundred_listeners_are_one_call(make_client, gcore_app):
    balancer = gcore_app.add_load_balancer(PROJECT_ID, REGION_ID, "big-lb")
    for port in range(1000, 1200):
        gcore_app.add_listener(balancer, f"l{port}", "TCP", port)

    listeners = make_client().list_listeners(REGION_ID)

    assert [item.protocol_port for item in listeners] == list(range(1000, 1200))
    assert gcore_app.calls("list_listeners") == 1


def test_each_region_is_its_own(make_client, gcore_app, web):
    assert make_client().list_listeners(OTHER_REGION_ID) == []


def test_a_project_the_key_may_not_use_is_refused(make_client, web):
    with pytest.raises(Unauthorized):
        make_client(token=STAGING_KEY, project_id=PROJECT_ID).list_pools(REGION_ID)
    assert make_client(token=STAGING_KEY, project_id=OTHER_PROJECT_ID).list_pools(REGION_ID) == []


def test_an_unknown_region_is_not_found(make_client):
    with pytest.raises(NotFound):
        make_client().list_load_balancers(9999)


def test_an_answer_that_is_not_json_is_malformed(make_client, gcore_app, web):
    gcore_app.faults.add(Fault("list_listeners", malformed=True))
    with pytest.raises(MalformedResponse):
        make_client().list_listeners(REGION_ID)
