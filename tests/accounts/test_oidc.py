"""OIDC sign-in through mozilla-django-oidc against a small identity provider on loopback."""

import json
import time
from urllib.parse import parse_qs

import jwt
import pytest
from django.contrib.auth.models import User
from django.test import RequestFactory, override_settings

from emulators.server import EmulatorServer
from secretsadmin.accounts.oidc import OIDCBackend
from secretsadmin.accounts.roles import Role, roles_of
from secretsadmin.audit.models import AuditEvent
from tests.fixtures.personas import make_user

pytestmark = pytest.mark.django_db
CLIENT_SECRET = "oidc-client-secret-for-tests-only"


class IdentityProvider:
    """Answers the token and userinfo endpoints of the authorization-code flow."""

    def __init__(self) -> None:
        self.issuer = ""
        self.subject = "u-1"
        self.claims: dict = {}
        self.nonce = ""
        self.token_requests: list[dict] = []

    def __call__(self, environ, start_response):
        path = environ["PATH_INFO"]
        if path == "/token":
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            self.token_requests.append(parse_qs(body.decode()))
            id_token = jwt.encode(
                {
                    "iss": self.issuer,
                    "sub": self.subject,
                    "nonce": self.nonce,
                    "iat": int(time.time()),
                    "aud": "dashboard",
                    **self.claims,
                },
                CLIENT_SECRET,
                algorithm="HS256",
            )
            payload = {"id_token": id_token, "access_token": "at-1", "token_type": "Bearer"}
        elif path == "/userinfo":
            payload = {"sub": self.subject, **self.claims}
        else:
            start_response("404 Not Found", [("Content-Type", "application/json")])
            return [b"{}"]
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps(payload).encode()]


@pytest.fixture
def idp():
    provider = IdentityProvider()
    with (
        EmulatorServer(provider) as server,
        override_settings(
            AUTHENTICATION_BACKENDS=["secretsadmin.accounts.oidc.OIDCBackend"],
            OIDC_RP_CLIENT_ID="dashboard",
            OIDC_RP_CLIENT_SECRET=CLIENT_SECRET,
            OIDC_RP_SIGN_ALGO="HS256",
            OIDC_OP_AUTHORIZATION_ENDPOINT=f"{server.url}/authorize",
            OIDC_OP_TOKEN_ENDPOINT=f"{server.url}/token",
            OIDC_OP_USER_ENDPOINT=f"{server.url}/userinfo",
            OIDC_OP_JWKS_ENDPOINT=None,
            ROLE_GROUPS={"viewer": [], "editor": ["ops"], "auditor": ["compliance"], "admin": []},
        ),
    ):
        provider.issuer = server.url
        yield provider


def sign_in(idp, claims):
    idp.claims, idp.nonce = claims, "n-123"
    request = RequestFactory().get("/accounts/oidc/callback/", {"code": "c-1", "state": "s-1"})
    request.session = {}
    return OIDCBackend().authenticate(request, nonce="n-123")


@override_settings(ROOT_URLCONF="tests.accounts.oidc_urls")
def test_a_first_oidc_login_creates_the_user_with_roles_from_the_groups_claim(idp):
    user = sign_in(
        idp, {"preferred_username": "olga", "email": "olga@example.com", "groups": ["ops", "other"]}
    )
    assert user.username == "olga" and user.email == "olga@example.com"
    assert roles_of(user) == {Role.EDITOR}
    assert idp.token_requests[0]["code"] == ["c-1"]


@override_settings(ROOT_URLCONF="tests.accounts.oidc_urls")
def test_a_later_login_follows_the_groups_claim(idp):
    sign_in(idp, {"preferred_username": "olga", "groups": ["ops"]})
    user = sign_in(idp, {"preferred_username": "olga", "groups": ["compliance"]})
    assert User.objects.filter(username="olga").count() == 1
    assert roles_of(user) == {Role.AUDITOR}


