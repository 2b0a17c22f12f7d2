"""Which changes the dashboard made itself: those its own attempts on the thing account for.

An attempt counts from a while before the thing was last seen otherwise (`GRACE`): a change asked
for just before a listing may reach the provider only after it (Gcore's writes are tasks). An
attempt whose outcome says it failed changed nothing; one without an outcome, or `unknown`, may
have, and counts. An attempt settled (its outcome recorded) before the thing was last seen showed
in that listing already: it explains nothing found since (a set the dashboard created, deleted
and created again elsewhere is drift; so is a save elsewhere after one of the dashboard's).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q

from secretsadmin.audit.models import AuditEvent, Outcome
from secretsadmin.audit.selectors import RECONCILED

from .observe import Change

GRACE = timedelta(minutes=15)


@dataclass(frozen=True)
class Attempts:
    """The dashboard's attempts that may have changed something, oldest first, and when each
    settled one was settled (its outcome saying what happened), by sequence."""

    events: list[AuditEvent]
    settled: dict[int, datetime]


def attempts_since(provider: str, account: str, since: datetime) -> Attempts:
    """The dashboard's attempts on the account from `since` (less `GRACE`): two queries for a
    round's changes."""
    attempts = list(
        AuditEvent.objects.filter(
            provider=provider,
            account=account,
            outcome=Outcome.ATTEMPTED,
            time__gte=since - GRACE,
        )
        .exclude(outcomes__outcome=Outcome.FAILED)
        .only("sequence", "time", "action", "target", "target_id", "keys", "region")
        .order_by("sequence")
    )
    # Said what happened: not an outcome saying a Gcore task carries the change out still.
    said = Q(outcome__in=(Outcome.SUCCEEDED, Outcome.FAILED)) | Q(
        outcome=Outcome.UNKNOWN, error_code=RECONCILED
    )
    settled: dict[int, datetime] = {}
    outcomes = AuditEvent.objects.filter(said, attempt_id__in=[a.sequence for a in attempts])
    for attempt_id, time in outcomes.order_by("-sequence").values_list("attempt_id", "time"):
        if isinstance(time, datetime):
            settled[attempt_id] = time  # the first, written last
    return Attempts(attempts, settled)


def on(change: Change, attempts: Attempts) -> list[AuditEvent]:
    """Those of `attempts` on the changed thing that may have made the change: asked for since
    it was last seen (less GRACE), and not settled before then."""
    thing, since = change.thing, change.since
    return [
        attempt
        for attempt in attempts.events
        if (attempt.target == thing.name or attempt.target_id == thing.key)
        and isinstance(attempt.time, datetime)
        and attempt.time >= since - GRACE
        and not _settled_before(attempts, attempt, since)
    ]


def _settled_before(attempts: Attempts, attempt: AuditEvent, since: datetime) -> bool:
    settled = attempts.settled.get(attempt.sequence)
    return settled is not None and settled < since
