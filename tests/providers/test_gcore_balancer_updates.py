"""The Gcore Cloud client switches a listener's or a pool's certificates, each a task, and reads
one listener or pool back to check: against the emulator."""

import pytest

from secretsadmin.providers.gcore import (
    BadRequest,
    Conflict,
    Listener,
    NotFound,
    Pool,
    Submitted,
)
from tests.fixtures.gcore import PROJECT_ID, REGION_ID, TASK_QUEUE_SECONDS, TASK_RUN_SECONDS

TASK_SECONDS = TASK_QUEUE_SECONDS + TASK_RUN_SECONDS
UNKNOWN = "0b1c0a5e-0000-4000-8000-000000000000"


@pytest.fixture
def web(gcore_app):
    """A TLS listener with a default and an SNI certificate, a pool behind it checking its members
    against a CA and a revocation list, and a renewed certificate to switch to."""
    www, api, ca, crl, client, renewed = (
        gcore_app.add_secret(PROJECT_ID, REGION_ID, name, "certificate", b"pem")
        for name in ("www", "api", "ca", "crl", "client", "renewed")
    )
    balancer = gcore_app.add_load_balancer(PROJECT_ID, REGION_ID, "web-lb")
    https = gcore_app.add_listener(
        balancer, "https", "TERMINATED_HTTPS", 443, secret_id=www.id, sni_secret_ids=[api.id]
    )
    pool = gcore_app.add_pool(
        https, "backends", "HTTPS", secret_id=client.id, ca_secret_id=ca.id, crl_secret_id=crl.id
    )
    return {
        "balancer": balancer,
        "https": https,
        "pool": pool,
        "www": www.id,
        "api": api.id,
        "ca": ca.id,
        "crl": crl.id,
        "client": client.id,
        "renewed": renewed.id,
    }


def test_a_listener_and_a_pool_are_read_one_at_a_time(new_gcore, web):
    gcore = new_gcore()

    assert gcore.get_listener(REGION_ID, web["https"].id) == Listener(
        id=web["https"].id,
        name="https",
        protocol="TERMINATED_HTTPS",
        protocol_port=443,
        load_balancer_id=web["balancer"].id,
        secret_id=web["www"],
        sni_secret_ids=(web["api"],),
        provisioning_status="ACTIVE",
    )
    assert gcore.get_pool(REGION_ID, web["pool"].id) == Pool(
        id=web["pool"].id,
        name="backends",
        protocol="HTTPS",
        secret_id=web["client"],
        ca_secret_id=web["ca"],
        crl_secret_id=web["crl"],
        listener_ids=(web["https"].id,),
        load_balancer_ids=(web["balancer"].id,),
        provisioning_status="ACTIVE",
    )


def test_an_unknown_listener_or_pool_is_not_found(new_gcore, web):
    gcore = new_gcore()

    with pytest.raises(NotFound):
        gcore.get_listener(REGION_ID, UNKNOWN)
    with pytest.raises(NotFound):
        gcore.get_pool(REGION_ID, UNKNOWN)
    with pytest.raises(NotFound):
        gcore.update_listener_certificates(REGION_ID, UNKNOWN, secret_id=web["renewed"])
    with pytest.raises(NotFound):
        gcore.update_pool_certificates(REGION_ID, UNKNOWN, ca_secret_id=web["renewed"])


def test_a_listeners_default_certificate_switches_when_its_task_finishes(
    new_gcore, gcore_clock, web
):
    gcore, listener_id = new_gcore(), web["https"].id

    submitted = gcore.update_listener_certificates(REGION_ID, listener_id, secret_id=web["renewed"])
    assert isinstance(submitted, Submitted)
    before = gcore.get_listener(REGION_ID, listener_id)
    gcore_clock.advance(TASK_SECONDS)
    task = gcore.get_task(submitted.task_id)
    after = gcore.get_listener(REGION_ID, listener_id)

    assert before.secret_id == web["www"]
    assert (task.state, task.task_type) == ("FINISHED", "update_lblistener")
    # Only the default was sent: the SNI certificates stay.
    assert (after.secret_id, after.sni_secret_ids) == (web["renewed"], (web["api"],))


