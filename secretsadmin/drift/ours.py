"""Which changes the dashboard made itself: those its own attempts on the thing account for.

An attempt counts from a while before the thing was last seen otherwise (`GRACE`): a change asked
for just before a listing may reach the provider only after it (Gcore's writes are tasks). An
attempt whose outcome says it failed changed nothing; one without an outcome, or `unknown`, may
have, and counts. An attempt settled (its outcome recorded) before the thing was last seen showed
in that listing already: it explains nothing found since (a set the dashboard created, deleted
and created again elsewhere is drift; so is a save elsewhere after one of the dashboard's).
"""

from datetime import datetime, timedelta

from django.db.models import OuterRef, Q, Subquery

from secretsadmin.audit.models import AuditEvent, Outcome
from secretsadmin.audit.selectors import RECONCILED

from .observe import Change

GRACE = timedelta(minutes=15)


def attempts_since(provider: str, account: str, since: datetime) -> list[AuditEvent]:
    """The dashboard's attempts on the account from `since` (less `GRACE`) that may have
    changed something, oldest first, each with when it was settled (`settled_at`, None while
    open): one query for a round's changes."""
    # Said what happened: not an outcome saying a Gcore task carries the change out still.
    said = Q(outcome__in=(Outcome.SUCCEEDED, Outcome.FAILED)) | Q(
        outcome=Outcome.UNKNOWN, error_code=RECONCILED
    )
    settled = AuditEvent.objects.filter(said, attempt=OuterRef("pk")).order_by("sequence")
    return list(
        AuditEvent.objects.filter(
            provider=provider,
            account=account,
            outcome=Outcome.ATTEMPTED,
            time__gte=since - GRACE,
        )
        .exclude(outcomes__outcome=Outcome.FAILED)
        .annotate(settled_at=Subquery(settled.values("time")[:1]))
        .only("sequence", "time", "action", "target", "target_id", "keys", "region")
        .order_by("sequence")
    )


def on(change: Change, attempts: list[AuditEvent]) -> list[AuditEvent]:
    """Those of `attempts` on the changed thing that may have made the change: asked for since
    it was last seen (less GRACE), and not settled before then."""
    thing, since = change.thing, change.since
    return [
        attempt
        for attempt in attempts
        if (attempt.target == thing.name or attempt.target_id == thing.key)
        and isinstance(attempt.time, datetime)
        and attempt.time >= since - GRACE
        and not _settled_before(attempt, since)
    ]


def _settled_before(attempt: AuditEvent, since: datetime) -> bool:
    settled = getattr(attempt, "settled_at", None)
    return isinstance(settled, datetime) and settled < since