@override_settings(ROOT_URLCONF="tests.accounts.oidc_urls")
def test_a_token_with_the_wrong_nonce_is_refused(idp):
    idp.claims, idp.nonce = {"preferred_username": "olga"}, "someone-elses"
    request = RequestFactory().get("/accounts/oidc/callback/", {"code": "c", "state": "s"})
    request.session = {}
    from django.core.exceptions import SuspiciousOperation

    with pytest.raises(SuspiciousOperation):
        OIDCBackend().authenticate(request, nonce="n-123")
    assert not User.objects.filter(username="olga").exists()


def through_the_callback(client, idp, claims, subject="u-1"):
    """Comes back from the identity provider to the real callback, as a browser would."""
    idp.claims, idp.nonce, idp.subject = claims, "n-123", subject
    session = client.session
    session["oidc_states"] = {"s-1": {"nonce": "n-123", "code_verifier": None}}
    session.save()
    return client.get("/accounts/oidc/callback/", {"code": "c-1", "state": "s-1"}, follow=True)


@override_settings(ROOT_URLCONF="tests.accounts.oidc_urls")
def test_an_oidc_identity_named_like_a_local_account_is_refused_and_recorded(idp, client):
    root = make_user("root", superuser=True)  # break-glass, made with createsuperuser
    response = through_the_callback(
        client, idp, {"preferred_username": "root", "email": "x@evil.example", "groups": []}
    )
    assert "cannot sign you in as “root”" in response.content.decode()
    assert not response.context["user"].is_authenticated
    assert client.get("/audit/").status_code == 302
    [refusal] = AuditEvent.objects.filter(action="auth.denied")
    assert refusal.error_code == "identity_not_owner"
    assert "'root'" in refusal.error_message and "'u-1'" in refusal.error_message
    assert not AuditEvent.objects.filter(action="auth.login", outcome="succeeded").exists()
    root.refresh_from_db()
    assert (root.email, root.is_superuser) == ("root@example.com", True)


@override_settings(ROOT_URLCONF="tests.accounts.oidc_urls")
def test_people_are_known_by_issuer_and_subject_not_by_their_name(idp, client):
    olga = sign_in(idp, {"preferred_username": "olga", "groups": ["ops"]})
    renamed = sign_in(idp, {"preferred_username": "olga.k", "groups": ["ops"]})
    assert renamed.pk == olga.pk
    # The name passed on to someone else at the identity provider: still not olga's account.
    response = through_the_callback(
        client, idp, {"preferred_username": "olga", "groups": ["ops"]}, subject="u-2"
    )
    assert not response.context["user"].is_authenticated
    assert AuditEvent.objects.filter(action="auth.denied", error_code="identity_not_owner")
    assert User.objects.count() == 1


@override_settings(ROOT_URLCONF="tests.accounts.oidc_urls")
def test_a_first_oidc_login_through_the_callback_signs_in(idp, client):
    response = through_the_callback(client, idp, {"preferred_username": "olga", "groups": ["ops"]})
    assert response.context["user"].username == "olga"
    [login] = AuditEvent.objects.filter(action="auth.login")
    assert (login.actor_username, login.auth_method) == ("olga", "oidc")


@override_settings(ROOT_URLCONF="tests.accounts.oidc_urls")
def test_an_oidc_user_made_superuser_by_hand_holds_only_its_groups_roles_at_sign_in(idp):
    olga = sign_in(idp, {"preferred_username": "olga", "groups": ["compliance"]})
    User.objects.filter(pk=olga.pk).update(is_superuser=True, is_staff=True)
    olga = sign_in(idp, {"preferred_username": "olga", "groups": ["compliance"]})
    assert (olga.is_superuser, olga.is_staff) == (False, False)
    assert roles_of(olga) == {Role.AUDITOR}


