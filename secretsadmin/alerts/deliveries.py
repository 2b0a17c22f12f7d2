"""Sending the alerts' deliveries that are due, each round: a new one at once, a failed one
again after a backoff (the next round, then every 2, 4, 8… rounds, at most an hour apart), for as
long as it takes. Only an open alert's are sent: one acknowledged, snoozed or resolved waits.

A delivery is marked sent once its channel took it: a crash in between sends it again, with the
same delivery id, which a webhook receiver can drop. A delivery to a channel no longer in
ALERT_CHANNELS stays as it is, sent again should the channel come back.
"""

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import services
from .channels import ChannelFailed, send
from .models import Alert, Delivery

logger = logging.getLogger(__name__)
BATCH = 100
MAX_BACKOFF = timedelta(hours=1)


def deliver(*, go_on: Callable[[], bool], ends: float) -> None:
    now = timezone.now()
    _wake(now)
    channels = {channel.name: channel for channel in settings.ALERT_CHANNELS}
    due = (
        Delivery.objects.filter(
            status__in=[Delivery.Status.PENDING, Delivery.Status.FAILED],
            next_attempt_at__lte=now,
            alert__state=Alert.State.OPEN,
            channel__in=channels,
        )
        .select_related("alert")
        .order_by("next_attempt_at", "pk")[:BATCH]
    )
    down: set[str] = set()  # failed this round: its other deliveries wait for the next one
    first = True
    for delivery in due:
        # One delivery each round whatever the time, more while the round lasts.
        if not go_on() or (not first and time.monotonic() >= ends):
            return
        first = False
        if delivery.channel in down or not _still_open(delivery.alert):
            continue
        try:
            send(channels[delivery.channel], delivery.alert, delivery.pk)
        except ChannelFailed as exc:
            down.add(delivery.channel)
            _failed(delivery, str(exc))
        else:
            delivery.status, delivery.sent_at = Delivery.Status.SENT, timezone.now()
            delivery.attempts += 1
            delivery.save(update_fields=["status", "sent_at", "attempts"])


def _wake(now: datetime) -> None:
    """Snoozes that ended: the alert is open again, and sent again."""
    for alert in Alert.objects.filter(state=Alert.State.SNOOZED, snoozed_until__lte=now):
        with transaction.atomic():
            woken = Alert.objects.filter(pk=alert.pk, state=Alert.State.SNOOZED).update(
                state=Alert.State.OPEN, snoozed_until=None
            )
            if woken:
                services.queue(alert, now)


def _still_open(alert: Alert) -> bool:
    # Someone may have acknowledged it while the deliveries before it were sent.
    return Alert.objects.filter(pk=alert.pk, state=Alert.State.OPEN).exists()


def _failed(delivery: Delivery, error: str) -> None:
    now = timezone.now()
    delivery.attempts += 1
    # The first retry is the next round; then every 2, 4, 8… rounds, at most MAX_BACKOFF.
    interval = settings.WATCH_INTERVAL_SECONDS
    wait = timedelta(seconds=interval * (2 ** min(delivery.attempts - 1, 16) - 0.5))
    delivery.status, delivery.next_attempt_at = Delivery.Status.FAILED, now + min(wait, MAX_BACKOFF)
    delivery.last_error, delivery.last_error_at = error, now
    delivery.save(
        update_fields=["status", "attempts", "next_attempt_at", "last_error", "last_error_at"]
    )
    logger.warning(
        "alert_deliveries: channel %s failed for alert %d (%d tries): %s",
        delivery.channel,
        delivery.alert_id,
        delivery.attempts,
        error,
    )
