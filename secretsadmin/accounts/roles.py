"""The four roles and how a view demands one.

A user's roles are Django groups named after them (kept in step with SSO groups at each login);
a superuser is an admin. The server refuses; templates merely hide what a role cannot do.
"""

from enum import StrEnum
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseForbidden

from .denials import forbidden


class Role(StrEnum):
    VIEWER = "viewer"  # reads sets, keys, statuses
    EDITOR = "editor"  # viewer, plus every change
    AUDITOR = "auditor"  # reads, exports and verifies the audit log; changes nothing
    ADMIN = "admin"  # all of the above


# What each role may do beyond itself.
IMPLIES = {
    Role.VIEWER: {Role.VIEWER},
    Role.EDITOR: {Role.EDITOR, Role.VIEWER},
    Role.AUDITOR: {Role.AUDITOR},
    Role.ADMIN: set(Role),
}


# Asked several times per request (view, navigation, audit actor): one query per user object.
MEMO = "_secretsadmin_roles"


def roles_of(user) -> frozenset[Role]:
    """The roles a user holds, as granted (not expanded)."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    if user.is_superuser:
        return frozenset({Role.ADMIN})
    cached = getattr(user, MEMO, None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))
        cached = frozenset(role for role in Role if role.value in names)
        setattr(user, MEMO, cached)
    return cached


def forget_roles(user) -> None:
    """Drops what roles_of() remembered, once the user's groups have changed."""
    user.__dict__.pop(MEMO, None)


def has_role(user, role: Role) -> bool:
    return any(role in IMPLIES[held] for held in roles_of(user))


def role_required(role: Role):
    """Lets the view run only for users holding `role`; records every refusal in the audit log."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_role(request.user, role):
                return deny(request, f"requires the {role} role")
            return view(request, *args, **kwargs)

        wrapped.required_role = role
        return wrapped

    return decorator


def deny(request, why: str) -> HttpResponseForbidden:
    return forbidden(request, message=why, shown=f"This {why}.")
