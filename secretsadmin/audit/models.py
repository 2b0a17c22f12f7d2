"""The audit log: one row per fact, appended and never changed.

Rows are written only by `services` (which assigns the sequence and links the hash chain under a
lock); this module refuses every other way of changing them that goes through Django. On
PostgreSQL, triggers (migration 0002) refuse UPDATE, DELETE and TRUNCATE from anywhere.

Summaries of the log serve its filters, kept by triggers on every append (migrations 0005 and
0006): `TimeBlock`, `OpenAttempt` and, on SQLite, the trigram table `audit_search`. Nothing else
writes them, and on PostgreSQL the dashboard's role may only read them.
"""

from collections.abc import Iterable
from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.db.models import Q

from . import chain
from .fields import StoredTime, StoredUUID

# Events per `TimeBlock`: the trigger of migration 0005 computes `sequence / 1024` itself.
TIME_BLOCK = 1024


class AppendOnly(Exception):
    """An update or deletion of audit events was attempted."""


class Outcome(models.TextChoices):
    ATTEMPTED = "attempted"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    DENIED = "denied"
    UNKNOWN = "unknown"
    # A change made outside the dashboard, as the watcher saw it: no attempt of ours precedes it.
    OBSERVED = "observed"


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnly("audit events cannot be updated")

    def delete(self) -> NoReturn:
        raise AppendOnly("audit events cannot be deleted")

    def bulk_update(
        self, objs: Iterable["AuditEvent"], fields: Iterable[str], batch_size: int | None = None
    ) -> NoReturn:
        raise AppendOnly("audit events cannot be updated")

    def bulk_create(self, objs: Iterable["AuditEvent"], *args: Any, **kwargs: Any) -> NoReturn:
        # Rows inserted in bulk would skip the append lock and fork the chain.
        raise AppendOnly("audit events are appended one at a time by audit.services")


def _index(*fields: str) -> models.Index:
    # Every filter is paired with the sequence, so "newest first" walks the index and stops at
    # one page instead of sorting every match.
    name = "audit_" + "_".join(f.lstrip("-")[:10] for f in fields) + "_idx"
    return models.Index(fields=[*fields, "-sequence"], name=name[:30])


class AuditEvent(models.Model):
    # The sequence is the key: gap-free (checked by verify) and the order of the chain.
    sequence = models.BigIntegerField(primary_key=True)
    uuid = StoredUUID(unique=True, editable=False)
    time = StoredTime(db_index=True)
    request_id = models.CharField(max_length=128, blank=True)

    # No database constraint and DO_NOTHING: deleting a user must not touch the audit row (SET_NULL
    # would be an UPDATE, which the log refuses). The copies below keep the row readable after.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_username = models.CharField(max_length=150, blank=True)
    actor_email = models.CharField(max_length=254, blank=True)
    actor_roles = models.JSONField(default=list)
    auth_method = models.CharField(max_length=32, blank=True)
    source_ip = models.CharField(max_length=45, blank=True)
    user_agent = models.CharField(max_length=512, blank=True)

    action = models.CharField(max_length=100)
    provider = models.CharField(max_length=32, blank=True)
    account = models.CharField(max_length=200, blank=True)
    region = models.CharField(max_length=64, blank=True)
    target = models.CharField(max_length=500, blank=True)
    target_id = models.CharField(max_length=200, blank=True)
    keys = models.JSONField(default=list)

    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    upstream_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error_code = models.CharField(max_length=100, blank=True)
    error_message = models.TextField(blank=True)
    reason = models.TextField(blank=True)
    # Indexed by `audit_settles_idx` below, which also answers whether an outcome settles it.
    attempt = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="outcomes",
        db_index=False,
    )
    fingerprints = models.JSONField(default=dict)
    # The attempt of the operation this event is a step of (agents redeployed after a change, a
    # certificate replaced on several listeners): its steps' attempts and outcomes point at it.
    operation = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="steps",
        db_index=False,
    )
    # What the watcher saw changed elsewhere and, when the provider's own log says, who did it
    # there: {"changes": [...], "by": {...}} (`services.record`). Null on every other event.
    observed = models.JSONField(null=True, blank=True)

    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = AuditEventQuerySet.as_manager()

    # Not a column: the outcome `selectors.page` shows for each row it reads.
    shown_outcome: str

    class Meta:
        ordering = ["-sequence"]
        indexes = [
            _index("action"),
            _index("provider"),
            _index("account"),
            _index("target"),
            _index("target_id"),
            _index("outcome"),
            _index("request_id"),
            _index("actor_username"),
            _index("actor_email"),
            _index("operation"),
            # Is this attempt settled? From the index alone (selectors.pending_attempts).
            models.Index(
                fields=["attempt", "outcome", "error_code"],
                condition=Q(attempt__isnull=False),
                name="audit_settles_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} {self.outcome}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnly("audit events cannot be updated")
        if not self.hash or self.hash != chain.digest(chain.content_of(self)):
            raise AppendOnly("audit events are appended by audit.services, which chains them")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnly("audit events cannot be deleted")


class TimeBlock(models.Model):
    """The earliest and latest time of the events of one block of TIME_BLOCK sequences, kept by
    a trigger on every append (migration 0005; on PostgreSQL the dashboard's role may only read
    it). A time filter reads only the blocks whose times overlap it: times follow the sequence
    closely, so those are few, yet an event recorded with an earlier clock is still found."""

    block = models.BigIntegerField(primary_key=True)  # sequence // TIME_BLOCK
    earliest = models.DateTimeField()
    latest = models.DateTimeField()

    def __str__(self) -> str:
        return f"block {self.block}: {self.earliest} to {self.latest}"


class OpenAttempt(models.Model):
    """An attempt that no outcome has settled yet, kept by the trigger of migration 0005: added
    as it is appended, removed when an outcome settles it. The `unknown` filter reads these few
    instead of asking of every attempt in the log whether an outcome settled it."""

    sequence = models.BigIntegerField(primary_key=True)  # the attempt's

    def __str__(self) -> str:
        return f"attempt #{self.sequence}"
