"""/metrics: the Prometheus text format, for whoever holds `METRICS_TOKEN`.

Two sources make one scrape. What a process counts as it works (upstream calls, in
`providers/instruments.py`) is prometheus_client's own metrics, shared between gunicorn's workers
through files (gunicorn.conf.py). Facts about the whole system (the audit log's head, the
watcher's last round) are computed from the database at each scrape, by collectors that apps
register in a `metrics` module of their own, found on the first scrape::

    from prometheus_client.core import GaugeMetricFamily

    from secretsadmin.metrics.registry import collectors

    @collectors.collector("alerts")
    def alerts() -> Iterator[Metric]:
        pending = GaugeMetricFamily("secretsadmin_alerts_pending", "...", labels=["kind"])
        for kind, count in Alert.objects.pending_by_kind():
            pending.add_metric([kind], count)
        yield pending

so every replica reports the same. A collector that fails is logged and its metrics are left out
of that scrape (`secretsadmin_metrics_collector_up` says which); the others still answer. Label
values must come from short lists (actions, job names, configured accounts, statuses), never a
secret's value, a token or anything a person typed.
"""
