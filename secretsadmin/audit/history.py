"""One thing's history as the log holds it: the changes made to it through the dashboard, and
those made with other tools as the watcher saw them (`observed`, from `drift`).

Read by the page of that thing (a secret set, say), so it must stay cheap however long the log:
a thing known by its name takes one query over the `target` index, newest first, and a second
only for a long history; one known by its id, two over the `target_id` and `attempt` indexes.
"""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from .fields import Unreadable
from .models import AuditEvent, Outcome
from .selectors import left_for_long

# The newest changes read at once; a history longer than this asks once more for its first.
RECENT = 50
FIELDS = ("sequence", "time", "action", "actor_username", "auth_method", "observed")


@dataclass(frozen=True)
class Change:
    time: datetime | Unreadable
    action: str
    username: str
    auth_method: str  # how the person had signed in
    # A change made outside the dashboard: what the watcher saw ({"changes", "by"}); else None.
    observed: dict[str, object] | None = None

    @classmethod
    def of(cls, event: AuditEvent) -> "Change":
        return cls(
            event.time, event.action, event.actor_username, event.auth_method, event.observed
        )


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
    changes: Collection[str] | None = None,
    observed: str = "",
) -> History:
    """The changes that succeeded on `target`, or were observed made elsewhere, since the last of
    the `removals` (a thing of that name deleted and created again starts afresh).
    `provisionings` are the actions after which the provider provisions the thing anew (so it is
    pending since); `changes`, when given, the only actions that change the thing (not an
    operation it is merely the subject of, nor a change to another thing of the same name);
    `observed`, the action of the changes made elsewhere, whose deletions are removals too."""
    succeeded = AuditEvent.objects.filter(
        provider=provider,
        account=account,
        target=target,
        outcome__in=(Outcome.SUCCEEDED, Outcome.OBSERVED),
    )
    if changes is not None:
        succeeded = succeeded.filter(action__in=changes)
    removal = Q(action__in=removals)
    if observed:
        removal |= Q(action=observed, observed__change="deleted")
    removed = succeeded.filter(removal).order_by("-sequence").values("sequence")[:1]
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


@dataclass(frozen=True)
class Entry:
    """One change as its page lists it: the attempt (or a lone event, a refusal say) and what
    came of it."""

    sequence: int  # the attempt's: its page in the audit log
    time: datetime | Unreadable  # when it was asked for
    action: str
    username: str
    auth_method: str
    outcome: str  # the latest outcome; `unknown` for an attempt left without one for long
    message: str  # what the latest outcome said, when it did not succeed
    observed: dict[str, object] | None = None  # as `Change.observed`


def changes_by_id(
    provider: str, account: str, target_id: str, *, limit: int = RECENT
) -> list[Entry]:
    """The changes to the thing with this id, newest first, at most `limit`: the events naming it,
    and the attempts whose outcome named it (a create learns the id of what it made only once
    the provider has made it)."""
    naming = AuditEvent.objects.filter(provider=provider, account=account, target_id=target_id)
    # A change holds a few events (its attempt, an outcome while the provider works, the final
    # one): this many of the newest naming the thing hold its `limit` newest changes.
    newest = naming.order_by("-sequence").values_list("sequence", "attempt_id")[: limit * 4]
    starts = {attempt_id or sequence for sequence, attempt_id in newest}
    events = AuditEvent.objects.filter(Q(sequence__in=starts) | Q(attempt_id__in=starts)).only(
        *FIELDS, "attempt_id", "outcome", "error_message"
    )
    latest: dict[int, AuditEvent] = {}
    firsts: dict[int, AuditEvent] = {}
    for event in events.order_by("sequence"):
        if event.attempt_id is None:
            firsts[event.sequence] = event
        else:
            latest[event.attempt_id] = event
    now = timezone.now()
    entries = []
    for sequence in sorted(firsts, reverse=True)[:limit]:
        first = firsts[sequence]
        last = latest.get(sequence, first)
        outcome = last.outcome
        if outcome == Outcome.ATTEMPTED and left_for_long(first.time, now):
            outcome = Outcome.UNKNOWN
        entries.append(
            Entry(
                sequence=sequence,
                time=first.time,
                action=first.action,
                username=first.actor_username,
                auth_method=first.auth_method,
                outcome=outcome,
                message="" if outcome == Outcome.SUCCEEDED else last.error_message,
                observed=first.observed,
            )
        )
    return entries
