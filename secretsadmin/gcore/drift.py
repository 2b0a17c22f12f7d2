"""Gcore Cloud's side of drift: its secrets as the watcher compares them (every region's listing),
what changed in words, which of the dashboard's own attempts explain a change, and who made it as
Gcore's own log of user actions tells (`made_by`).

Gcore keeps a secret as it was stored: another expiration is another secret of the same name, so
a secret deleted and one of its name created in the same round are told as one replacement.
"""

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime

from secretsadmin.audit.models import AuditEvent
from secretsadmin.drift.observe import Change, Difference, Thing
from secretsadmin.providers.gcore import Secret
from secretsadmin.providers.gcore.models import UserAction

from . import actions
from .facts import TYPE_LABELS

# Looked up by the plain text the facts hold, not by the SDK's literal type.
LABELS: dict[str, str] = {kind: label for kind, label in TYPE_LABELS.items()}


def thing(secret: Secret) -> Thing:
    expiration = secret.expiration.isoformat() if secret.expiration else None
    return Thing(
        key=secret.id,
        name=secret.name,
        region=str(secret.region_id),
        # `created` never changes for one id: it is kept for the rotation alerts.
        facts={
            "type": secret.secret_type,
            "expiration": expiration,
            "created": secret.created.isoformat(),
        },
    )


def replacements(changes: Sequence[Change]) -> list[Change]:
    """`changes` with each secret created beside a deleted one of the same name and region
    saying how its expiration differs from that one's."""
    deleted = {(c.thing.region, c.thing.name): c.thing for c in changes if c.kind == "deleted"}
    paired = []
    for change in changes:
        gone = deleted.get((change.thing.region, change.thing.name))
        if change.kind == "created" and gone is not None:
            before, after = gone.facts.get("expiration"), change.thing.facts.get("expiration")
            if before != after:
                change = replace(change, differences=(Difference("expiration", before, after),))
        paired.append(change)
    return paired


# What each kind of change is in Gcore's log of user actions.
LOGGED_AS = {"created": "create", "deleted": "delete"}


def made_by(changes: Sequence[Change], log: Sequence[UserAction]) -> dict[str, dict[str, object]]:
    """Who made each change (by the secret's id), as the latest entry of Gcore's log naming the
    secret, of that kind, says: the user, the API token, the address and the user agent."""
    naming: dict[str, list[UserAction]] = {}
    for entry in log:
        if entry.api_group == "secret":
            for resource_id in entry.resource_ids:
                naming.setdefault(resource_id, []).append(entry)
    found: dict[str, dict[str, object]] = {}
    for change in changes:
        wanted = LOGGED_AS.get(change.kind)
        entries = [
            entry
            for entry in naming.get(change.thing.key, [])
            if wanted is None or entry.action_type == wanted
        ]
        if entries:
            entry = max(entries, key=lambda e: e.timestamp)
            by: dict[str, object] = {
                "user_id": entry.user_id,
                "email": entry.email,
                "token_id": entry.token_id,
                "source_ip": entry.source_ip,
                "user_agent": entry.user_agent,
                "at": entry.timestamp.isoformat(),
                "action_id": entry.id,
            }
            found[change.thing.key] = {name: value for name, value in by.items() if value}
    return found


class GcoreDrift:
    name = actions.PROVIDER
    action = actions.SECRET_EXTERNAL_CHANGE

    def unexplained(self, change: Change, attempts: Sequence[AuditEvent]) -> Change | None:
        if change.kind == "created":
            named = [a for a in attempts if a.region == change.thing.region]
            return None if any(a.action in actions.CREATES for a in named) else change
        if change.kind == "deleted":
            removed = [a for a in attempts if a.target_id == change.thing.key]
            return None if any(a.action in actions.REMOVALS for a in removed) else change
        # The dashboard changes no stored secret (Gcore cannot): a difference is not its own.
        return change

    def described(self, change: Change) -> list[str]:
        facts = change.thing.facts
        if change.kind == "deleted":
            return ["deleted"]
        words = []
        if change.kind == "created":
            kind = LABELS.get(str(facts.get("type")), str(facts.get("type")))
            expires = _day(facts.get("expiration"))
            words.append(f"created ({kind.lower()}{f', expires {expires}' if expires else ''})")
        for difference in change.differences:
            if difference.fact == "expiration":
                before, after = _day(difference.before), _day(difference.after)
                words.append(f"expiration {before or 'none'} → {after or 'none'}")
            else:
                words.append(f"{difference.fact} {difference.before} → {difference.after}")
        return words

    def keys(self, change: Change) -> list[str]:
        return []  # a Gcore secret holds one payload, no keys

    def target_id(self, change: Change) -> str:
        return change.thing.key


def _day(value: object) -> str:
    if not isinstance(value, str):
        return ""
    try:
        return datetime.fromisoformat(value).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return value
