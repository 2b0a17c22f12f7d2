"""Gcore Cloud's alert conditions, from what the watcher last listed (`drift.models.Seen`): no call
of their own.

- Expiry: a secret nearing its expiry raises the tightest threshold it has crossed (a secret
  first seen 5 days before its expiry gets the 7-day alert, not the 30- and 14-day ones too),
  and one more once expired.
- Rotation, where `ALERT_ROTATION_DAYS` asks for it: a secret created longer ago than that (Gcore
  never changes a stored secret: rotating it is storing another).

A secret deleted or replaced resolves its alerts."""

from datetime import datetime, timedelta

from django.conf import settings

from secretsadmin.alerts import kinds, services
from secretsadmin.alerts.services import Condition
from secretsadmin.drift.models import Seen
from secretsadmin.drift.observe import moment
from secretsadmin.providers.gcore import gcore_clients

from . import actions, selectors
from .drift import LABELS


def expiry(now: datetime) -> int:
    """Holds each account's expiry alerts; returns how many were raised."""
    days = settings.ALERT_THRESHOLDS.expiry_days
    raised = 0
    for account in gcore_clients().names:
        seen = Seen.objects.filter(provider=actions.PROVIDER, account=account)
        names = _region_names(account)
        conditions = [
            condition
            for row in seen.only("key", "name", "region", "facts")
            if (condition := _expiring(row, now, days, names)) is not None
        ]
        raised += services.hold(
            kinds.EXPIRY, provider=actions.PROVIDER, account=account, conditions=conditions
        )
    return raised


def rotation(now: datetime) -> int:
    """Holds each account's rotation alerts; returns how many were raised."""
    every = settings.ALERT_THRESHOLDS.rotation_days
    raised = 0
    for account in gcore_clients().names:
        days = every.get(account)
        conditions = []
        if days is not None:
            names = _region_names(account)
            seen = Seen.objects.filter(provider=actions.PROVIDER, account=account)
            for row in seen.only("key", "name", "region", "facts"):
                created = moment(row.facts.get("created"))
                if created is not None and now - created > timedelta(days=days):
                    what = LABELS.get(str(row.facts.get("type")), "Secret")
                    conditions.append(
                        Condition(
                            subject=row.name,
                            subject_id=row.key,
                            region=row.region,
                            threshold=f"{days}d",
                            message=f"{what} {row.name} ({_where(row, names)}) was stored "
                            f"{(now - created).days} days ago, on {created:%Y-%m-%d}: {account} "
                            f"asks for rotation every {days} days.",
                        )
                    )
        raised += services.hold(
            kinds.ROTATION, provider=actions.PROVIDER, account=account, conditions=conditions
        )
    return raised


def _region_names(account: str) -> dict[str, str]:
    """The account's regions by id as the pages name them (the drift job has just read them)."""
    return {str(region_id): name for region_id, name in selectors.region_names(account).items()}


def _where(row: Seen, names: dict[str, str]) -> str:
    return names.get(row.region, f"region {row.region}")


def _expiring(
    row: Seen, now: datetime, days: tuple[int, ...], names: dict[str, str]
) -> Condition | None:
    expires = moment(row.facts.get("expiration"))
    if expires is None:
        return None  # never expires
    left = expires - now
    what = LABELS.get(str(row.facts.get("type")), "Secret")
    at = f"{expires:%Y-%m-%d %H:%M} UTC"
    where = f"{row.name} ({_where(row, names)})"
    if left <= timedelta(0):
        threshold, message = "expired", f"{what} {where} expired on {at}."
    else:
        crossed = [d for d in days if left <= timedelta(days=d)]
        if not crossed:
            return None
        threshold = f"{min(crossed)}d"
        message = f"{what} {where} expires in {_span(left)}, on {at}."
    return Condition(
        subject=row.name,
        subject_id=row.key,
        region=row.region,
        threshold=threshold,
        message=message,
    )


def _span(left: timedelta) -> str:
    if left >= timedelta(days=2):
        return f"{round(left / timedelta(days=1))} days"
    hours = int(left.total_seconds() // 3600)
    return f"{hours} hour{'s' if hours != 1 else ''}" if hours else "less than an hour"
