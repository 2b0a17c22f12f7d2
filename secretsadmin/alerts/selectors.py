"""What the alerts page lists: the alerts that need someone first, each with its deliveries."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Case, IntegerField, Prefetch, QuerySet, Value, When
from django.utils import timezone

from secretsadmin.audit.links import target_url
from secretsadmin.audit.models import AuditEvent

from .config import Channel
from .kinds import KINDS, WORDS
from .models import Alert, Delivery

# Those that need someone first, then those put off, then those taken, then those gone.
ORDER = (Alert.State.OPEN, Alert.State.SNOOZED, Alert.State.ACKNOWLEDGED, Alert.State.RESOLVED)
# A resolved alert asks nothing of anyone: listed for a week, so that one can see it went.
RESOLVED_SHOWN = timedelta(days=7)
# Beyond this many, the page says how many more there are: a filter finds them.
SHOWN = 200


@dataclass(frozen=True)
class Row:
    alert: Alert
    kind: str  # in words
    subject_url: str  # the subject's page here, or ""
    deliveries: list["Sending"]


@dataclass(frozen=True)
class Sending:
    delivery: Delivery
    configured: bool  # its channel is in ALERT_CHANNELS still: else it waits for its return
    due: bool  # the watcher's next round tries it (should the alert be open)


@dataclass(frozen=True)
class Listing:
    rows: list[Row]
    more: int  # matching alerts left out beyond SHOWN


def listing(state: str = "", kind: str = "") -> Listing:
    """The alerts of `state` and `kind` (any when empty), open first, newest first within each
    state; resolved ones of the last RESOLVED_SHOWN only."""
    found = Alert.objects.exclude(
        state=Alert.State.RESOLVED, resolved_at__lt=timezone.now() - RESOLVED_SHOWN
    )
    if state:
        found = found.filter(state=state)
    if kind:
        found = found.filter(kind=kind)
    rank = Case(
        *(When(state=value, then=Value(place)) for place, value in enumerate(ORDER)),
        output_field=IntegerField(),
    )
    total = found.count()
    alerts = found.annotate(rank=rank).order_by("rank", "-raised_at", "-pk")[:SHOWN]
    return Listing([_row(alert) for alert in _with_deliveries(alerts)], max(0, total - SHOWN))


def row(alert_id: int) -> Row:
    """One alert's row, as the list shows it (after it was acknowledged or snoozed)."""
    return _row(_with_deliveries(Alert.objects.filter(pk=alert_id)).get())


def open_count() -> int:
    """Alerts nobody has taken or put off: the overview's count."""
    return Alert.objects.filter(state=Alert.State.OPEN).count()


@dataclass(frozen=True)
class Route:
    channel: Channel
    accounts: list[str] | None  # None: every account
    kinds: list[str] | None  # None: every kind, else each in words


def channels() -> list[Route]:
    """The channels configured, each with its route in order."""
    return [
        Route(
            channel,
            sorted(channel.accounts) if channel.accounts is not None else None,
            [WORDS[kind] for kind in KINDS if kind in channel.kinds]
            if channel.kinds is not None
            else None,
        )
        for channel in settings.ALERT_CHANNELS
    ]


def _with_deliveries(alerts: QuerySet[Alert]) -> QuerySet[Alert]:
    return alerts.prefetch_related(
        Prefetch("deliveries", queryset=Delivery.objects.order_by("channel", "pk"))
    )


def _row(alert: Alert) -> Row:
    names, now = {channel.name for channel in settings.ALERT_CHANNELS}, timezone.now()
    sendings = [
        Sending(d, d.channel in names, d.next_attempt_at <= now) for d in alert.deliveries.all()
    ]
    return Row(alert, WORDS.get(alert.kind, alert.kind), _subject_url(alert), sendings)


def _subject_url(alert: Alert) -> str:
    # The subject is named as an event names its target: the same page, or none.
    named = AuditEvent(
        provider=alert.provider,
        account=alert.account,
        region=alert.region,
        target=alert.subject,
        target_id=alert.subject_id,
    )
    return target_url(named)
