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

pytestmark = pytest.mark.django_db
CLIENT_SECRET = "oidc-client-secret-for-tests-only"


class IdentityProvider:
    """Answers the token and userinfo endpoints of the authorization-code flow."""

    def __init__(self) -> None:
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
                    "sub": "u-1",
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
            payload = {"sub": "u-1", **self.claims}
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
