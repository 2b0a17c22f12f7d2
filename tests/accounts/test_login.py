import pytest
from django.test import Client, override_settings

from secretsadmin.audit.models import AuditEvent
from tests.fixtures.personas import make_user

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


@pytest.fixture
def vera(db):
    from secretsadmin.accounts.roles import Role

    return make_user("vera", Role.VIEWER)


def login_form(client):
    client.get("/accounts/login/")
    return client.cookies["csrftoken"].value


def test_signing_in_with_a_password_is_recorded(client, vera):
    token = login_form(client)
    response = client.post(
        "/accounts/login/",
        {
            "username": "vera",
            "password": PASSWORD,
            "next": "/pipecat/",
            "csrfmiddlewaretoken": token,
        },
    )
    assert response.status_code == 302 and response["Location"] == "/pipecat/"
    [event] = AuditEvent.objects.filter(action="auth.login")
    assert (event.actor_username, event.outcome, event.auth_method) == (
        "vera",
        "succeeded",
        "password",
    )


def test_a_wrong_password_is_recorded_without_the_password(client, vera):
    token = login_form(client)
    response = client.post(
        "/accounts/login/",
        {"username": "vera", "password": "Tr0ub4dor&3", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content
    [event] = AuditEvent.objects.filter(action="auth.login")
    assert (event.outcome, event.target) == ("failed", "vera")
    row = AuditEvent.objects.filter(pk=event.pk).values().get()
    assert not any("Tr0ub4dor" in str(value) for value in row.values())


def test_signing_out_is_recorded(viewer):
    response = viewer.post("/accounts/logout/", {"csrfmiddlewaretoken": _token(viewer)})
    assert response.status_code == 302
    [event] = AuditEvent.objects.filter(action="auth.logout")
    assert event.actor_username == "vera"
    assert viewer.get("/pipecat/").status_code == 302


def _token(client) -> str:
    client.get("/")
    return client.cookies["csrftoken"].value


def test_a_forged_form_is_refused_and_recorded(viewer):
    response = viewer.post("/accounts/logout/")  # no CSRF token
    assert response.status_code == 403
    assert b"Reload the page and try again" in response.content
    [event] = AuditEvent.objects.filter(action="auth.denied")
    assert (event.error_code, event.target, event.actor_username) == (
        "csrf",
        "POST /accounts/logout/",
        "vera",
    )


@override_settings(LOCAL_LOGIN=False)
def test_password_login_can_be_turned_off(vera):
    client = Client(HTTP_HOST="localhost")
    page = client.get("/accounts/login/")
    assert b'name="password"' not in page.content
    response = client.post("/accounts/login/", {"username": "vera", "password": PASSWORD})
    assert response.status_code == 403
    assert b"Password login is turned off" in response.content
    assert client.get("/pipecat/").status_code == 302
    [refusal] = AuditEvent.objects.filter(outcome="denied")
    assert (refusal.action, refusal.error_code, refusal.target) == (
        "auth.denied",
        "local_login_off",
        "POST /accounts/login/",
    )
    assert "vera" in refusal.error_message
    assert PASSWORD not in refusal.error_message


def test_a_name_that_is_no_accounts_is_kept_only_as_a_fingerprint(client, vera):
    """People type their password into the name field; the log must not keep it forever."""
    for typed in ("Tr0ub4dor&3-typed-as-name", " TR0UB4DOR&3-TYPED-AS-NAME"):
        token = login_form(client)
        client.post(
            "/accounts/login/",
            {"username": typed, "password": "x", "csrfmiddlewaretoken": token},
        )
    first, second = AuditEvent.objects.filter(action="auth.login").order_by("sequence")
    assert first.target.startswith("unknown name ") and first.target == second.target
    rows = AuditEvent.objects.values()
    assert not any("typed-as-name" in str(v).lower() for row in rows for v in row.values())
