"""Operations carried out in steps over many requests: agents redeployed after their set changed,
a certificate replaced on every listener and pool using it.

These rows are where an operation stands, for its page to show and resume from; what happened is
in the audit log (each step its own change, grouped under the operation's attempt). They change
as the operation goes on, so nothing here is evidence.
"""

import uuid

from django.db import models
from django.db.models import Q


class Rollout(models.Model):
    class State(models.TextChoices):
        RUNNING = "running"  # steps left to do (or failed, to retry): it can be resumed
        DONE = "done"  # every step done
        ABANDONED = "abandoned"  # stopped by a person with steps not done

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=64)  # the runner's (`runners.register`)
    provider = models.CharField(max_length=32)
    account = models.CharField(max_length=200)
    region = models.CharField(max_length=64, blank=True)
    subject = models.CharField(max_length=500)  # what it is for: a set's name, a secret's id
    subject_name = models.CharField(max_length=500, blank=True)
    replacement = models.CharField(max_length=200, blank=True)  # a new secret's id
    replacement_name = models.CharField(max_length=500, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.RUNNING)
    operation = models.BigIntegerField()  # the sequence of its attempt in the audit log
    started_by = models.CharField(max_length=150)
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Who advances it now, until when: one request at a time sends its steps.
    lease_holder = models.CharField(max_length=64, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # Two people cannot run one operation twice at once: a second start is refused.
            models.UniqueConstraint(
                fields=["kind", "provider", "account", "subject"],
                condition=Q(state="running"),
                name="rollouts_one_running",
            )
        ]
        indexes = [models.Index(fields=["provider", "account", "subject", "-started_at"])]

    def __str__(self) -> str:
        return f"{self.kind} of {self.subject_name or self.subject} ({self.state})"

    @property
    def running(self) -> bool:
        return self.state == self.State.RUNNING


class Step(models.Model):
    class State(models.TextChoices):
        WAITING = "waiting"  # not sent yet (or waiting for what it needs, such as a ready set)
        SENT = "sent"  # the provider accepted it and is carrying it out
        DONE = "done"  # carried out and checked
        FAILED = "failed"  # refused, or carried out wrong: can be retried

    rollout = models.ForeignKey(Rollout, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveIntegerField()
    target = models.CharField(max_length=200)  # an agent's name, a listener's or pool's id
    target_name = models.CharField(max_length=500, blank=True)
    kind = models.CharField(max_length=32)  # "agent", "listener", "pool"
    role = models.CharField(max_length=200, blank=True)  # how it uses the subject, in words
    state = models.CharField(max_length=16, choices=State.choices, default=State.WAITING)
    upstream_id = models.CharField(max_length=200, blank=True)  # a deployment's or task's id
    attempt = models.BigIntegerField(null=True, blank=True)  # its latest attempt's sequence
    message = models.TextField(blank=True)  # what it waits for, or why it failed
    request_id = models.CharField(max_length=128, blank=True)  # the provider's, when it failed
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["rollout", "position"], name="rollouts_step_position")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.target_name or self.target} ({self.state})"
