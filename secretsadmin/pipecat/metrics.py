"""Pipecat Cloud's sets by status for /metrics, as the watcher last listed them (no call)."""

from collections import Counter
from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from secretsadmin.drift.models import Seen
from secretsadmin.metrics.registry import collectors

from . import actions

STATUSES = ("ready", "pending", "failed")


@collectors.collector("pipecat")
def pipecat() -> Iterator[Metric]:
    sets = GaugeMetricFamily(
        "secretsadmin_pipecat_sets",
        "Secret sets of each account by status, as last listed.",
        labels=["account", "status"],
    )
    found: Counter[tuple[str, str]] = Counter()
    accounts = set()
    for account, facts in Seen.objects.filter(provider=actions.PROVIDER).values_list(
        "account", "facts"
    ):
        accounts.add(account)
        found[(account, str(facts.get("status")))] += 1
    for account in sorted(accounts):
        statuses = [*STATUSES, *sorted({s for a, s in found if a == account} - set(STATUSES))]
        for status in statuses:
            sets.add_metric([account, status], found[(account, status)])
    yield sets
