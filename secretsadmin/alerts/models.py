"""Alerts, once per condition and threshold, and their delivery to each channel routed to them.

The unique threshold is what makes raising idempotent: a condition checked every round, by any
watcher process, after any restart, finds its row and sends nothing again.
"""

from django.db import models


class Alert(models.Model):
    class State(models.TextChoices):
        OPEN = "open"
        ACKNOWLEDGED = "acknowledged"  # someone took it: nothing more is sent for it
        SNOOZED = "snoozed"  # nothing is sent until snoozed_until, then it is open again
        RESOLVED = "resolved"  # the condition is gone

    kind = models.CharField(max_length=32)  # one of kinds.KINDS
    provider = models.CharField(max_length=32)
    account = models.CharField(max_length=64)
    subject = models.CharField(max_length=255)  # as people know it: a secret's name
    subject_id = models.CharField(max_length=255)
    region = models.CharField(max_length=64, blank=True)  # where the subject is, when it matters
    threshold = models.CharField(max_length=32)  # "30d", "7d", "expired", …
    message = models.TextField()  # plain text, never a secret's value
    raised_at = models.DateTimeField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.OPEN)
    snoozed_until = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.CharField(max_length=150, blank=True)  # a username
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "provider", "account", "subject_id", "threshold"],
                name="alerts_alert_once_per_threshold",
            )
        ]
        indexes = [models.Index(fields=["state", "snoozed_until"], name="alerts_alert_snoozed")]

    def __str__(self) -> str:
        return f"{self.kind} {self.threshold}: {self.provider}/{self.account} {self.subject}"


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"  # not tried yet
        SENT = "sent"
        FAILED = "failed"  # tried and failed: tried again at next_attempt_at

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=32)  # its name in ALERT_CHANNELS
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField()
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "deliveries"
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="alerts_delivery_due")]

    def __str__(self) -> str:
        return f"alert {self.alert_id} to {self.channel}: {self.status}"
