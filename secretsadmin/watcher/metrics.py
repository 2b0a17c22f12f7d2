"""The watcher's rounds and lag for /metrics, from what the leader wrote down (`records`)."""

from collections.abc import Iterator

from django.conf import settings
from django.utils import timezone
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from secretsadmin.metrics.registry import collectors

from .models import JobRuns, Rounds, UpstreamCalls
from .records import ROUNDS_ID


@collectors.collector("watcher")
def watcher() -> Iterator[Metric]:
    yield GaugeMetricFamily(
        "secretsadmin_watcher_interval_seconds",
        "WATCH_INTERVAL_SECONDS: a lag of more than about two of these means no watcher leads.",
        value=settings.WATCH_INTERVAL_SECONDS,
    )
    rounds = Rounds.objects.filter(pk=ROUNDS_ID).first()
    yield CounterMetricFamily(
        "secretsadmin_watcher_rounds",
        "Rounds the watcher ran, whichever process led.",
        value=rounds.count if rounds else 0,
    )
    if rounds is not None and rounds.last_ended is not None:
        yield GaugeMetricFamily(
            "secretsadmin_watcher_last_round_timestamp_seconds",
            "When the leading watcher's last round ended (Unix time).",
            value=rounds.last_ended.timestamp(),
        )
        yield GaugeMetricFamily(
            "secretsadmin_watcher_lag_seconds",
            "Seconds since the leading watcher's last round ended.",
            value=(timezone.now() - rounds.last_ended).total_seconds(),
        )
        yield GaugeMetricFamily(
            "secretsadmin_watcher_last_round_duration_seconds",
            "How long the last round took.",
            value=rounds.last_seconds,
        )
    yield from _jobs(list(JobRuns.objects.order_by("job")))
    yield from _calls(list(UpstreamCalls.objects.order_by("provider", "account", "operation")))


def _calls(found: list[UpstreamCalls]) -> Iterator[Metric]:
    labels = ["provider", "account", "operation"]
    calls = CounterMetricFamily(
        "secretsadmin_watcher_upstream_calls",
        "Calls the watcher's jobs made to a provider's operation (the web's are "
        "secretsadmin_upstream_calls), whichever process led.",
        labels=labels,
    )
    errors = CounterMetricFamily(
        "secretsadmin_watcher_upstream_errors",
        "Those of the watcher's calls that failed once their retries were spent.",
        labels=labels,
    )
    for row in found:
        key = [row.provider, row.account, row.operation]
        calls.add_metric(key, row.calls)
        errors.add_metric(key, row.errors)
    yield calls
    yield errors


def _jobs(found: list[JobRuns]) -> Iterator[Metric]:
    labels = ["job"]
    runs = CounterMetricFamily(
        "secretsadmin_watcher_job_runs", "Runs of each watcher job.", labels=labels
    )
    failures = CounterMetricFamily(
        "secretsadmin_watcher_job_failures",
        "Runs of each watcher job that failed (raised; the log has why).",
        labels=labels,
    )
    seconds = CounterMetricFamily(
        "secretsadmin_watcher_job_duration_seconds",
        "Time spent in each watcher job, all its runs together.",
        labels=labels,
    )
    last = GaugeMetricFamily(
        "secretsadmin_watcher_job_last_duration_seconds",
        "How long each job's last run took.",
        labels=labels,
    )
    last_ok = GaugeMetricFamily(
        "secretsadmin_watcher_job_last_success",
        "Whether each job's last run succeeded (1) or failed (0).",
        labels=labels,
    )
    for job in found:
        runs.add_metric([job.job], job.runs)
        failures.add_metric([job.job], job.failures)
        seconds.add_metric([job.job], job.seconds)
        last.add_metric([job.job], job.last_seconds)
        last_ok.add_metric([job.job], 0 if job.last_failed else 1)
    yield from (runs, failures, seconds, last, last_ok)
