"""Drift as an alert: each change the watcher saw made outside the dashboard (an `observed`
event of the audit log) raises one, once; the log names the provider, the account and the thing,
so this needs no provider of its own."""

from datetime import datetime, timedelta

from secretsadmin.audit.models import AuditEvent, Outcome

from . import kinds
from .models import Alert
from .services import raise_alert

# Events this recent are looked at each round: a round missed (the watcher down for a day) still
# raises those of its time, and older ones are never sent late.
LOOKBACK = timedelta(days=1)


def raise_for_changes(now: datetime) -> int:
    """Raises an alert for each recent observed event not raised yet; returns how many."""
    found = AuditEvent.objects.filter(outcome=Outcome.OBSERVED, time__gte=now - LOOKBACK)
    # Those raised already, in one query: a busy day's events are not each asked about again.
    raised_for = Alert.objects.filter(
        kind=kinds.DRIFT, threshold__startswith="#", raised_at__gte=now - 2 * LOOKBACK
    )
    done = {int(t[1:]) for t in raised_for.values_list("threshold", flat=True) if t[1:].isdigit()}
    raised = 0
    for event in (
        found.exclude(sequence__in=done)
        .only("sequence", "provider", "account", "region", "target", "target_id", "observed")
        .order_by("sequence")
    ):
        changes = (event.observed or {}).get("changes") or ["changed"]
        words = "; ".join(str(change) for change in changes)
        alert = raise_alert(
            kinds.DRIFT,
            provider=event.provider,
            account=event.account,
            subject=event.target,
            subject_id=event.target_id or event.target,
            region=event.region,
            threshold=f"#{event.sequence}",
            message=f"{event.target} was changed outside the dashboard: {words} "
            f"(audit event #{event.sequence}).",
        )
        raised += alert is not None
    return raised
