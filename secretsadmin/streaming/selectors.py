"""Where each configured sink stands against the chain head, for the streams page."""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings

from secretsadmin.audit.models import AuditEvent

from .config import Sink
from .models import SinkCursor


@dataclass(frozen=True)
class Standing:
    sink: Sink
    cursor: SinkCursor
    behind: int  # events not yet accepted
    oldest: datetime | None  # when the oldest of them was recorded


def standings() -> list[Standing]:
    head = AuditEvent.objects.order_by("-sequence").values_list("sequence", flat=True).first()
    cursors = {c.name: c for c in SinkCursor.objects.filter(name__in=_names())}
    found = []
    for sink in settings.AUDIT_SINKS:
        cursor = cursors.get(sink.name) or SinkCursor(name=sink.name)
        behind = max(0, (head or 0) - cursor.delivered)
        oldest = (
            AuditEvent.objects.filter(sequence=cursor.delivered + 1)
            .values_list("time", flat=True)
            .first()
            if behind
            else None
        )
        found.append(
            Standing(sink, cursor, behind, oldest if isinstance(oldest, datetime) else None)
        )
    return found


def _names() -> list[str]:
    return [sink.name for sink in settings.AUDIT_SINKS]
