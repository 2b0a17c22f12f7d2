"""Every change of someone's roles goes to the audit log, whichever way it was made."""

from django.contrib.auth.models import User

from secretsadmin.audit import services as audit

from .roles import Role


def record_roles_change(
    actor: audit.Actor, user: User, before: frozenset[Role], after: frozenset[Role]
) -> None:
    """Appends `auth.roles_changed` if the roles differ. Call it in the transaction that changes
    them: if the event cannot be written, `AuditUnavailable` undoes the change with it."""
    if before == after:
        return
    audit.record(
        actor,
        action="auth.roles_changed",
        outcome="succeeded",
        subject=audit.Subject(target=user.get_username()),
        error_message=f"roles: {_named(before)} → {_named(after)}",
    )


def _named(roles: frozenset[Role]) -> str:
    return ", ".join(sorted(roles)) or "none"
