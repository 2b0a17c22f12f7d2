"""What the overview shows: whether each Pipecat Cloud account answers and how its sets stand,
and the recent changes to secrets, as much of them as the person may see.

An account's state comes from the shared sets list (`pipecat.selectors.list_sets`), which every
page and badge already reads: the overview adds no call of its own to the provider. Gcore Cloud's
card will add what expires soonest the same way, from the Gcore selectors, once they exist.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from secretsadmin.accounts.roles import AnyUser, Role, has_role
from secretsadmin.audit import links
from secretsadmin.audit.models import AuditEvent, Outcome
from secretsadmin.audit.selectors import concluded, shown_outcome
from secretsadmin.core.provider_errors import describe_read
from secretsadmin.pipecat import actions as pipecat_actions
from secretsadmin.pipecat.selectors import list_sets
from secretsadmin.providers.pipecat import PipecatError
from secretsadmin.providers.pipecat.models import Status

STATUSES: tuple[Status, ...] = ("ready", "pending", "failed")
ACTIVITY_DAYS = 7
RECENT = 5
# A change sent to a provider is recorded as an attempt naming it (its outcome follows); other
# attempts (an export of the audit log) are not changes to secrets.
CHANGES = Q(outcome=Outcome.ATTEMPTED) & ~Q(provider="")
# What each provider's changes did, in words: "eddie saved keys in voice-prod".
DONE = {**pipecat_actions.DONE}


@dataclass(frozen=True)
class AccountState:
    """One Pipecat Cloud account as its shared sets list shows it; `problem` says, in a
    sentence, why there is no list."""

    account: str
    counts: dict[Status, int]
    problem: str = ""
    provider_request_id: str = ""

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def tally(self) -> list[tuple[Status, int]]:
        return [(status, self.counts.get(status, 0)) for status in STATUSES]


def pipecat_account(account: str) -> AccountState:
    try:
        sets = list_sets(account)
    except PipecatError as error:
        return AccountState(account, {}, describe_read(error), error.request_id)
    found = Counter(secret_set.status for secret_set in sets)
    return AccountState(account, {status: found[status] for status in STATUSES})


@dataclass(frozen=True)
class Change:
    """A change sent to a provider, as the audit log tells it: its attempt, and the outcome to
    show (the latest that concluded it, or what its waiting means)."""

    attempt: AuditEvent
    outcome: str

    @property
    def done(self) -> str:
        return DONE.get(self.attempt.action, self.attempt.action)

    @property
    def target_url(self) -> str:
        """The page of what the change names, as the audit log links it ("" for none)."""
        return links.target_url(self.attempt)


@dataclass(frozen=True)
class Activity:
    """Recent changes for one person. The audit log says who changed what, from where: only
    those who may read it see everyone's changes (each linked to its event). Anyone else sees
    how many there were, which names nobody, and their own, which they made themselves."""

    days: int
    count: int
    changes: list[Change]
    everyone: bool  # the changes listed are everyone's, not only the person's own


def activity(user: AnyUser) -> Activity | None:
    """What `user` may see of the recent changes; None for someone holding no role."""
    everyone = has_role(user, Role.AUDITOR)
    if not everyone and not has_role(user, Role.VIEWER):
        return None
    recent = _changes_since(timezone.now() - timedelta(days=ACTIVITY_DAYS))
    if everyone:
        listed = _latest(recent)
    elif has_role(user, Role.EDITOR):
        listed = _latest(recent.filter(actor_id=user.pk))
    else:
        listed = []
    return Activity(days=ACTIVITY_DAYS, count=recent.count(), changes=listed, everyone=everyone)


def _changes_since(since: datetime) -> QuerySet[AuditEvent]:
    """The changes from `since` on, found by sequence: the newest stretch of the index of
    outcomes, whatever the size of the log (the first event since then is found by time)."""
    first = AuditEvent.objects.filter(time__gte=since).order_by("time").values("sequence")[:1]
    return AuditEvent.objects.filter(CHANGES, sequence__gte=Subquery(first))


def _latest(changes: QuerySet[AuditEvent]) -> list[Change]:
    latest = AuditEvent.objects.filter(attempt=OuterRef("pk")).order_by("-sequence")
    rows = changes.annotate(
        concluded=concluded(), concluded_as=Subquery(latest.values("outcome")[:1])
    ).order_by("-sequence")[:RECENT]
    now = timezone.now()
    return [Change(row, row.concluded_as or shown_outcome(row, now)) for row in rows]
