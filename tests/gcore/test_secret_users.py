"""Which listeners and pools use a secret (`usage.users_of`), from reads shared per region and
interval: two hundred listeners and many pages asking cost one read of each list."""

import math
import time

import pytest
from django.conf import settings

from emulators.faults import Fault
from secretsadmin.gcore.usage import SecretUse, users_of
from secretsadmin.providers.gcore import ServerError
from tests.fixtures.gcore import OTHER_REGION_ID, PROJECT_ID, REGION_ID
from tests.gcore.conftest import ACCOUNT, add

pytestmark = pytest.mark.django_db


@pytest.fixture
def web(gcore):
    secrets = {name: add(gcore, name) for name in ("www", "api", "ca", "crl", "client", "unused")}
    balancer = gcore.add_load_balancer(PROJECT_ID, REGION_ID, "web-lb")
    gcore.add_listener(balancer, "http", "HTTP", 80)
    https = gcore.add_listener(
        balancer,
        "https",
        "TERMINATED_HTTPS",
        443,
        secret_id=secrets["www"].id,
        sni_secret_ids=[secrets["api"].id],
    )
    admin = gcore.add_listener(
        balancer, "admin", "TERMINATED_HTTPS", 8443, sni_secret_ids=[secrets["www"].id]
    )
    gcore.add_pool(
        https,
        "backends",
        "HTTPS",
        secret_id=secrets["client"].id,
        ca_secret_id=secrets["ca"].id,
        crl_secret_id=secrets["crl"].id,
    )
    return {"secrets": secrets, "https": https, "admin": admin}


def ids_of(web, name):
    return web["secrets"][name].id


def test_a_certificate_is_used_by_default_and_by_sni(web):
    uses = users_of(ACCOUNT, REGION_ID, ids_of(web, "www"))

    assert uses == (
        SecretUse(
            "listener",
            web["https"].id,
            "https",
            "default certificate",
            "web-lb",
            "TERMINATED_HTTPS",
            443,
        ),
        SecretUse(
            "listener",
            web["admin"].id,
            "admin",
            "SNI certificate",
            "web-lb",
            "TERMINATED_HTTPS",
            8443,
        ),
    )
    assert uses[0].describe() == (
        "listener https of web-lb (TERMINATED_HTTPS 443) as default certificate"
    )


@pytest.mark.parametrize(
    ("name", "role"), [("client", "client certificate"), ("ca", "CA"), ("crl", "CRL")]
)
def test_a_pool_uses_a_secret_in_one_of_three_ways(web, name, role):
    (use,) = users_of(ACCOUNT, REGION_ID, ids_of(web, name))

    assert (use.kind, use.name, use.role, use.load_balancer) == ("pool", "backends", role, "web-lb")
    assert (use.protocol, use.port) == ("HTTPS", 443)  # the pool's protocol, its listener's port


def test_an_unused_secret_has_no_users_and_no_load_balancer_is_read(gcore, web):
    assert users_of(ACCOUNT, REGION_ID, ids_of(web, "unused")) == ()
    assert gcore.calls("list_load_balancers") == 0


def test_another_regions_listeners_are_not_its_users(gcore, web):
    assert users_of(ACCOUNT, OTHER_REGION_ID, ids_of(web, "www")) == ()


def test_load_balancers_that_cannot_be_read_are_named_by_their_ids(gcore, web):
    gcore.faults.add(Fault("list_load_balancers", status=500, times=10))

    uses = users_of(ACCOUNT, REGION_ID, ids_of(web, "www"))

    assert [use.load_balancer for use in uses] == [web["https"].load_balancer_id] * 2


def test_listeners_that_cannot_be_read_leave_nobody_able_to_say(gcore, web):
    gcore.faults.add(Fault("list_listeners", status=500, times=10))
    with pytest.raises(ServerError):
        users_of(ACCOUNT, REGION_ID, ids_of(web, "www"))


def test_two_hundred_listeners_and_many_pages_cost_one_read_of_each_list(gcore):
    secrets = [add(gcore, f"cert-{n:03}") for n in range(40)]
    balancer = gcore.add_load_balancer(PROJECT_ID, REGION_ID, "big-lb")
    for n in range(200):
        gcore.add_listener(
            balancer, f"l{n}", "TERMINATED_HTTPS", 1000 + n, secret_id=secrets[n % 40].id
        )

    started = time.monotonic()
    for _ in range(5):  # five people each looking at every certificate's page
        for secret in secrets:
            assert len(users_of(ACCOUNT, REGION_ID, secret.id)) == 5
    intervals = math.ceil((time.monotonic() - started) / settings.GCORE_POLL_SECONDS)

    assert intervals < 200  # so the bound below says something
    assert gcore.calls("list_listeners") <= intervals
    assert gcore.calls("list_pools") <= intervals
    # The load balancers' names are kept longer than an interval: one read.
    assert gcore.calls("list_load_balancers") == 1


def test_a_load_balancer_made_since_its_names_were_read_is_named_at_once(gcore, web):
    users_of(ACCOUNT, REGION_ID, ids_of(web, "www"))
    balancer = gcore.add_load_balancer(PROJECT_ID, REGION_ID, "new-lb")
    gcore.add_listener(balancer, "tls", "TERMINATED_HTTPS", 443, secret_id=ids_of(web, "unused"))

    # Its listener read afresh (as a delete reads them), then pages asking within the interval:
    # the names are read once more, not by each.
    for fresh in (True, False, False):
        uses = users_of(ACCOUNT, REGION_ID, ids_of(web, "unused"), fresh=fresh)

    assert [use.load_balancer for use in uses] == ["new-lb"]
    assert gcore.calls("list_load_balancers") == 2
