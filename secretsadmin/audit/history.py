"""One thing's history as the log holds it: the changes made to it through the dashboard.

Read by the page of that thing (a secret set, say), so it must stay cheap however long the log:
one query over the `target` index, newest first, and a second only for a long history.
"""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Subquery, Value
from django.db.models.functions import Coalesce

from .models import AuditEvent, Outcome

# The newest changes read at once; a history longer than this asks once more for its first.
RECENT = 50
FIELDS = ("sequence", "time", "action", "actor_username", "auth_method")


@dataclass(frozen=True)
class Change:
    time: datetime
    action: str
    username: str
    auth_method: str  # how the person had signed in

    @classmethod
    def of(cls, event: AuditEvent) -> "Change":
        return cls(event.time, event.action, event.actor_username, event.auth_method)


@dataclass(frozen=True)
class History:
    first: Change | None  # since the thing was last removed
    last: Change | None
    last_provisioning: Change | None  # the last change that set it provisioning again


def changes_to(
    provider: str,
    account: str,
    target: str,
    *,
    removals: Collection[str],
    provisionings: Collection[str],
) -> History:
    """The changes that succeeded on `target` since the last of the `removals` (a thing of that
    name deleted and created again starts afresh). `provisionings` are the actions after which
    the provider provisions the thing anew (so it is pending since)."""
    succeeded = AuditEvent.objects.filter(
        provider=provider, account=account, target=target, outcome=Outcome.SUCCEEDED
    )
    removed = succeeded.filter(action__in=removals).order_by("-sequence").values("sequence")[:1]
    since = succeeded.filter(sequence__gt=Coalesce(Subquery(removed), Value(0))).only(*FIELDS)
    recent = list(since.order_by("-sequence")[:RECENT])
    if not recent:
        return History(None, None, None)
    first = recent[-1] if len(recent) < RECENT else since.order_by("sequence").first()
    provisioning = next((e for e in recent if e.action in provisionings), None)
    return History(
        first=Change.of(first) if first else None,
        last=Change.of(recent[0]),
        last_provisioning=Change.of(provisioning) if provisioning else None,
    )
