"""People who sign in through SSO or OIDC: found by the key their identity provider knows them
by, created on first sight, and their roles kept in step with its groups."""

from collections.abc import Iterable
from dataclasses import dataclass, replace

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.db.models import CharField, Model
from django.http import HttpRequest

from secretsadmin.audit import services as audit
from secretsadmin.core.invisible import spelled

from . import identity_names
from .actors import actor_of
from .models import ExternalIdentity
from .role_changes import record_roles_change
from .roles import Role, forget_roles, roles_of


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

    code = "identity_not_owner"

    def __init__(
        self, identity: Identity, why: str = "that account was not created for it"
    ) -> None:
        self.identity = identity
        issuer = f" of {identity.issuer}" if identity.issuer else ""
        super().__init__(
            f"{identity.source} identity {identity.subject!r}{issuer} may not sign in as "
            f"{identity.username!r}: {why}"
        )

    @property
    def shown(self) -> str:
        return (
            f"Single sign-on cannot sign you in as “{spelled(self.identity.username)}”: an "
            "account of that name already exists here and is not yours. Ask an administrator."
        )


class IdentityUnusable(IdentityRefused):
    """The identity provider sent a name or subject longer than an account can hold."""

    code = "identity_unusable"

    @property
    def shown(self) -> str:
        return (
            "Single sign-on sent a user name or identifier too long to sign in with. "
            "Ask an administrator."
        )


class IdentityNameConfusable(IdentityRefused):
    """The identity provider sent a name that could pass for another (`identity_names`)."""

    code = "identity_name_confusable"

    def __init__(self, identity: Identity, why: str) -> None:
        super().__init__(identity, f"the name {why}")
        self.why = why

    @property
    def shown(self) -> str:
        return (
            f"Single sign-on cannot sign you in as “{spelled(self.identity.username)}”: the "
            f"name {self.why}, so it could pass for another person's. Ask an administrator."
        )


def roles_for_groups(groups: Iterable[str]) -> set[Role]:
    """Roles granted by the identity provider's groups, per `<ROLE>_GROUPS` settings."""
    return {role for role in Role if set(settings.ROLE_GROUPS[role]) & set(groups)}


@transaction.atomic
def provision(request: HttpRequest, identity: Identity) -> User:
    """The user the identity provider vouches for, as it describes them now; raises
    `IdentityRefused` rather than hand over an account that is not theirs. A change of their
    roles is recorded as made by themselves, through their identity provider."""
    user = _user_for(identity)
    before = roles_of(user)
    # Whatever was granted here by hand, someone from outside holds only what the groups grant.
    now = {"email": _email(identity.email) or user.email, "is_superuser": False, "is_staff": False}
    stale = [field for field, value in now.items() if getattr(user, field) != value]
    if stale:
        for field in stale:
            setattr(user, field, now[field])
        user.save(update_fields=stale)
    sync_roles(user, identity.groups)
    after = roles_of(user)
    record_roles_change(_themself(request, user, identity, after), user, before, after)
    return user


def _themself(
    request: HttpRequest, user: User, identity: Identity, roles: Iterable[Role]
) -> audit.Actor:
    """The person signing in, as the actor of what their sign-in changes: the request may still
    belong to nobody, or to whoever the proxy named before."""
    return replace(
        actor_of(request),
        user_id=user.pk,
        username=user.get_username(),
        email=user.email,
        roles=tuple(sorted(roles)),
        auth_method=identity.source,
    )


def _user_for(identity: Identity) -> User:
    known = (
        ExternalIdentity.objects.select_related("user")
        .filter(source=identity.source, issuer=identity.issuer, subject=identity.subject)
        .first()
    )
    if known is not None:
        return known.user
    # Checked as Django stores it: NFKC-normalised, full-width letters become plain ones.
    username = User.normalize_username(identity.username)
    for model, field, value in (
        (User, "username", username),
        (ExternalIdentity, "subject", identity.subject),
    ):
        limit = _max_length(model, field)
        if len(value) > limit:
            raise IdentityUnusable(identity, f"its {field} is longer than {limit} characters")
    if why := identity_names.problem(username):
        raise IdentityNameConfusable(identity, why)
    same = _named_alike(username)
    if len(same) > 1 or (same and not _adoptable(same[0])):
        # A name is no proof of who someone is: an account of that name stays its owner's.
        raise IdentityRefused(identity)
    user = same[0] if same else User.objects.create_user(username, email=_email(identity.email))
    ExternalIdentity.objects.create(
        user=user, source=identity.source, issuer=identity.issuer, subject=identity.subject
    )
    return user


def _named_alike(username: str) -> list[User]:
    """The accounts whose names are `username` but for case and compatibility forms. Compared
    here, not by the database (SQLite folds the case of ASCII letters alone), and only for an
    identity seen for the first time: a few thousand names at most."""
    wanted = identity_names.key(username)
    alike = [
        pk
        for pk, name in User.objects.values_list("pk", "username").iterator()
        if identity_names.key(name) == wanted
    ]
    return list(User.objects.filter(pk__in=alike).order_by("pk"))


def _adoptable(user: User) -> bool:
    """An account that single sign-on created before identities were recorded: no password,
    no staff or superuser flag, no identity of its own. Nothing else may be taken over."""
    return (
        not user.has_usable_password()
        and not user.is_staff
        and not user.is_superuser
        and not ExternalIdentity.objects.filter(user=user).exists()
    )


def _max_length(model: type[Model], name: str) -> int:
    field = model._meta.get_field(name)
    assert isinstance(field, CharField) and field.max_length is not None  # asked of text columns
    return field.max_length


def _email(email: str) -> str:
    # Longer than the column holds (and than RFC 5321 allows): better none than a crash.
    return email if len(email) <= _max_length(User, "email") else ""


def sync_roles(user: User, groups: Iterable[str]) -> None:
    granted = roles_for_groups(groups)
    role_groups = {role: Group.objects.get_or_create(name=role.value)[0] for role in Role}
    user.groups.remove(*[g for role, g in role_groups.items() if role not in granted])
    user.groups.add(*[role_groups[role] for role in granted])
    forget_roles(user)


def split_groups(value: str) -> list[str]:
    return [group.strip() for group in value.replace(";", ",").split(",") if group.strip()]
