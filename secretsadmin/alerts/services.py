"""Raising, resolving, acknowledging and snoozing alerts: the contract the conditions and the
pages call. Sending is the watcher's (`deliveries`).

What a person gets:
- one message per channel per threshold crossed: a condition may call `raise_alert` every round
  (in any watcher process, after any restart); only the first call for a threshold sends;
- each threshold on its own: "30d" acknowledged, "7d" is still sent when it comes;
- once the condition is gone (`resolve`: the certificate was replaced) nothing more is sent for
  its alerts, and no "resolved" message; should the condition come back on the same subject, its
  alert is raised (and sent) again;
- acknowledged: nothing more is sent for that alert, not even a retry still under way;
- snoozed: nothing is sent until then; then it is open again and sent once more, as a reminder,
  to each channel routed to it.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from secretsadmin.audit import services as audit
from secretsadmin.audit.models import Outcome
from secretsadmin.core.logging import redact

from . import actions
from .kinds import KINDS
from .models import Alert, Delivery


class AlertRefused(Exception):
    """What was asked cannot be done to this alert; the message says why, to the person."""


def raise_alert(
    kind: str,
    *,
    provider: str,
    account: str,
    subject: str,
    subject_id: str,
    threshold: str,
    message: str,
    region: str = "",
) -> Alert | None:
    """The alert, raised and queued to each channel routed to it; None when it is raised already
    (open, acknowledged or snoozed), which sends nothing. A resolved one is raised anew."""
    if kind not in KINDS:
        raise ValueError(f"unknown alert kind {kind!r}; one of {KINDS}")
    now = timezone.now()
    shown = {"subject": _plain(subject), "message": _plain(message), "region": region}
    with transaction.atomic():
        alert, created = Alert.objects.get_or_create(
            kind=kind,
            provider=provider,
            account=account,
            subject_id=subject_id,
            threshold=threshold,
            defaults={**shown, "raised_at": now},
        )
        if not created:
            # Conditional: of two processes raising it again at once, one sends.
            again = Alert.objects.filter(pk=alert.pk, state=Alert.State.RESOLVED).update(
                **shown,
                raised_at=now,
                state=Alert.State.OPEN,
                resolved_at=None,
                snoozed_until=None,
                acknowledged_by="",
                acknowledged_at=None,
            )
            if not again:
                return None
            alert.refresh_from_db()
        queue(alert, now)
    return alert


def resolve(kind: str, provider: str, account: str, subject_id: str) -> int:
    """Resolves the subject's alerts of `kind`, every threshold: the condition is gone. Returns
    how many were still unresolved."""
    return (
        Alert.objects.filter(kind=kind, provider=provider, account=account, subject_id=subject_id)
        .exclude(state=Alert.State.RESOLVED)
        .update(state=Alert.State.RESOLVED, resolved_at=timezone.now(), snoozed_until=None)
    )


@dataclass(frozen=True)
class Condition:
    """One alert a condition holds now: a subject past a threshold."""

    subject: str
    subject_id: str
    threshold: str
    message: str
    region: str = ""  # where the subject is (a Gcore region's id): its page needs it


def hold(kind: str, *, provider: str, account: str, conditions: Iterable[Condition]) -> int:
    """What a condition checked each round does with what it found: each of `conditions` raised
    (once: `raise_alert`), and every other alert of `kind` the account has resolved, its
    condition gone (a certificate replaced, a set ready again, a threshold passed for a tighter
    one). Returns how many alerts were raised."""
    held = {(c.subject_id, c.threshold): c for c in conditions}
    unresolved = Alert.objects.filter(kind=kind, provider=provider, account=account).exclude(
        state=Alert.State.RESOLVED
    )
    standing = {(s, t): pk for pk, s, t in unresolved.values_list("pk", "subject_id", "threshold")}
    raised = 0
    # Those raised already are not asked again: a round holding thousands costs one query.
    for key, condition in held.items():
        if key in standing:
            continue
        alert = raise_alert(
            kind,
            provider=provider,
            account=account,
            subject=condition.subject,
            subject_id=condition.subject_id,
            threshold=condition.threshold,
            message=condition.message,
            region=condition.region,
        )
        raised += alert is not None
    gone = [pk for key, pk in standing.items() if key not in held]
    if gone:
        Alert.objects.filter(pk__in=gone).exclude(state=Alert.State.RESOLVED).update(
            state=Alert.State.RESOLVED, resolved_at=timezone.now(), snoozed_until=None
        )
    return raised


def acknowledge(actor: audit.Actor, alert: Alert) -> Alert:
    """Nothing more is sent for `alert`. Recorded in the audit log, before it takes effect."""
    with transaction.atomic():
        alert = _current(alert, "acknowledged")
        now = timezone.now()
        _record(actor, actions.ACKNOWLEDGE, alert, _which(alert))
        alert.state, alert.snoozed_until = Alert.State.ACKNOWLEDGED, None
        alert.acknowledged_by, alert.acknowledged_at = actor.username, now
        alert.save(update_fields=["state", "snoozed_until", "acknowledged_by", "acknowledged_at"])
    return alert


def snooze(actor: audit.Actor, alert: Alert, until: datetime) -> Alert:
    """Nothing is sent for `alert` until `until`; then it is sent again, if not resolved by
    then. Recorded in the audit log, before it takes effect."""
    if until <= timezone.now():
        raise AlertRefused("An alert is snoozed until a time to come, not one past.")
    with transaction.atomic():
        alert = _current(alert, "snoozed")
        reason = f"{_which(alert)}, until {until.astimezone(UTC).isoformat()}"
        _record(actor, actions.SNOOZE, alert, reason)
        alert.state, alert.snoozed_until = Alert.State.SNOOZED, until
        alert.save(update_fields=["state", "snoozed_until"])
    return alert


def queue(alert: Alert, now: datetime) -> None:
    """One delivery due now to each channel routed to `alert`: the one waiting already, if any (a
    reminder of an alert whose first message never went out), or a new one."""
    unsent = alert.deliveries.exclude(status=Delivery.Status.SENT)
    waiting = set(unsent.values_list("channel", flat=True))
    unsent.update(next_attempt_at=now)
    Delivery.objects.bulk_create(
        Delivery(alert=alert, channel=channel.name, created_at=now, next_attempt_at=now)
        for channel in settings.ALERT_CHANNELS
        if channel.routes(alert.kind, alert.account) and channel.name not in waiting
    )


def _current(alert: Alert, done: str) -> Alert:
    current = Alert.objects.select_for_update().get(pk=alert.pk)
    if current.state == Alert.State.RESOLVED:
        raise AlertRefused(
            f"This alert cannot be {done}: it was resolved"
            f"{_at(current.resolved_at)}, its condition gone. Nothing more is sent for it."
        )
    return current


def _at(moment: datetime | None) -> str:
    return f" at {moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC" if moment else ""


def _which(alert: Alert) -> str:
    return f"{alert.kind} alert, threshold {alert.threshold}"


def _record(actor: audit.Actor, action: str, alert: Alert, reason: str) -> None:
    audit.record(
        actor,
        action=action,
        outcome=Outcome.SUCCEEDED,
        subject=audit.Subject(
            provider=alert.provider,
            account=alert.account,
            target=alert.subject,
            target_id=alert.subject_id,
        ),
        reason=reason,
    )


def _plain(text: str) -> str:
    """What a condition wrote, with any configured secret or credential-shaped text masked: it
    goes to mailboxes and chat rooms."""
    return redact(text, getattr(settings, "REDACTED_VALUES", []))
