"""Alerts and their deliveries for /metrics: how many of each kind stand in each state, and each
channel's deliveries by status (a failed one keeps being retried)."""

from collections.abc import Iterator

from django.db.models import Count
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from secretsadmin.metrics.registry import collectors

from .models import Alert, Delivery


@collectors.collector("alerts")
def alerts() -> Iterator[Metric]:
    standing = GaugeMetricFamily(
        "secretsadmin_alerts", "Alerts by kind and state.", labels=["kind", "state"]
    )
    for kind, state, count in (
        Alert.objects.values_list("kind", "state").annotate(n=Count("pk")).order_by("kind", "state")
    ):
        standing.add_metric([kind, state], count)
    yield standing
    deliveries = GaugeMetricFamily(
        "secretsadmin_alert_deliveries",
        "Deliveries of alerts by channel and status.",
        labels=["channel", "status"],
    )
    for channel, status, count in (
        Delivery.objects.values_list("channel", "status")
        .annotate(n=Count("pk"))
        .order_by("channel", "status")
    ):
        deliveries.add_metric([channel, status], count)
    yield deliveries
