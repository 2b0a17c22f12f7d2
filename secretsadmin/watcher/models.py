"""What the leading watcher did, kept in the database so that /metrics on every replica, which
runs no watcher, reports the same rounds and lag (`records` writes them, `metrics` reads them)."""

from django.db import models


class Rounds(models.Model):
    """One row (id 1): the rounds run, by whichever process led, and the last of them."""

    count = models.BigIntegerField(default=0)
    last_started = models.DateTimeField(null=True)
    last_ended = models.DateTimeField(null=True)
    last_seconds = models.FloatField(default=0.0)

    class Meta:
        verbose_name_plural = "rounds"

    def __str__(self) -> str:
        return f"{self.count} rounds, the last ended {self.last_ended}"


class JobRuns(models.Model):
    """Each job's runs, failures and time, and how its last run went."""

    job = models.CharField(max_length=100, primary_key=True)
    runs = models.BigIntegerField(default=0)
    failures = models.BigIntegerField(default=0)
    seconds = models.FloatField(default=0.0)  # of all its runs
    last_ended = models.DateTimeField(null=True)
    last_seconds = models.FloatField(default=0.0)
    last_failed = models.BooleanField(default=False)

    class Meta:
        verbose_name_plural = "job runs"

    def __str__(self) -> str:
        return f"{self.job}: {self.runs} runs, {self.failures} failed"


class UpstreamCalls(models.Model):
    """The calls the watcher's jobs made to each provider's operation (its own process's, which
    no replica's /metrics would otherwise see), and those that failed."""

    provider = models.CharField(max_length=32)
    account = models.CharField(max_length=200)
    operation = models.CharField(max_length=100)
    calls = models.BigIntegerField(default=0)
    errors = models.BigIntegerField(default=0)

    class Meta:
        verbose_name_plural = "upstream calls"
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "account", "operation"], name="watcher_upstream_calls_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.account} {self.operation}: {self.calls}"
