"""The audit log for /metrics: its head, its events by action and outcome, attempts still open
and the last verification (`audit_verify` records each as an `audit.verify` event)."""

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import datetime

from django.db.models import Count
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from secretsadmin.metrics.registry import collectors

from .models import AuditEvent, OpenAttempt, Outcome

VERIFY = "audit.verify"


class Tally:
    """Events by (action, outcome), counted from the log. Appends take a lock held until they
    commit, so what a reader sees is every event up to the head, without gaps: each scrape counts
    only the events after the last one it counted (the whole log once per process). A log
    that no longer holds that event as it was counted (a restored backup) is counted afresh."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[tuple[str, str]] = Counter()
        self._through: tuple[int, str] = (0, "")

    def counts(self, head: tuple[int, str]) -> dict[tuple[str, str], int]:
        with self._lock:
            sequence, digest = self._through
            if sequence and (sequence > head[0] or not _holds(sequence, digest)):
                self._counts, sequence = Counter(), 0
            rows = (
                AuditEvent.objects.filter(sequence__gt=sequence, sequence__lte=head[0])
                .order_by()
                .values_list("action", "outcome")
                .annotate(n=Count("sequence"))
            )
            for action, outcome, n in rows:
                self._counts[action, outcome] += n
            self._through = head
            return dict(self._counts)


def _holds(sequence: int, digest: str) -> bool:
    return AuditEvent.objects.filter(sequence=sequence, hash=digest).exists()


tally = Tally()


@collectors.collector("audit")
def audit() -> Iterator[Metric]:
    head = AuditEvent.objects.order_by("-sequence").values_list("sequence", "hash", "time").first()
    yield GaugeMetricFamily(
        "secretsadmin_audit_head_sequence",
        "Sequence of the audit log's last event (its number of events).",
        value=head[0] if head else 0,
    )
    # A time the database holds unreadably (tampered with) is left out; audit_verify says why.
    if head is not None and isinstance(head[2], datetime):
        yield GaugeMetricFamily(
            "secretsadmin_audit_head_timestamp_seconds",
            "When the audit log's last event was appended (Unix time).",
            value=head[2].timestamp(),
        )
    events = CounterMetricFamily(
        "secretsadmin_audit_events",
        "Events appended to the audit log, by action and outcome.",
        labels=["action", "outcome"],
    )
    counted = tally.counts((head[0], head[1]) if head else (0, ""))
    for (action, outcome), n in sorted(counted.items()):
        events.add_metric([action, outcome], n)
    yield events
    yield GaugeMetricFamily(
        "secretsadmin_audit_open_attempts",
        "Changes attempted whose outcome is not known yet (audit_reconcile settles them).",
        value=OpenAttempt.objects.count(),
    )
    yield from _last_verification()


def _last_verification() -> Iterator[Metric]:
    last = (
        AuditEvent.objects.filter(action=VERIFY)
        .order_by("-sequence")
        .values_list("time", "outcome")
        .first()
    )
    if last is None:
        return
    time, outcome = last
    if not isinstance(time, datetime):
        return
    yield GaugeMetricFamily(
        "secretsadmin_audit_verify_last_timestamp_seconds",
        "When audit_verify last checked the chain (Unix time).",
        value=time.timestamp(),
    )
    yield GaugeMetricFamily(
        "secretsadmin_audit_verify_last_success",
        "Whether the chain verified then (1) or was found broken (0).",
        value=1 if outcome == Outcome.SUCCEEDED else 0,
    )
