"""One scrape: the processes' own metrics and the database's facts, in the text format."""

import logging
import os
from collections.abc import Iterable, Iterator

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector

from .registry import collectors

logger = logging.getLogger(__name__)
# prometheus_client's own variable: gunicorn.conf.py sets it for its workers.
MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"


class ThisProcess:
    """The metrics this process counted, when it shares them with no other (runserver, tests)."""

    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()


class DatabaseFacts:
    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "secretsadmin_metrics_collector_up",
            "Whether a collector of facts from the database answered this scrape (1) or failed "
            "(0, its metrics left out; the log says why).",
            labels=["collector"],
        )
        for name, collect in collectors.all():
            try:
                found = list(collect())
            except Exception:
                logger.exception("metrics: the collector %s failed", name)
                up.add_metric([name], 0)
                continue
            up.add_metric([name], 1)
            yield from found
        yield up


def scrape() -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    directory = os.environ.get(MULTIPROCESS_DIR)
    if directory:
        MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
    else:
        registry.register(ThisProcess())
    registry.register(DatabaseFacts())
    return generate_latest(registry)
