"""Reading the audit log: filtered, newest first, a page at a time, at any size of log.

A filtered read is a `Selection`, read by keyset on the sequence through indexes that yield each
filter's events in order, so that a page stops at a page of matches (see `Selection`).
"""

import heapq
import operator
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import reduce
from typing import TYPE_CHECKING, TypedDict

from django.db import connections
from django.db.models import Exists, F, Func, OuterRef, Q, QuerySet, TextField
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from . import actions
from .fields import Unreadable
from .models import TIME_BLOCK, AuditEvent, OpenAttempt, Outcome, TimeBlock

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

PAGE_SIZE = 50
WINDOW = 500  # events read at a time when reading a whole selection
Span = tuple[int, int]  # sequences from, to (both included)
# An attempt this old without an outcome is shown as `unknown`: the request that made it is over.
UNKNOWN_AFTER = timedelta(minutes=15)
RECONCILED = "reconciled"  # error_code of an outcome concluded by the reconcile step
# error_code of the outcome an operation in steps records as it starts: it runs for longer than
# a request and ends with an outcome of its own, so it is not the reconcile step's to settle.
OPERATION_RUNNING = "operation_running"
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
# SQLite's trigram table (migration 0006), read TEXT_WINDOW events at a time, up to TEXT_WINDOWS
# windows: a text found less often among the other filters' events is checked on those instead.
TRIGRAMS = "audit_search"
TEXT_WINDOW = 2000
TEXT_WINDOWS = 4
NAMED = "SELECT rowid FROM audit_search WHERE audit_search MATCH %s AND rowid BETWEEN %s AND %s"
NEWEST_NAMED = NAMED + " ORDER BY rowid DESC LIMIT %s"
OLDEST_NAMED = NAMED + " ORDER BY rowid ASC LIMIT %s"
LAST = 2**63 - 1  # the greatest sequence


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
    # Settled: an outcome that says what happened, or the reconcile step's own verdict (or, for
    # an operation in steps, that it runs: it concludes itself).
    settled = AuditEvent.objects.filter(attempt=OuterRef("pk")).filter(
        ~Q(outcome=Outcome.UNKNOWN) | Q(error_code__in=(RECONCILED, OPERATION_RUNNING))
    )
    return Q(~Exists(settled), outcome=Outcome.ATTEMPTED, time__lt=timezone.now() - older_than)


def _open_too_long() -> Q:
    """The attempts `unknown` shows: pending for UNKNOWN_AFTER, among the few still open."""
    return _pending(UNKNOWN_AFTER) & Q(sequence__in=OpenAttempt.objects.values("sequence"))


