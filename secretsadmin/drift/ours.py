"""Which changes the dashboard made itself: those its own attempts on the thing account for.

An attempt counts from a while before the thing was last seen otherwise (`GRACE`): a change asked
for just before a listing may reach the provider only after it (Gcore's writes are tasks). An
attempt whose outcome says it failed changed nothing; one without an outcome, or `unknown`, may
have, and counts.
"""

from datetime import timedelta

from django.db.models import Q

from secretsadmin.audit.models import AuditEvent, Outcome

from .observe import Change

GRACE = timedelta(minutes=15)


def attempts_on(provider: str, account: str, change: Change) -> list[AuditEvent]:
    """The dashboard's attempts that may have made `change`, oldest first."""
    thing = change.thing
    return list(
        AuditEvent.objects.filter(
            Q(target=thing.name) | Q(target_id=thing.key),
            provider=provider,
            account=account,
            outcome=Outcome.ATTEMPTED,
            time__gte=change.since - GRACE,
        )
        .exclude(outcomes__outcome=Outcome.FAILED)
        .only("sequence", "action", "target", "target_id", "keys", "region")
        .order_by("sequence")
    )
