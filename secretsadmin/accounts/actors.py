"""Who is acting, for the audit log: the signed-in person of a request, as they are now."""

from django.http import HttpRequest

from secretsadmin.audit.services import Actor
from secretsadmin.core.proxies import client_address

from .roles import roles_of


def actor_of(request: HttpRequest) -> Actor:
    user = getattr(request, "user", None)
    session = getattr(request, "session", None)
    if user is None or not user.is_authenticated:
        user = None  # a refusal before sign-in, a failed login: who is not known
    return Actor(
        user_id=user.pk if user else None,
        username=user.get_username() if user else "",
        email=(getattr(user, "email", "") or "") if user else "",
        roles=tuple(sorted(role.value for role in roles_of(user))) if user else (),
        auth_method=session.get("auth_method", "") if session is not None else "",
        source_ip=client_address(request),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
        request_id=getattr(request, "id", ""),
    )