def pending_attempts(older_than: timedelta = UNKNOWN_AFTER) -> QuerySet[AuditEvent]:
    """Attempts whose outcome is still unknown after `older_than`, oldest first: left without
    one (a crash), or concluded `unknown` (a timeout, a 5xx: the change may have been made).

    This is the reconcile step's work list: reading each provider's state and concluding these
    attempts needs the provider clients. It reads the log itself (not OpenAttempt, which only
    speeds the review page's filter). A verdict it gives is marked `error_code=RECONCILED`,
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
    operation: int | None = None,
) -> "Selection":
    """Events matching every filter given; exact matches, so each one can use its index. An
    `action` may be a name's beginning (`pipecat`): it selects the names `actions.matching`;
    an `operation`, the sequence of an operation's attempt, selects it and its steps' events.
    Read them by `page`, by `Selection.every` (an export) or by iterating (newest first)."""
    every: QuerySet[AuditEvent] = AuditEvent.objects.all()
    using = every.db
    terms = Q()
    if since or until:
        # Not through the time index, which would have every event of the range read and
        # sorted: the blocks' sequences narrow it, walked in order (`spans`).
        every = every.alias(clock=Coalesce("time", "time"))
    if since:
        terms &= Q(clock__gte=since)
    if until:
        terms &= Q(clock__lt=until)
    # Each filter that an event meets in one of several ways, the likeliest to be rare first.
    either: list[list[Q]] = []
    if operation:
        # The operation's own outcomes name it too (`rollouts.services` records them so).
        either.append([Q(sequence=operation), Q(operation_id=operation)])
    if target:
        either.append([Q(target=target), Q(target_id=target)])
    if actor:
        either.append([Q(actor_username=actor), Q(actor_email=actor)])
    if action:
        either.append([Q(action=name) for name in actions.matching(action, actions.held(using))])
    exact = {"provider": provider, "account": account, "request_id": request_id}
    terms &= Q(**{name: value for name, value in exact.items() if value})
    if outcome == Outcome.UNKNOWN:
        either.append([Q(outcome=Outcome.UNKNOWN), _open_too_long()])
    elif outcome:
        terms &= Q(outcome=outcome)
    trigram_text = ""
    if q:
        every = _search(every, q)
        trigram_text = q if len(q) >= 3 and SEPARATOR not in q and _trigram_table(using) else ""
    split, *rest = either or [[Q()]]
    for ways in rest:
        terms &= reduce(operator.or_, ways) if ways else Q(pk=None)  # no way: no event
    return Selection(
        arms=tuple(every.filter(terms & way) for way in split),
        spans=spans(since, until, using) if since or until else None,
        text=trigram_text,
    )


def _search(found: QuerySet[AuditEvent], q: str) -> QuerySet[AuditEvent]:
    """Events with `q` in any of TEXT_FIELDS, ignoring case.

    On PostgreSQL one `icontains` over SearchText, which the trigram index serves: a rare text
    is found without reading the log. It matches the same events as the OR below, since `q`
    cannot span two fields without holding the separator (a `q` holding it takes the OR). On
    SQLite the OR, over the events that the trigram table names first (Selection._named).
    """
    if connections[found.db].vendor == "postgresql" and SEPARATOR not in q:
        return found.alias(search_text=SearchText()).filter(search_text__icontains=q)
    return found.alias(keys_text=Cast("keys", TextField())).filter(
        Q.create([(f"{name}__icontains", q) for name in TEXT_FIELDS], connector=Q.OR)
    )


def _trigram_table(using: str) -> bool:
    """Whether SQLite's trigram table of migration 0006 exists (its SQLite may lack FTS5)."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", [TRIGRAMS])
        return cursor.fetchone() is not None


def spans(since: datetime | None, until: datetime | None, using: str) -> tuple[Span, ...]:
    """The stretches of sequence that can hold events of [since, until): the blocks whose times
    overlap it, adjacent ones joined. An event recorded with a clock running late widens its
    block's times, so it is still found, at the cost of that block being read."""
    blocks = TimeBlock.objects.using(using)
    if since:
        blocks = blocks.filter(latest__gte=since)
    if until:
        blocks = blocks.filter(earliest__lt=until)
    found: list[Span] = []
    for block in blocks.order_by("block").values_list("block", flat=True):
        low, high = block * TIME_BLOCK, (block + 1) * TIME_BLOCK - 1
        if found and found[-1][1] == low - 1:
            found[-1] = (found[-1][0], high)
        else:
            found.append((low, high))
    return tuple(found)


