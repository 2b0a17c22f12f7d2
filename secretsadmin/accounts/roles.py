"""The four roles, and which a user holds.

A user's roles are Django groups named after them (kept in step with SSO groups at each login);
a superuser is an admin. The server refuses (`access.role_required`); templates merely hide what
a role cannot do.
"""

from enum import StrEnum

from django.contrib.auth.models import AbstractUser, AnonymousUser

type AnyUser = AbstractUser | AnonymousUser


class Role(StrEnum):
    VIEWER = "viewer"  # reads sets, keys, statuses
    EDITOR = "editor"  # viewer, plus every change
    AUDITOR = "auditor"  # reads, exports and verifies the audit log; changes nothing
    ADMIN = "admin"  # all of the above


# What each role may do beyond itself.
IMPLIES = {
    Role.VIEWER: {Role.VIEWER},
    Role.EDITOR: {Role.EDITOR, Role.VIEWER},
    Role.AUDITOR: {Role.AUDITOR, Role.VIEWER},  # reads what the events name, changes nothing
    Role.ADMIN: set(Role),
}


# Asked several times per request (view, navigation, audit actor): one query per user object.
MEMO = "_secretsadmin_roles"


def roles_of(user: AnyUser) -> frozenset[Role]:
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


def forget_roles(user: AnyUser) -> None:
    """Drops what roles_of() remembered, once the user's groups have changed."""
    user.__dict__.pop(MEMO, None)


def has_role(user: AnyUser, role: Role) -> bool:
    return any(role in IMPLIES[held] for held in roles_of(user))
