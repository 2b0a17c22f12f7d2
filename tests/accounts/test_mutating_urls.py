"""Every URL that changes anything refuses viewers and auditors, and records the refusal."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from secretsadmin.accounts.roles import Role
from secretsadmin.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

CHANGING_ROLES = {Role.EDITOR, Role.ADMIN}
# Views that need no role: they identify people or report liveness.
PUBLIC = {
    "login",
    "logout",
    "healthz",
    "favicon",
    "oidc_authentication_init",
    "oidc_authentication_callback",
}


def patterns(resolver=None, prefix=""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin":
                continue  # Django's admin: the admin role only (tests/accounts/test_admin.py)
            yield from patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


SAMPLES = {"int": "1", "uuid": "00000000-0000-4000-8000-000000000001"}


def sample_path(route: str) -> str:
    """A concrete path for a route, with a plausible value for each converter."""
    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: SAMPLES.get(m[1], "sample-1"), route)


def test_every_view_declares_who_may_use_it():
    undeclared = [
        route
        for route, entry in patterns()
        if entry.name not in PUBLIC
        and not hasattr(entry.callback, "required_role")
        and entry.name != "home"
    ]
    assert undeclared == []


def changing_urls():
    return [
        (route, entry)
        for route, entry in patterns()
        if getattr(entry.callback, "required_role", None) in CHANGING_ROLES
    ]


@pytest.mark.parametrize("persona", ["viewer", "auditor"])
def test_changing_urls_refuse_readers(persona, request):
    client = request.getfixturevalue(persona)
    for route, _entry in changing_urls():
        path = sample_path(route)
        response = client.post(path, {"confirm": "sample-1"})
        assert response.status_code == 403, path
        last = AuditEvent.objects.filter(action="auth.denied").order_by("-sequence").first()
        assert last.target == f"POST {path}"