def test_the_sni_list_sent_replaces_the_listeners_whole_list(new_gcore, gcore_clock, web):
    gcore, listener_id = new_gcore(), web["https"].id

    gcore.update_listener_certificates(REGION_ID, listener_id, sni_secret_ids=[web["renewed"]])
    gcore_clock.advance(TASK_SECONDS)
    after = gcore.get_listener(REGION_ID, listener_id)

    assert (after.secret_id, after.sni_secret_ids) == (web["www"], (web["renewed"],))


def test_a_pools_ca_switches_and_its_other_secrets_stay(new_gcore, gcore_clock, web):
    gcore, pool_id = new_gcore(), web["pool"].id

    submitted = gcore.update_pool_certificates(REGION_ID, pool_id, ca_secret_id=web["renewed"])
    assert submitted is not None
    gcore_clock.advance(TASK_SECONDS)
    task = gcore.get_task(submitted.task_id)
    after = gcore.get_pool(REGION_ID, pool_id)

    assert (task.state, task.task_type) == ("FINISHED", "update_lbpool")
    assert (after.secret_id, after.ca_secret_id, after.crl_secret_id) == (
        web["client"],
        web["renewed"],
        web["crl"],
    )


def test_a_pool_update_that_changes_nothing_has_no_task(new_gcore, gcore_app, web):
    gcore = new_gcore()

    assert gcore.update_pool_certificates(REGION_ID, web["pool"].id, ca_secret_id=web["ca"]) is None
    assert gcore_app.store.tasks() == []


@pytest.mark.parametrize(
    "update",
    [
        lambda gcore, web: gcore.update_listener_certificates(
            REGION_ID, web["https"].id, secret_id=web["renewed"]
        ),
        lambda gcore, web: gcore.update_pool_certificates(
            REGION_ID, web["pool"].id, secret_id=web["renewed"]
        ),
    ],
    ids=["listener", "pool"],
)
def test_a_second_update_while_the_first_runs_is_a_conflict(new_gcore, gcore_app, web, update):
    gcore = new_gcore()
    first = update(gcore, web)

    with pytest.raises(Conflict) as refused:
        update(gcore, web)

    assert refused.value.status == 409
    assert [t.id for t in gcore_app.store.tasks()] == [first.task_id]


def test_a_switch_whose_task_errors_leaves_the_listener_as_it_was(
    new_gcore, gcore_app, gcore_clock, web
):
    gcore, listener_id = new_gcore(), web["https"].id
    gcore_app.fail_next_task(message="Listener update failed", task_type="update_lblistener")

    submitted = gcore.update_listener_certificates(REGION_ID, listener_id, secret_id=web["renewed"])
    assert submitted is not None
    gcore_clock.advance(TASK_SECONDS)
    task = gcore.get_task(submitted.task_id)

    assert (task.state, task.error) == ("ERROR", "Listener update failed")
    assert gcore.get_listener(REGION_ID, listener_id).secret_id == web["www"]
    # Unlocked: the switch can be tried again.
    assert gcore.update_listener_certificates(REGION_ID, listener_id, secret_id=web["renewed"])


def test_a_secret_that_is_missing_or_no_certificate_is_refused(new_gcore, gcore_app, web):
    gcore, listener_id = new_gcore(), web["https"].id
    word = gcore_app.add_secret(PROJECT_ID, REGION_ID, "word", "passphrase", b"x")

    with pytest.raises(NotFound):
        gcore.update_listener_certificates(REGION_ID, listener_id, secret_id=UNKNOWN)
    with pytest.raises(BadRequest) as refused:
        gcore.update_listener_certificates(REGION_ID, listener_id, sni_secret_ids=[word.id])

    assert "sni_secret_id" in refused.value.invalid_fields
    assert gcore_app.store.tasks() == []


@pytest.mark.parametrize(
    ("listener_id", "changes"),
    [
        ("0b1c0a5e-0000-4000-8000-000000000000", {}),  # nothing to change
        ("../../v1/secrets", {"secret_id": UNKNOWN}),
        ("0b1c0a5e-0000-4000-8000-000000000000", {"sni_secret_ids": ["www"]}),
    ],
)
def test_an_update_that_cannot_be_a_listener_switch_is_not_sent(
    new_gcore, gcore_app, listener_id, changes
):
    with pytest.raises(ValueError):
        new_gcore().update_listener_certificates(REGION_ID, listener_id, **changes)
    assert gcore_app.calls("update_listener") == 0
