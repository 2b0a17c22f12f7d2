"""OpenID Connect login (mozilla-django-oidc), with roles from a groups claim."""

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import SuspiciousOperation
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from .denials import record_denial
from .models import ExternalIdentity
from .provisioning import Identity, IdentityRefused, provision


class OIDCBackend(OIDCAuthenticationBackend):  # type: ignore[misc]  # an untyped library
    """Finds people by their ID token's issuer and subject, the only claims the specification
    promises are stable and unique; `preferred_username` and email only name a new account."""

    def get_or_create_user(
        self, access_token: str, id_token: str, payload: Mapping[str, Any]
    ) -> User | None:
        claims = self.get_userinfo(access_token, id_token, payload)
        identity = self._identity(payload, claims)
        try:
            return provision(self.request, identity)
        except IdentityRefused as refused:
            record_denial(self.request, message=str(refused), code=refused.code)
            messages.error(self.request, refused.shown)
            return None

    def _identity(self, token: Mapping[str, Any], claims: Mapping[str, Any]) -> Identity:
        if not token.get("iss") or not token.get("sub"):
            raise SuspiciousOperation("the ID token names no issuer or no subject")
        # OpenID Connect Core 5.3.2: userinfo about another subject must not be used.
        if claims.get("sub") != token["sub"]:
            raise SuspiciousOperation("the userinfo is about another subject than the ID token")
        username = claims.get(settings.OIDC_USERNAME_CLAIM) or claims.get("email") or ""
        if not username:
            raise SuspiciousOperation("the claims carry no username")
        groups = claims.get(settings.OIDC_GROUPS_CLAIM) or []
        if isinstance(groups, str):
            groups = [groups]
        if not isinstance(groups, list):
            groups = []  # a claim of another shape grants nothing
        return Identity(
            source=ExternalIdentity.Source.OIDC,
            issuer=str(token["iss"]),
            subject=str(token["sub"]),
            username=str(username),
            email=claims.get("email") or "",
            groups=tuple(str(g) for g in groups),
        )
