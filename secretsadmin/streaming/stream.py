"""Streaming the audit log to each sink from its cursor, and the chain head as a checkpoint.

Events go strictly by sequence: appends hold a lock to their commit (`audit.services`), so what
is committed is a prefix of the chain; a gap (an append not yet committed) ends the batch
anyway. A cursor moves only once its sink accepted the batch, so a crash re-sends at most that
batch, whose events carry their sequences.
"""

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from secretsadmin.audit import chain, export
from secretsadmin.audit.models import AuditEvent

from .config import Sink
from .models import SinkCursor
from .sinks import Message, SinkFailed, send

logger = logging.getLogger(__name__)
BATCH = 500
MAX_BACKOFF = timedelta(minutes=15)


def stream(sink: Sink, *, go_on: Callable[[], bool], ends: float) -> None:
    cursor, _ = SinkCursor.objects.get_or_create(name=sink.name)
    now = timezone.now()
    if cursor.retry_after is not None and now < cursor.retry_after:
        return
    try:
        # One batch each round whatever the time: a slow sink streamed before this one must not
        # starve it. More batches only while the round lasts.
        first = True
        while go_on() and (first or time.monotonic() < ends):
            first = False
            batch = _after(cursor.delivered)
            if not batch:
                break
            send(sink, [message for _, message in batch])
            cursor.delivered, cursor.delivered_at = batch[-1][0], timezone.now()
            _succeeded(cursor)
        if go_on() and _checkpoint_due(cursor, timezone.now()):
            _checkpoint(sink, cursor)
    except SinkFailed as exc:
        _failed(sink, cursor, str(exc))


def _after(sequence: int) -> list[tuple[int, Message]]:
    found = AuditEvent.objects.filter(sequence__gt=sequence).order_by("sequence")[:BATCH]
    batch: list[tuple[int, Message]] = []
    for values in found.values_list(*export.COLUMNS):
        row = dict(zip(export.COLUMNS, values, strict=True))
        number = int(str(row["sequence"]))
        if number != sequence + len(batch) + 1:
            break
        time_ = row["time"]
        shown = chain.plain_time(time_) if isinstance(time_, datetime) else "-"
        batch.append((number, Message("event", shown, export.line(row))))
    return batch


def _checkpoint_due(cursor: SinkCursor, now: datetime) -> bool:
    every = timedelta(minutes=settings.AUDIT_CHECKPOINT_MINUTES)
    return cursor.checkpoint_at is None or now - cursor.checkpoint_at >= every


def checkpoint_of(sequence: int, digest: str, at: datetime, sent: datetime) -> str:
    """The head as an auditor hands it to `manage.py audit_verify --anchor`."""
    return chain.dumps(
        {
            "type": "checkpoint",
            "sequence": sequence,
            "hash": digest,
            "time": chain.plain_time(at),
            "anchor": f"{sequence}:{digest}",
            "sent": chain.plain_time(sent),
        }
    )


def _checkpoint(sink: Sink, cursor: SinkCursor) -> None:
    head = AuditEvent.objects.order_by("-sequence").first()
    if head is None or not isinstance(head.time, datetime):
        return
    now = timezone.now()
    send(
        sink,
        [
            Message(
                "checkpoint",
                chain.plain_time(now),
                checkpoint_of(head.sequence, head.hash, head.time, now),
            )
        ],
    )
    cursor.checkpoint_at, cursor.checkpoint_sequence = now, head.sequence
    _succeeded(cursor)


def _succeeded(cursor: SinkCursor) -> None:
    cursor.failures, cursor.retry_after = 0, None
    cursor.save()


def _failed(sink: Sink, cursor: SinkCursor, error: str) -> None:
    now = timezone.now()
    cursor.failures += 1
    # The first retry is the next round; then every 2, 4, 8… rounds, at most MAX_BACKOFF.
    interval = settings.WATCH_INTERVAL_SECONDS
    wait = timedelta(seconds=interval * (2 ** min(cursor.failures - 1, 16) - 0.5))
    cursor.last_error, cursor.last_error_at = error, now
    cursor.retry_after = now + min(wait, MAX_BACKOFF)
    cursor.save()
    logger.warning(
        "audit_stream: sink %s failed at #%d (%d in a row): %s",
        sink.name,
        cursor.delivered + 1,
        cursor.failures,
        error,
    )