@override_settings(ROOT_URLCONF="tests.accounts.oidc_urls")
def test_a_change_of_groups_at_sign_in_is_recorded_as_a_change_of_roles(idp):
    sign_in(idp, {"preferred_username": "olga", "groups": ["ops"]})
    sign_in(idp, {"preferred_username": "olga", "groups": ["ops"]})
    sign_in(idp, {"preferred_username": "olga", "groups": ["compliance"]})
    changes = AuditEvent.objects.filter(action="auth.roles_changed").order_by("sequence")
    assert [(e.actor_username, e.auth_method, e.error_message) for e in changes] == [
        ("olga", "oidc", "roles: none → editor"),
        ("olga", "oidc", "roles: editor → auditor"),
    ]


@override_settings(ROOT_URLCONF="tests.accounts.oidc_urls")
@pytest.mark.parametrize("groups", [5, True, 1.5, {"ops": True}])
def test_a_groups_claim_of_another_shape_grants_nothing_and_breaks_nothing(idp, groups):
    olga = sign_in(idp, {"preferred_username": "olga", "groups": groups})
    assert olga.username == "olga" and roles_of(olga) == frozenset()


@override_settings(ROOT_URLCONF="tests.accounts.oidc_urls")
@pytest.mark.parametrize(
    ("claims", "subject"),
    [({"preferred_username": "o" * 151}, "u-1"), ({"preferred_username": "olga"}, "s" * 256)],
)
def test_a_name_or_subject_too_long_to_hold_is_refused_and_recorded(idp, client, claims, subject):
    response = through_the_callback(client, idp, {**claims, "groups": ["ops"]}, subject=subject)
    assert "too long to sign in with" in response.content.decode()
    assert not response.context["user"].is_authenticated
    [refusal] = AuditEvent.objects.filter(action="auth.denied")
    assert refusal.error_code == "identity_unusable"
    assert User.objects.count() == 0


@override_settings(ROOT_URLCONF="tests.accounts.oidc_urls")
def test_an_email_too_long_to_hold_is_left_out(idp):
    olga = sign_in(idp, {"preferred_username": "olga", "email": f"{'o' * 250}@example.com"})
    assert (olga.username, olga.email) == ("olga", "")


@override_settings(ROOT_URLCONF="tests.accounts.oidc_urls")
def test_a_second_identity_named_like_an_account_in_another_case_is_refused(idp, client):
    olga = sign_in(idp, {"preferred_username": "Olga", "groups": ["ops"]})
    response = through_the_callback(
        client, idp, {"preferred_username": "olga", "groups": ["ops"]}, subject="u-2"
    )
    assert "cannot sign you in as “olga”" in response.content.decode()
    assert not response.context["user"].is_authenticated
    assert AuditEvent.objects.get(action="auth.denied").error_code == "identity_not_owner"
    assert list(User.objects.all()) == [olga]


@override_settings(ROOT_URLCONF="tests.accounts.oidc_urls")
def test_a_name_that_could_pass_for_another_names_no_account(idp, client):
    response = through_the_callback(
        client,
        idp,
        {"preferred_username": "\u043elga", "groups": ["ops"]},  # a Cyrillic o
    )
    page = response.content.decode()
    assert "the name mixes the letters of several scripts (Cyrillic, Latin)" in page
    assert not response.context["user"].is_authenticated
    [refusal] = AuditEvent.objects.filter(action="auth.denied")
    assert refusal.error_code == "identity_name_confusable"
    assert repr("\u043elga") in refusal.error_message
    assert not User.objects.exists()


@override_settings(ROOT_URLCONF="tests.accounts.oidc_urls")
def test_a_known_identity_signs_in_whatever_it_is_called_now(idp):
    """A person is known by issuer and subject: the name names a new account only."""
    olga = sign_in(idp, {"preferred_username": "olga", "groups": ["ops"]})
    assert sign_in(idp, {"preferred_username": "\u043elga", "groups": ["ops"]}) == olga
