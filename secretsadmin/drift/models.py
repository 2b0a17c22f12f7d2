"""What the watcher last saw of each thing a provider holds, and since when it has seen an
account at all (its first listing is the baseline: nothing in it is a change)."""

from django.db import models


class Seen(models.Model):
    provider = models.CharField(max_length=32)
    account = models.CharField(max_length=200)
    key = models.CharField(max_length=500)  # what the provider knows it by: a name, an id
    name = models.CharField(max_length=500)
    region = models.CharField(max_length=64, blank=True)
    # The facts compared, as JSON: those a listing gives and, once read, those only the thing's
    # own read gives (a Pipecat set's key names).
    facts = models.JSONField(default=dict)
    # Since when each fact has held its value (ISO 8601): since it was first seen, at the latest.
    since = models.JSONField(default=dict)
    # The last read of its own facts; null until one: the next read of them is a baseline.
    detail_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "account", "key"], name="drift_seen_key")
        ]
        indexes = [
            models.Index(fields=["provider", "account", "detail_at"], name="drift_seen_detail_idx")
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.account}:{self.name}"


class Baseline(models.Model):
    provider = models.CharField(max_length=32)
    account = models.CharField(max_length=200)
    listed_at = models.DateTimeField()  # when the last listing of the account began
    # When each region was last listed (ISO 8601), for a provider listing region by region: a
    # region missing from a listing keeps its things, one listed for the first time is a baseline.
    regions = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "account"], name="drift_baseline_account")
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.account} listed {self.listed_at:%Y-%m-%d %H:%M}"
