"""What the overview shows: whether each account answers and how its secrets stand (a Pipecat
Cloud account's sets by status and those not ready, a Gcore Cloud account's secrets and what
expires soonest), and the recent changes to secrets, as much of them as the person may see.

An account's state comes from the shared reads every page already makes (Pipecat's sets list,
`pipecat.selectors.list_sets`; each Gcore region's secrets, `gcore.selectors.account_secrets`):
the overview adds no call of its own to a provider.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone

from secretsadmin.accounts.roles import AnyUser, Role, has_role
from secretsadmin.audit import links
from secretsadmin.audit.models import AuditEvent, Outcome
from secretsadmin.audit.selectors import concluded, shown_outcome
from secretsadmin.core.provider_errors import describe_read, what_happened
from secretsadmin.gcore import actions as gcore_actions
from secretsadmin.gcore import selectors as gcore
from secretsadmin.gcore.facts import Expiry, expiry
from secretsadmin.gcore.listing import SECRETS, in_name_order
from secretsadmin.pipecat import actions as pipecat_actions
from secretsadmin.pipecat.selectors import list_sets
from secretsadmin.providers.gcore import GcoreError
from secretsadmin.providers.pipecat import PipecatError, SecretSet
from secretsadmin.providers.pipecat.models import Status

STATUSES: tuple[Status, ...] = ("ready", "pending", "failed")
ACTIVITY_DAYS = 7
RECENT = 5
NOT_READY_SHOWN = 5  # a card names this many of an account's sets that are not ready
SOONEST_SHOWN = 5  # and this many of an account's secrets that expire soonest
# A change sent to a provider is recorded as an attempt naming it (its outcome follows); other
# attempts (an export of the audit log) are not changes to secrets. One made with other tools is
# recorded by the watcher as observed.
CHANGES = Q(outcome=Outcome.ATTEMPTED) & ~Q(provider="")
OUTSIDE = Q(outcome=Outcome.OBSERVED)
# What each provider's changes did, in words: "eddie saved keys in voice-prod".
DONE = {**pipecat_actions.DONE, **gcore_actions.DONE}


@dataclass(frozen=True)
class AccountState:
    """One Pipecat Cloud account as its shared sets list shows it; `problem` says, in a
    sentence, why there is no list."""

    account: str
    counts: dict[Status, int]
    problem: str = ""
    provider_request_id: str = ""
    # Failed sets first, then pending, each in name order: the first NOT_READY_SHOWN of them.
    not_ready: tuple[SecretSet, ...] = ()

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def tally(self) -> list[tuple[Status, int]]:
        return [(status, self.counts.get(status, 0)) for status in STATUSES]

    @property
    def not_ready_more(self) -> int:
        """How many sets not ready the card does not name."""
        not_ready = self.counts.get("failed", 0) + self.counts.get("pending", 0)
        return not_ready - len(self.not_ready)


def pipecat_account(account: str) -> AccountState:
    try:
        sets = list_sets(account)
    except PipecatError as error:
        return AccountState(account, {}, describe_read(error), error.request_id)
    found = Counter(secret_set.status for secret_set in sets)
    failed = [s for s in sets if s.status == "failed"]
    pending = [s for s in sets if s.status == "pending"]
    return AccountState(
        account,
        {status: found[status] for status in STATUSES},
        not_ready=tuple([*failed, *pending][:NOT_READY_SHOWN]),
    )


@dataclass(frozen=True)
class Expiring:
    """A secret among those that expire soonest, as its card lists it."""

    name: str
    region: str
    expiry: Expiry
    url: str


@dataclass(frozen=True)
class GcoreState:
    """One Gcore Cloud account as its regions' shared lists show it. `unread` names the regions
    that could not be read (their secrets are not counted) and `unread_why` says what happened
    to the first; `problem` says, in a sentence, why none could."""

    account: str
    total: int = 0
    soonest: tuple[Expiring, ...] = ()  # the next to expire, the expired ones first
    unread: tuple[str, ...] = ()
    unread_why: str = ""
    problem: str = ""
    provider_request_id: str = ""


def gcore_account(account: str) -> GcoreState:
    try:
        found = gcore.account_secrets(account)
    except GcoreError as error:
        return GcoreState(
            account, problem=describe_read(error), provider_request_id=error.request_id
        )
    names = {region.id: region.display_name for region in found.regions}
    expiring = [s for s in in_name_order(found.secrets) if s.expiration is not None]
    # The list's own order, so that the card's first lines are the list's first rows.
    expiring.sort(key=SECRETS.sorts["expiry"].key)
    now = timezone.now()
    # Linked as the list links its rows: an id Gcore gives that the page's URL would not take
    # makes a link to a 404, not a server error here.
    prefix = reverse("gcore:secrets", args=[account])
    soonest = tuple(
        Expiring(
            name=secret.name,
            region=names.get(secret.region_id, f"Region {secret.region_id}"),
            expiry=expiry(secret.expiration, now),
            url=f"{prefix}{secret.region_id}/{secret.id}/",
        )
        for secret in expiring[:SOONEST_SHOWN]
    )
    unread = tuple(failure.region.display_name for failure in found.failures)
    first = found.failures[0].error if found.failures else None
    return GcoreState(
        account,
        total=len(found.secrets),
        soonest=soonest,
        unread=unread,
        unread_why=what_happened(first) if first else "",
        provider_request_id=first.request_id if first else "",
    )


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
    count: int  # through the dashboard
    outside: int  # made with other tools, as the watcher saw them
    changes: list[Change]  # the latest, either kind
    everyone: bool  # the changes listed are everyone's, not only the person's own


def activity(user: AnyUser) -> Activity | None:
    """What `user` may see of the recent changes; None for someone holding no role."""
    everyone = has_role(user, Role.AUDITOR)
    if not everyone and not has_role(user, Role.VIEWER):
        return None
    recent = _since(timezone.now() - timedelta(days=ACTIVITY_DAYS))
    ours, outside = recent.filter(CHANGES), recent.filter(OUTSIDE)
    if everyone:
        listed = _latest(recent.filter(CHANGES | OUTSIDE))
    elif has_role(user, Role.EDITOR):
        listed = _latest(ours.filter(actor_id=user.pk))
    else:
        listed = []
    return Activity(
        days=ACTIVITY_DAYS,
        count=ours.count(),
        outside=outside.count(),
        changes=listed,
        everyone=everyone,
    )


def _since(since: datetime) -> QuerySet[AuditEvent]:
    """The events from `since` on, found by sequence: the newest stretch of the index of
    outcomes, whatever the size of the log (the first event since then is found by time)."""
    first = AuditEvent.objects.filter(time__gte=since).order_by("time").values("sequence")[:1]
    return AuditEvent.objects.filter(sequence__gte=Subquery(first))


def _latest(changes: QuerySet[AuditEvent]) -> list[Change]:
    latest = AuditEvent.objects.filter(attempt=OuterRef("pk")).order_by("-sequence")
    rows = changes.annotate(
        concluded=concluded(), concluded_as=Subquery(latest.values("outcome")[:1])
    ).order_by("-sequence")[:RECENT]
    now = timezone.now()
    return [Change(row, row.concluded_as or shown_outcome(row, now)) for row in rows]
