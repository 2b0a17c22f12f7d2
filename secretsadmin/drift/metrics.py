"""What the watcher holds of each provider for /metrics, from its last listings (no call of its
own): when each account was last listed, and the changes seen made outside the dashboard."""

from collections.abc import Iterator

from django.db.models import Count
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from secretsadmin.audit.models import AuditEvent, Outcome
from secretsadmin.metrics.registry import collectors

from .models import Baseline


@collectors.collector("drift")
def drift() -> Iterator[Metric]:
    labels = ["provider", "account"]
    listed = GaugeMetricFamily(
        "secretsadmin_drift_last_listing_timestamp_seconds",
        "When the watcher last listed the account whole (Unix time).",
        labels=labels,
    )
    for baseline in Baseline.objects.order_by("provider", "account"):
        listed.add_metric([baseline.provider, baseline.account], baseline.listed_at.timestamp())
    yield listed
    outside = CounterMetricFamily(
        "secretsadmin_external_changes",
        "Changes made outside the dashboard, as the watcher saw them (observed audit events).",
        labels=labels,
    )
    observed = AuditEvent.objects.filter(outcome=Outcome.OBSERVED)
    for provider, account, count in (
        observed.values_list("provider", "account").annotate(n=Count("sequence")).order_by()
    ):
        outside.add_metric([provider, account], count)
    yield outside
