"""Every login, logout and failed login goes to the audit log."""

from typing import Any

from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth.models import User
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from secretsadmin.audit import services as audit

from .actors import actor_of

METHODS = {
    "secretsadmin.accounts.backends.TrustedHeaderBackend": "sso-header",
    "secretsadmin.accounts.oidc.OIDCBackend": "oidc",
    "django.contrib.auth.backends.ModelBackend": "password",
}


@receiver(user_logged_in)
def on_login(sender: type[User], request: HttpRequest, user: User, **kwargs: Any) -> None:
    request.session["auth_method"] = METHODS.get(
        request.session.get(BACKEND_SESSION_KEY, ""), "unknown"
    )
    audit.record(actor_of(request), action="auth.login", outcome="succeeded")


@receiver(user_logged_out)
def on_logout(
    sender: type[User] | None, request: HttpRequest, user: User | None, **kwargs: Any
) -> None:
    if user is not None:
        audit.record(actor_of(request), action="auth.logout", outcome="succeeded")


@receiver(user_login_failed)
def on_login_failed(
    sender: str, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    if request is None:
        return
    # Only the name tried: whatever else was typed may be a password.
    audit.record(
        actor_of(request),
        action="auth.login",
        outcome="failed",
        subject=audit.Subject(target=str(credentials.get("username", ""))[:150]),
        error_code="invalid_credentials",
    )
