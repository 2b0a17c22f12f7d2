"""Reading the audit log: filtered, newest first, a page at a time."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TypedDict

from django.db import connections
from django.db.models import Exists, F, Func, OuterRef, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from . import actions
from .fields import Unreadable
from .models import AuditEvent, Outcome

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

PAGE_SIZE = 50
# An attempt this old without an outcome is shown as `unknown`: the request that made it is over.
UNKNOWN_AFTER = timedelta(minutes=15)
RECONCILED = "reconciled"  # error_code of an outcome concluded by the reconcile step
TEXT_FIELDS = (
    "action",
    "actor_username",
    "actor_email",
    "account",
    "target",
    "target_id",
    "error_code",
    "error_message",
    "reason",
    "keys_text",
)
# Joins the searched fields into the one text that PostgreSQL's trigram index covers (migration
# 0003). A search for text without it matches that text exactly when it matches a field.
SEPARATOR = "\x1f"


class SearchText(Func):
    """Every searched field in one text, as indexed by migration 0003 (PostgreSQL only): keep
    the two identical, or the index no longer serves the search (a test checks the plan)."""

    template = "(%(expressions)s)"
    arg_joiner = " || E'\\x1f' || "
    output_field = TextField()

    def __init__(self) -> None:
        fields = [F(name) for name in TEXT_FIELDS if name != "keys_text"]
        super().__init__(*fields, Cast("keys", TextField()))


class Concluded(TypedDict):
    concluded: bool  # the `concluded()` annotation


def concluded() -> Exists:
    return Exists(AuditEvent.objects.filter(attempt=OuterRef("pk")))


def _pending(older_than: timedelta) -> Q:
    # Settled: an outcome that says what happened, or the reconcile step's own verdict.
    settled = AuditEvent.objects.filter(attempt=OuterRef("pk")).filter(
        ~Q(outcome=Outcome.UNKNOWN) | Q(error_code=RECONCILED)
    )
    return Q(~Exists(settled), outcome=Outcome.ATTEMPTED, time__lt=timezone.now() - older_than)


def pending_attempts(older_than: timedelta = UNKNOWN_AFTER) -> QuerySet[AuditEvent]:
    """Attempts whose outcome is still unknown after `older_than`, oldest first: left without
    one (a crash), or concluded `unknown` (a timeout, a 5xx: the change may have been made).

    This is the reconcile step's work list: reading each provider's state and concluding these
    attempts needs the provider clients. A verdict it gives is marked `error_code=RECONCILED`,
    so an attempt whose state cannot tell either way is looked at once, not on every run.
    """
    return AuditEvent.objects.filter(_pending(older_than)).order_by("sequence")


def events(
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    actor: str = "",
    action: str = "",
    provider: str = "",
    account: str = "",
    target: str = "",
    outcome: str = "",
    request_id: str = "",
    q: str = "",
) -> QuerySet[AuditEvent]:
    """Events matching every filter given; exact matches, so each one can use its index. An
    `action` may be a name's beginning (`pipecat`): it selects the names `actions.matching`."""
    found: QuerySet[AuditEvent] = AuditEvent.objects.order_by("-sequence")
    if since:
        found = found.filter(time__gte=since)
    if until:
        found = found.filter(time__lt=until)
    if actor:
        found = found.filter(Q(actor_username=actor) | Q(actor_email=actor))
    if target:
        found = found.filter(Q(target=target) | Q(target_id=target))
    if action:
        found = found.filter(action__in=actions.matching(action, actions.held(found.db)))
    exact = {"provider": provider, "account": account, "request_id": request_id}
    found = found.filter(**{name: value for name, value in exact.items() if value})
    if outcome == Outcome.UNKNOWN:
        found = found.filter(Q(outcome=Outcome.UNKNOWN) | _pending(UNKNOWN_AFTER))
    elif outcome:
        found = found.filter(outcome=outcome)
    if q:
        found = _search(found, q)
    return found


def _search(found: QuerySet[AuditEvent], q: str) -> QuerySet[AuditEvent]:
    """Events with `q` in any of TEXT_FIELDS, ignoring case.

    On PostgreSQL one `icontains` over SearchText, which the trigram index serves: a rare text
    is found without reading the log. It matches the same events as the OR below, since `q`
    cannot span two fields without holding the separator (a `q` holding it takes the OR). On
    SQLite, newest first, the OR stops at the first page of hits (fast enough there).
    """
    if connections[found.db].vendor == "postgresql" and SEPARATOR not in q:
        return found.alias(search_text=SearchText()).filter(search_text__icontains=q)
    return found.alias(keys_text=Cast("keys", TextField())).filter(
        Q.create([(f"{name}__icontains", q) for name in TEXT_FIELDS], connector=Q.OR)
    )


@dataclass(frozen=True)
class Page:
    events: Sequence[AuditEvent]
    newer: int | None  # pass as `after` to see the events just newer than this page
    older: int | None  # pass as `before` to see the events just older


def page(
    found: QuerySet[AuditEvent],
    *,
    before: int | None = None,
    after: int | None = None,
    size: int = PAGE_SIZE,
) -> Page:
    """One page, found by keyset on the sequence: no OFFSET, no COUNT, at any depth."""
    annotated = found.annotate(concluded=concluded())
    rows: list[WithAnnotations[AuditEvent, Concluded]]
    if after is not None:
        rows = list(annotated.filter(sequence__gt=after).order_by("sequence")[: size + 1])
        more_newer = len(rows) > size
        rows = rows[:size][::-1]
        more_older = bool(rows) and found.filter(sequence__lt=rows[-1].sequence).exists()
    else:
        if before is not None:
            annotated = annotated.filter(sequence__lt=before)
        rows = list(annotated.order_by("-sequence")[: size + 1])
        more_older = len(rows) > size
        rows = rows[:size]
        more_newer = bool(rows) and found.filter(sequence__gt=rows[0].sequence).exists()
    now = timezone.now()
    for event in rows:
        event.shown_outcome = shown_outcome(event, now)
    return Page(
        events=rows,
        newer=rows[0].sequence if more_newer else None,
        older=rows[-1].sequence if more_older else None,
    )


def shown_outcome(event: "WithAnnotations[AuditEvent, Concluded]", now: datetime) -> str:
    """The outcome to show: an attempt left without one for long is `unknown`, not `attempted`."""
    waiting = event.outcome == Outcome.ATTEMPTED and not event.concluded
    if waiting and left_for_long(event.time, now):
        return Outcome.UNKNOWN
    return event.outcome


def left_for_long(asked: datetime | Unreadable, now: datetime) -> bool:
    """Whether an attempt asked for at `asked` has waited UNKNOWN_AFTER for its outcome: the
    request that made it is over. A time that cannot be read is no sign of one still running."""
    return not isinstance(asked, datetime) or now - asked > UNKNOWN_AFTER


def event(sequence: int) -> "WithAnnotations[AuditEvent, Concluded] | None":
    """One event, with its `concluded()` annotation."""
    every: QuerySet[AuditEvent] = AuditEvent.objects.all()
    return every.annotate(concluded=concluded()).filter(sequence=sequence).first()


def head() -> AuditEvent | None:
    """The newest event: its hash, kept elsewhere, vouches for everything before it."""
    return AuditEvent.objects.order_by("-sequence").only("sequence", "hash", "time").first()
