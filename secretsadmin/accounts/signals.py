"""Every login, logout and failed login goes to the audit log."""

from typing import Any

from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth.models import User
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from secretsadmin.audit import services as audit
from secretsadmin.core.proxies import client_address

from . import throttle, typed_names
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
    if request.session["auth_method"] == "password":
        throttle.succeeded(user.get_username(), client_address(request))


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
    username = str(credentials.get("username", ""))
    # Only the name tried, and only an account's as typed: whatever else was typed may be a
    # password.
    subject = audit.Subject(target=typed_names.recorded(username))
    actor = actor_of(request)
    audit.record(
        actor,
        action="auth.login",
        outcome="failed",
        subject=subject,
        error_code="invalid_credentials",
    )
    lockout = throttle.failed(username, client_address(request))
    if lockout is not None:
        audit.record(
            actor,
            action="auth.lockout",
            outcome="denied",
            subject=subject,
            error_code=f"too_many_failures_per_{lockout.scope}",
            error_message=f"sign-in refused for {lockout.seconds_left} s: {lockout.message}",
        )