@dataclass(frozen=True)
class Selection:
    """The events matching a review's filters, read by keyset on the sequence, `size` at a time
    from either end or from a cursor: no OFFSET, no COUNT, at any depth.

    An index walks one filter's events in order of sequence, and stops once it has read enough,
    but no index walks an OR in that order (an actor's name or email, a target's name or id, an
    action family's names, `unknown`): so the selection is a union of arms, each an AND that
    one index walks, read apart and merged. A time filter confines the arms to its `spans`. On
    SQLite a text is first looked up in the trigram table (`text`, see `_named`).
    """

    arms: tuple[QuerySet[AuditEvent], ...]
    spans: tuple[Span, ...] | None = None  # None: the whole log
    text: str = ""

    def newest(self, size: int, before: int | None = None) -> list[int]:
        """The sequences of the `size` newest events (older than `before`), newest first."""
        return self._read(size, before, descending=True)

    def oldest(self, size: int, after: int | None = None) -> list[int]:
        """The sequences of the `size` oldest events (newer than `after`), oldest first."""
        return self._read(size, after, descending=False)

    def through(self, last: int) -> "Selection":
        """The same events, up to the sequence `last`."""
        return replace(self, arms=tuple(arm.filter(sequence__lte=last) for arm in self.arms))

    def walks(
        self,
        size: int,
        low: int | None,
        high: int | None,
        *,
        descending: bool = True,
        among: Sequence[int] | None = None,
    ) -> list[QuerySet[AuditEvent, int]]:
        """The queries that read the first `size` sequences of each arm in [low, high] (and
        `among` these, if given)."""
        bounds = Q() if among is None else Q(sequence__in=among)
        if low is not None:
            bounds &= Q(sequence__gte=low)
        if high is not None:
            bounds &= Q(sequence__lte=high)
        order = "-sequence" if descending else "sequence"
        return [
            arm.filter(bounds).order_by(order).values_list("sequence", flat=True)[:size]
            for arm in self.arms
        ]

    def every(self, *, first: int, most: int) -> Iterator[int]:
        """Every event's sequence, oldest first: each arm read apart, `first` at a time and then
        more, up to `most`, and merged as they come; an arm read to its end is not read again."""

        def arm_by_arm(arm: QuerySet[AuditEvent]) -> Iterator[int]:
            alone, after, size = replace(self, arms=(arm,)), None, first
            while True:
                batch = alone.oldest(size, after)
                yield from batch
                if len(batch) < size:
                    return
                after, size = batch[-1], min(size * 4, most)

        last = None
        for sequence in heapq.merge(*(arm_by_arm(arm) for arm in self.arms)):
            if sequence != last:  # an event two arms hold
                yield sequence
            last = sequence

    def __iter__(self) -> Iterator[AuditEvent]:
        """Every event, newest first."""
        before = None
        while keys := self.newest(WINDOW, before):
            yield from AuditEvent.objects.filter(sequence__in=keys).order_by("-sequence")
            before = keys[-1]

    def _read(self, size: int, cursor: int | None, *, descending: bool) -> list[int]:
        found: list[int] = []
        for low, high in self._stretches(cursor, descending=descending):
            if self.text:
                found += self._named(size - len(found), low, high, descending=descending)
            else:
                found += self._merged(size - len(found), low, high, descending=descending)
            if len(found) >= size:
                break
        return found

    def _stretches(
        self, cursor: int | None, *, descending: bool
    ) -> Iterator[tuple[int | None, int | None]]:
        """The stretches to read, in reading order, each cut at the cursor (itself excluded)."""
        stretches: Sequence[tuple[int | None, int | None]] = (
            [(None, None)] if self.spans is None else self.spans
        )
        for low, high in reversed(stretches) if descending else stretches:
            if cursor is not None and descending:
                high = cursor - 1 if high is None else min(high, cursor - 1)
            elif cursor is not None:
                low = cursor + 1 if low is None else max(low, cursor + 1)
            if low is None or high is None or low <= high:
                yield low, high

    def _merged(
        self,
        size: int,
        low: int | None,
        high: int | None,
        *,
        descending: bool,
        among: Sequence[int] | None = None,
    ) -> list[int]:
        if size <= 0:
            return []
        found: set[int] = set()
        for walk in self.walks(size, low, high, descending=descending, among=among):
            found.update(walk)
        return sorted(found, reverse=descending)[:size]

    def _named(
        self, size: int, low: int | None, high: int | None, *, descending: bool
    ) -> list[int]:
        """Reads [low, high] for a text: among the events the trigram table names for it, a
        window at a time, which finds a rare text at once wherever it is. A text so common that
        windows of it hold too few of the other filters' events is checked on those events
        instead, as they come."""
        found: list[int] = []
        for _ in range(TEXT_WINDOWS if size > 0 else 0):
            named = _trigram_matches(self.text, TEXT_WINDOW, low, high, descending=descending)
            found += self._merged(size - len(found), low, high, descending=descending, among=named)
            if len(found) >= size or len(named) < TEXT_WINDOW:
                return found
            if descending:
                high = named[-1] - 1
            else:
                low = named[-1] + 1
        return found + self._merged(size - len(found), low, high, descending=descending)


