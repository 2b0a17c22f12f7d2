from django.conf import settings
from django.db import models


class ExternalIdentity(models.Model):
    """Who an identity provider vouched for when it created a user: the key that person is found
    by at each later sign-in. A user without one is a local account, which no SSO or OIDC
    identity may take over, whatever name it carries."""

    class Source(models.TextChoices):
        OIDC = "oidc", "OpenID Connect"
        HEADER = "sso-header", "SSO proxy header"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="external_identity"
    )
    source = models.CharField(max_length=16, choices=Source.choices)
    # OIDC: the `iss` and `sub` of the ID token (a name or an email may be reassigned, these may
    # not). The proxy's header vouches only for a name: no issuer, and the name as subject.
    issuer = models.CharField(max_length=500, blank=True)
    subject = models.CharField(max_length=255)

    class Meta:
        verbose_name_plural = "external identities"
        constraints = [
            models.UniqueConstraint(
                fields=["source", "issuer", "subject"], name="accounts_one_user_per_identity"
            )
        ]

    def __str__(self) -> str:
        return " ".join(part for part in (self.source, self.issuer, self.subject) if part)
