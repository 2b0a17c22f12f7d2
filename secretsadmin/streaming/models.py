"""Where each sink stands: the last sequence it accepted, and how its last tries went."""

from django.db import models


class SinkCursor(models.Model):
    # The sink's name in AUDIT_SINKS: a sink renamed starts again from the first event.
    name = models.CharField(max_length=32, primary_key=True)
    delivered = models.BigIntegerField(default=0)  # the last sequence the sink accepted
    delivered_at = models.DateTimeField(null=True, blank=True)
    checkpoint_at = models.DateTimeField(null=True, blank=True)
    checkpoint_sequence = models.BigIntegerField(null=True, blank=True)
    failures = models.PositiveIntegerField(default=0)  # in a row, since the last success
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    retry_after = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} at #{self.delivered}"