def _trigram_matches(
    text: str, size: int, low: int | None, high: int | None, *, descending: bool
) -> list[int]:
    """The first `size` sequences in [low, high] (in reading order) whose events hold every
    trigram of `text`: all those that hold the text, and maybe a few more."""
    grams = dict.fromkeys(text[n : n + 3] for n in range(len(text) - 2))
    match = " AND ".join('"' + gram.replace('"', '""') + '"' for gram in grams)
    bounds = [0 if low is None else low, LAST if high is None else high]
    with connections[AuditEvent.objects.db].cursor() as cursor:
        cursor.execute(NEWEST_NAMED if descending else OLDEST_NAMED, [match, *bounds, size])
        return [row[0] for row in cursor.fetchall()]


@dataclass(frozen=True)
class Page:
    events: Sequence[AuditEvent]
    newer: int | None  # pass as `after` to see the events just newer than this page
    older: int | None  # pass as `before` to see the events just older


def page(
    found: Selection,
    *,
    before: int | None = None,
    after: int | None = None,
    size: int = PAGE_SIZE,
) -> Page:
    """One page, found by keyset on the sequence: no OFFSET, no COUNT, at any depth."""
    if after is not None:
        keys = found.oldest(size + 1, after)
        more_newer = len(keys) > size
        keys = keys[:size][::-1]
        more_older = bool(keys) and bool(found.newest(1, keys[-1]))
    else:
        keys = found.newest(size + 1, before)
        more_older = len(keys) > size
        keys = keys[:size]
        more_newer = bool(keys) and bool(found.oldest(1, keys[0]))
    every: QuerySet[AuditEvent] = AuditEvent.objects.filter(sequence__in=keys)
    rows: list[WithAnnotations[AuditEvent, Concluded]]
    rows = list(every.annotate(concluded=concluded()).order_by("-sequence"))
    now = timezone.now()
    for event in rows:
        event.shown_outcome = shown_outcome(event, now)
    return Page(
        events=rows,
        newer=keys[0] if more_newer else None,
        older=keys[-1] if more_older else None,
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


@dataclass(frozen=True)
class Step:
    """A step of an operation: its attempt and the latest outcome recorded for it (None yet)."""

    attempt: AuditEvent
    outcome: AuditEvent | None


STEPS_SHOWN = 500


def steps_of(operation: AuditEvent) -> list[Step]:
    """The steps of the operation whose attempt is `operation`, in the order they were tried
    (the first STEPS_SHOWN), each with its latest outcome."""
    attempts = list(
        AuditEvent.objects.filter(
            operation_id=operation.sequence, outcome=Outcome.ATTEMPTED
        ).order_by("sequence")[:STEPS_SHOWN]
    )
    outcomes = AuditEvent.objects.filter(attempt_id__in=[a.sequence for a in attempts])
    latest = {outcome.attempt_id: outcome for outcome in outcomes.order_by("sequence")}
    return [Step(attempt, latest.get(attempt.sequence)) for attempt in attempts]


def head() -> AuditEvent | None:
    """The newest event: its hash, kept elsewhere, vouches for everything before it."""
    return AuditEvent.objects.order_by("-sequence").only("sequence", "hash", "time").first()
