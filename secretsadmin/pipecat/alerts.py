"""Pipecat Cloud's alert conditions, from what the watcher last listed (`drift.models.Seen`) and
the audit log: no call of their own.

- A set failed or pending for longer than `ALERT_SET_STATUS_MINUTES` (since the watcher saw it
  so); ready again, or deleted, resolves it.
- An ECR image pull secret the dashboard saved longer ago than `ALERT_PULL_SECRET_HOURS`: ECR's
  tokens last 12 hours, so the set needs a fresh one; saving it again resolves it.
- Rotation, where `ALERT_ROTATION_DAYS` asks for it: a set's keys not set for that long. A key is
  set when the dashboard saves it, or when the watcher sees it added elsewhere; values cannot be
  read back, so a value changed elsewhere under the same name is not seen, and a key the watcher
  has known for less than that long (since it first read it in the set) is not counted as old.
"""

import re
from datetime import datetime, timedelta

from django.conf import settings

from secretsadmin.alerts import kinds, services
from secretsadmin.alerts.services import Condition
from secretsadmin.audit.models import AuditEvent, Outcome
from secretsadmin.drift.models import Seen
from secretsadmin.drift.observe import moment
from secretsadmin.providers.pipecat import pipecat_clients

from . import actions

# A registry of Amazon ECR: <account>.dkr.ecr.<region>.amazonaws.com (and .com.cn).
ECR = re.compile(r"^(https?://)?\d{12}\.dkr\.ecr(-fips)?\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/?$")


def hold(now: datetime) -> int:
    """Holds each account's set status, rotation and pull secret alerts; returns how many were
    raised."""
    raised = 0
    for account in pipecat_clients().names:
        seen = list(Seen.objects.filter(provider=actions.PROVIDER, account=account))
        raised += services.hold(
            kinds.SET_STATUS,
            provider=actions.PROVIDER,
            account=account,
            conditions=[c for row in seen if (c := _stuck(row, now)) is not None],
        )
        raised += services.hold(
            kinds.ROTATION,
            provider=actions.PROVIDER,
            account=account,
            conditions=_unrotated(account, seen, now),
        )
        pulls = [row for row in seen if row.facts.get("type") == "imagePullSecret"]
        saves = _last_saves(account, [row.name for row in pulls])
        raised += services.hold(
            kinds.PULL_SECRET_AGE,
            provider=actions.PROVIDER,
            account=account,
            conditions=[
                c for row in pulls if (c := _aged(row, saves.get(row.name), now)) is not None
            ],
        )
    return raised


def _stuck(row: Seen, now: datetime) -> Condition | None:
    status = row.facts.get("status")
    since = moment(row.since.get("status"))
    if status not in ("failed", "pending") or since is None:
        return None
    if now - since < timedelta(minutes=settings.ALERT_THRESHOLDS.set_status_minutes):
        return None
    minutes = int((now - since).total_seconds() // 60)
    return Condition(
        subject=row.name,
        subject_id=row.key,
        threshold=str(status),
        message=f"Secret set {row.name} (region {row.region}) has been {status} for "
        f"{_minutes(minutes)}, since {since:%Y-%m-%d %H:%M} UTC.",
    )


def _last_saves(account: str, names: list[str]) -> dict[str, AuditEvent]:
    """The last successful save of each of these pull secrets, by name: one query."""
    saves = AuditEvent.objects.filter(
        provider=actions.PROVIDER,
        account=account,
        target__in=names,
        action=actions.IMAGE_PULL_UPSERT,
        outcome=Outcome.SUCCEEDED,
    ).only("sequence", "time", "target", "target_id")
    return {save.target: save for save in saves.order_by("sequence")}


def _aged(row: Seen, saved: AuditEvent | None, now: datetime) -> Condition | None:
    if saved is None or not isinstance(saved.time, datetime) or not ECR.match(saved.target_id):
        return None
    age = now - saved.time
    if age < timedelta(hours=settings.ALERT_THRESHOLDS.pull_secret_hours):
        return None
    hours = int(age.total_seconds() // 3600)
    return Condition(
        subject=row.name,
        # Each save its own alert: the next one, saved afresh, is a new token growing old.
        subject_id=row.key,
        threshold=f"#{saved.pk}",
        message=f"The ECR image pull secret {row.name} was saved {hours} hours ago "
        f"({saved.time:%Y-%m-%d %H:%M} UTC): ECR's tokens last 12 hours, save a fresh one.",
    )


def _unrotated(account: str, seen: list[Seen], now: datetime) -> list[Condition]:
    days = settings.ALERT_THRESHOLDS.rotation_days.get(account)
    if days is None:
        return []
    since = now - timedelta(days=days)
    fresh = {
        (target, key)
        for target, keys in AuditEvent.objects.filter(
            provider=actions.PROVIDER,
            account=account,
            action__in=(actions.SET_UPSERT, actions.SET_EXTERNAL_CHANGE),
            outcome__in=(Outcome.SUCCEEDED, Outcome.OBSERVED),
            time__gte=since,
        ).values_list("target", "keys")
        for key in keys
    }
    conditions = []
    for row in seen:
        keys = row.facts.get("keys")
        if not isinstance(keys, list):
            continue
        old = sorted(
            str(key)
            for key in keys
            if (row.name, key) not in fresh
            and (known := moment(row.since.get(f"keys:{key}"))) is not None
            and known <= since
        )
        if old:
            conditions.append(
                Condition(
                    subject=row.name,
                    subject_id=row.key,
                    threshold=f"{days}d",
                    message=f"Secret set {row.name}: {len(old)} key{'s' if len(old) > 1 else ''} "
                    f"not set for {days} days ({', '.join(old)}): {account} asks for rotation "
                    f"every {days} days.",
                )
            )
    return conditions


def _minutes(minutes: int) -> str:
    if minutes < 120:
        return f"{minutes} minutes"
    return f"{minutes // 60} hours"
