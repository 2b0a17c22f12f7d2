"""OpenID Connect login (mozilla-django-oidc), with roles from a groups claim."""

from django.conf import settings
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from .provisioning import provision


class OIDCBackend(OIDCAuthenticationBackend):
    def _identity(self, claims) -> tuple[str, str, list[str]]:
        username = claims.get(settings.OIDC_USERNAME_CLAIM) or claims.get("email") or ""
        groups = claims.get(settings.OIDC_GROUPS_CLAIM) or []
        if isinstance(groups, str):
            groups = [groups]
        return str(username), claims.get("email") or "", [str(g) for g in groups]

    def verify_claims(self, claims) -> bool:
        return bool(self._identity(claims)[0])

    def filter_users_by_claims(self, claims):
        return self.UserModel.objects.filter(username=self._identity(claims)[0])

    def create_user(self, claims):
        return provision(*self._identity(claims))

    def update_user(self, user, claims):
        return provision(*self._identity(claims))
