"""People who sign in through SSO or OIDC: found by the key their identity provider knows them
by, created on first sight, and their roles kept in step with its groups."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.db import transaction

from .models import ExternalIdentity
from .roles import Role


@dataclass(frozen=True)
class Identity:
    """Someone as an identity provider vouches for them. Source, issuer and subject say who they
    are; the username is only what their account is called when it is first created."""

    source: ExternalIdentity.Source
    issuer: str
    subject: str
    username: str
    email: str
    groups: tuple[str, ...]


class IdentityRefused(Exception):
    """The identity carries the name of an account that is not its own."""

    def __init__(self, identity: Identity) -> None:
        self.identity = identity
        issuer = f" of {identity.issuer}" if identity.issuer else ""
        super().__init__(
            f"{identity.source} identity {identity.subject!r}{issuer} may not sign in as "
            f"{identity.username!r}: that account was not created for it"
        )

    @property
    def shown(self) -> str:
        return (
            f"Single sign-on cannot sign you in as “{self.identity.username}”: an account of "
            "that name already exists here and is not yours. Ask an administrator."
        )


def roles_for_groups(groups) -> set[Role]:
    """Roles granted by the identity provider's groups, per `<ROLE>_GROUPS` settings."""
    return {role for role in Role if set(settings.ROLE_GROUPS[role]) & set(groups)}


@transaction.atomic
def provision(identity: Identity) -> User:
    """The user the identity provider vouches for, as it describes them now; raises
    `IdentityRefused` rather than hand over an account that is not theirs."""
    user = _user_for(identity)
    # Whatever was granted here by hand, someone from outside holds only what the groups grant.
    now = {"email": identity.email or user.email, "is_superuser": False, "is_staff": False}
    stale = [field for field, value in now.items() if getattr(user, field) != value]
    if stale:
        for field in stale:
            setattr(user, field, now[field])
        user.save(update_fields=stale)
    sync_roles(user, identity.groups)
    return user


def _user_for(identity: Identity) -> User:
    known = (
        ExternalIdentity.objects.select_related("user")
        .filter(source=identity.source, issuer=identity.issuer, subject=identity.subject)
        .first()
    )
    if known is not None:
        return known.user
    # A name is no proof of who someone is: an account of that name, local or from another
    # identity, stays its owner's.
    if User.objects.filter(username=identity.username).exists():
        raise IdentityRefused(identity)
    user = User.objects.create_user(identity.username, email=identity.email)  # no password
    ExternalIdentity.objects.create(
        user=user, source=identity.source, issuer=identity.issuer, subject=identity.subject
    )
    return user


def sync_roles(user: User, groups) -> None:
    granted = roles_for_groups(groups)
    role_groups = {role: Group.objects.get_or_create(name=role.value)[0] for role in Role}
    user.groups.remove(*[g for role, g in role_groups.items() if role not in granted])
    user.groups.add(*[role_groups[role] for role in granted])
    user.__dict__.pop("_secretsadmin_roles", None)  # roles_of() memo, now stale


def split_groups(value: str) -> list[str]:
    return [group.strip() for group in value.replace(";", ",").split(",") if group.strip()]
