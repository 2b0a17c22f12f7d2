"""Users seen for the first time through SSO or OIDC, and their roles kept in step with groups."""

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.db import transaction

from .roles import Role


def roles_for_groups(groups: list[str]) -> set[Role]:
    """Roles granted by the identity provider's groups, per `<ROLE>_GROUPS` settings."""
    return {role for role in Role if set(settings.ROLE_GROUPS[role]) & set(groups)}


@transaction.atomic
def provision(username: str, email: str, groups: list[str]) -> User:
    user, created = User.objects.get_or_create(username=username, defaults={"email": email})
    if not created and email and user.email != email:
        user.email = email
        user.save(update_fields=["email"])
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    sync_roles(user, groups)
    return user


def sync_roles(user: User, groups: list[str]) -> None:
    granted = roles_for_groups(groups)
    role_groups = {role: Group.objects.get_or_create(name=role.value)[0] for role in Role}
    user.groups.remove(*[g for role, g in role_groups.items() if role not in granted])
    user.groups.add(*[role_groups[role] for role in granted])
    user.__dict__.pop("_secretsadmin_roles", None)  # roles_of() memo, now stale


def split_groups(value: str) -> list[str]:
    return [group.strip() for group in value.replace(";", ",").split(",") if group.strip()]
