"""Each Gcore secret's expiry for /metrics, as the watcher last listed it (no call of its own):
an alerting rule can say "expires within 14 days" as `... - time() < 14 * 86400`."""

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from secretsadmin.drift.models import Seen
from secretsadmin.drift.observe import moment
from secretsadmin.metrics.registry import collectors

from . import actions


@collectors.collector("gcore")
def gcore() -> Iterator[Metric]:
    expiry = GaugeMetricFamily(
        "secretsadmin_gcore_secret_expiry_timestamp_seconds",
        "When each Gcore secret that expires does (Unix time), as last listed.",
        labels=["account", "region", "secret_id", "secret"],
    )
    rows = Seen.objects.filter(provider=actions.PROVIDER).order_by("account", "region", "name")
    for row in rows.only("account", "region", "key", "name", "facts"):
        at = moment(row.facts.get("expiration"))
        if at is None:
            continue  # never expires
        expiry.add_metric([row.account, row.region, row.key, row.name], at.timestamp())
    yield expiry
