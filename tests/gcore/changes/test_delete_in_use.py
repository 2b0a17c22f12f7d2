"""A secret a load balancer uses is not deleted: the refusal names its users and is recorded, and
nothing is sent; when its users cannot be read, nothing is sent either."""

import pytest

from emulators.faults import Fault
from secretsadmin.gcore import actions
from tests.fixtures.gcore import PROJECT_ID, REGION_ID
from tests.gcore.changes.conftest import events
from tests.gcore.test_secret_page import text
from tests.pipecat.conftest import post

pytestmark = pytest.mark.django_db
IN_USE = (
    "The secret www-example-test is in use, so nothing was deleted: listener https of web-lb "
    "(TERMINATED_HTTPS 443) as default certificate; pool backends of web-lb (HTTPS 443) as CA. "
    "Give them another secret first."
)


@pytest.fixture
def secret(gcore):
    return gcore.add_secret(PROJECT_ID, REGION_ID, "www-example-test", "certificate", b"pem")


def page_of(secret) -> str:
    return f"/gcore/prod/{REGION_ID}/{secret.id}/"


def delete(editor, secret, **extra):
    return post(
        editor, f"{page_of(secret)}delete/", {"confirm": "www-example-test", **extra}, follow=True
    )


def use(gcore, secret):
    balancer = gcore.add_load_balancer(PROJECT_ID, REGION_ID, "web-lb")
    https = gcore.add_listener(balancer, "https", "TERMINATED_HTTPS", 443, secret_id=secret.id)
    gcore.add_pool(https, "backends", "HTTPS", ca_secret_id=secret.id)


def test_a_secret_in_use_is_not_deleted_and_the_refusal_names_its_users(editor, gcore, secret):
    use(gcore, secret)

    path = f"{page_of(secret)}delete/"
    response = post(editor, path, {"confirm": "www-example-test", "reason": "rotated"})

    assert response["Location"] == page_of(secret)
    shown = text(editor.get(response["Location"]).content.decode())
    assert f"{IN_USE} (request id {response['X-Request-ID']})" in shown
    assert gcore.calls("delete_secret") == 0
    assert gcore.secrets(PROJECT_ID, REGION_ID) == [secret]
    (refusal,) = events()
    assert (refusal.action, refusal.outcome, refusal.error_code) == (
        actions.SECRET_DELETE,
        "denied",
        "in_use",
    )
    assert (refusal.target, refusal.target_id, refusal.reason) == (
        "www-example-test",
        secret.id,
        "rotated",
    )
    assert refusal.error_message == IN_USE


def test_a_listener_that_took_the_secret_within_the_interval_is_found(editor, gcore, secret):
    editor.get(page_of(secret))  # its page read the listeners: none use it yet
    use(gcore, secret)  # another tool points a listener at it

    response = delete(editor, secret)

    assert IN_USE in text(response.content.decode())
    assert gcore.calls("delete_secret") == 0


def test_an_unused_secret_is_deleted_after_its_users_are_read(editor, gcore, secret):
    balancer = gcore.add_load_balancer(PROJECT_ID, REGION_ID, "web-lb")
    gcore.add_listener(balancer, "http", "HTTP", 80)

    delete(editor, secret)

    assert gcore.calls("delete_secret") == 1
    assert (gcore.calls("list_listeners"), gcore.calls("list_pools")) == (1, 1)
    assert [e.outcome for e in events()] == ["attempted", "unknown"]


@pytest.mark.parametrize("listing", ["list_listeners", "list_pools"])
def test_users_that_cannot_be_read_leave_the_secret_undeleted(editor, gcore, secret, listing):
    gcore.faults.add(Fault(listing, status=500, times=10))

    response = delete(editor, secret)

    shown = text(response.content.decode())
    assert "HTTP 500 Internal Server Error" in shown
    assert (
        "Which listeners and pools use the secret could not be read, so nothing was deleted."
        in shown
    )
    assert gcore.calls("delete_secret") == 0
    assert events() == []


def test_a_refusal_the_audit_log_cannot_record_still_sends_nothing(
    editor, gcore, secret, failing_outcomes
):
    use(gcore, secret)

    response = delete(editor, secret)

    assert f"{IN_USE} The audit log could not record this refusal." in text(
        response.content.decode()
    )
    assert gcore.calls("delete_secret") == 0
