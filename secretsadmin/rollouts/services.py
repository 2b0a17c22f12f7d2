"""Starting, advancing and ending an operation carried out in steps (`models.Rollout`).

The operation is an audited change of its own: its attempt is recorded when it starts and its
outcome when it ends (every step done, or stopped by a person), and each step's own attempt and
outcome point at that attempt (`operation`). One running operation per subject (the database
refuses a second), and one request at a time advances it (a lease): two people cannot run one
operation twice at once, and no step is sent twice by two pages polling together.
"""

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import NoReturn

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone

from secretsadmin.audit import services as audit
from secretsadmin.audit.models import AuditEvent, Outcome
from secretsadmin.audit.selectors import OPERATION_RUNNING
from secretsadmin.audit.services import Actor, Subject

from .models import Rollout, Step

ALREADY_RUNNING = "already_running"  # error_code of a start refused for a running operation
# A step the provider has carried out for this long without an end is stuck: the operation may
# then be stopped (its attempt stays open, for the reconcile step).
STUCK_AFTER = timedelta(minutes=30)
IN_STEPS = (
    "Carried out in steps, each recorded as a change of its own; the operation's outcome "
    "follows once they are done."
)
ABANDONED = "abandoned"  # error_code of an operation a person stopped


@dataclass(frozen=True)
class Planned:
    """A step as an operation is started with it."""

    target: str
    target_name: str
    kind: str
    role: str = ""


class NothingToDo(Exception):
    """An operation without steps: nothing was started or recorded."""


class AlreadyRunning(Exception):
    """The same operation is running already (its page resumes it); the refusal is recorded."""

    def __init__(self, rollout: Rollout) -> None:
        self.rollout = rollout
        self.message = (
            f"This is already being done: {rollout.started_by} started it at "
            f"{timezone.localtime(rollout.started_at):%Y-%m-%d %H:%M}. Its page shows where it "
            "stands and resumes it."
        )
        super().__init__(self.message)


class StepsInFlight(Exception):
    """An operation cannot be stopped while the provider carries out one of its steps."""


def running(kind: str, provider: str, account: str, subject: str) -> Rollout | None:
    return Rollout.objects.filter(
        kind=kind, provider=provider, account=account, subject=subject, state=Rollout.State.RUNNING
    ).first()


def refuse_if_running(
    actor: Actor, *, kind: str, action: str, subject: Subject, reason: str = ""
) -> None:
    """`AlreadyRunning`, the refusal recorded, when the operation `start` would start runs
    already: for work done before it starts (an upload) that must not be done then."""
    existing = running(kind, subject.provider, subject.account, subject.target_id or subject.target)
    if existing is not None:
        _refuse(actor, action, subject, AlreadyRunning(existing), reason)


def start(
    actor: Actor,
    *,
    kind: str,
    action: str,
    subject: Subject,
    steps: Sequence[Planned],
    subject_name: str = "",
    replacement: str = "",
    replacement_name: str = "",
    reason: str = "",
) -> Rollout:
    """Records the operation's attempt (`action` on `subject`; raises `AuditUnavailable` when it
    cannot be, and nothing starts), its steps, none sent yet, and that it is running
    (`OPERATION_RUNNING`: it runs for longer than a request, and an attempt left open that long
    would read as one whose request died).
    `subject.target_id` or, without one, `subject.target` names the thing it is for: one
    operation of a kind runs per thing."""
    if not steps:
        raise NothingToDo
    key = subject.target_id or subject.target
    refuse_if_running(actor, kind=kind, action=action, subject=subject, reason=reason)
    attempt = audit.attempt(actor, action=action, subject=subject, reason=reason)
    try:
        with transaction.atomic():
            rollout = Rollout.objects.create(
                kind=kind,
                provider=subject.provider,
                account=subject.account,
                region=subject.region,
                subject=key,
                subject_name=subject_name or subject.target,
                replacement=replacement,
                replacement_name=replacement_name,
                operation=attempt.sequence,
                started_by=actor.username,
            )
            Step.objects.bulk_create(
                Step(
                    rollout=rollout,
                    position=position,
                    target=step.target,
                    target_name=step.target_name,
                    kind=step.kind,
                    role=step.role,
                )
                for position, step in enumerate(steps)
            )
            audit.conclude(
                attempt,
                outcome=Outcome.UNKNOWN,
                error_code=OPERATION_RUNNING,
                error_message=IN_STEPS,
                operation=attempt.sequence,
            )
    except IntegrityError:
        # Another person started it between the check above and now: refused as above.
        other = running(kind, subject.provider, subject.account, key)
        audit.conclude(
            attempt,
            outcome=Outcome.DENIED,
            error_code=ALREADY_RUNNING,
            error_message=AlreadyRunning(other).message if other else "Started twice at once.",
        )
        if other is None:  # and it ended within the same instant: nothing to point to
            raise
        raise AlreadyRunning(other) from None
    return rollout


def _refuse(
    actor: Actor, action: str, subject: Subject, refused: AlreadyRunning, reason: str
) -> NoReturn:
    audit.record(
        actor,
        action=action,
        outcome=Outcome.DENIED,
        subject=subject,
        error_code=ALREADY_RUNNING,
        error_message=refused.message,
        reason=reason,
    )
    raise refused


def lease() -> timedelta:
    """Longer than a request may take (twice its provider deadline, and gunicorn's timeout): a
    lease outlives the request holding it only when that request's worker died, and then
    expires on its own."""
    return timedelta(seconds=max(2 * settings.PROVIDER_DEADLINE_SECONDS, 60) + 30)


class Busy(Exception):
    """Another request is advancing the operation right now."""


@contextmanager
def advancing(rollout: Rollout) -> Iterator[bool]:
    """Whether this request holds the operation's lease (True) until the block ends, or another
    one does (False: this one only shows where it stands). Times are the database's, the one
    clock every replica shares."""
    holder = uuid.uuid4().hex
    claimed = (
        Rollout.objects.filter(pk=rollout.pk, state=Rollout.State.RUNNING)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=Now()))
        .update(lease_holder=holder, lease_until=Now() + lease())
    )
    try:
        yield bool(claimed)
    finally:
        if claimed:
            Rollout.objects.filter(pk=rollout.pk, lease_holder=holder).update(
                lease_holder="", lease_until=None
            )


def operation_of(rollout: Rollout) -> AuditEvent:
    return AuditEvent.objects.get(sequence=rollout.operation)


def retry(rollout: Rollout, actor: Actor) -> int:
    """Sets the failed steps waiting again, for the next advance to send, and records that
    `actor` asked (within the operation); how many. Taken under the lease: not while another
    request sends a step (`Busy`)."""
    with advancing(rollout) as held:
        if not held:
            rollout.refresh_from_db()
            if not rollout.running:
                return 0
            raise Busy
        failed = list(rollout.steps.filter(state=Step.State.FAILED))
        if not failed:
            return 0
        operation = operation_of(rollout)
        audit.record(
            actor,
            action=f"{operation.action}.retry",
            outcome=Outcome.SUCCEEDED,
            subject=audit.Subject.of(operation),
            error_message=f"Sent again: {', '.join(s.target_name or s.target for s in failed)}.",
            operation=operation.sequence,
        )
        return rollout.steps.filter(pk__in=[step.pk for step in failed]).update(
            state=Step.State.WAITING, message="", request_id="", upstream_id=""
        )


def conclude_if_done(rollout: Rollout, steps: Sequence[Step]) -> bool:
    """Ends the operation as succeeded once every one of its `steps` (as just read) is done, its
    outcome saying on what; whether it has ended."""
    if not rollout.running or any(step.state != Step.State.DONE for step in steps):
        return not rollout.running
    _finish(rollout, Rollout.State.DONE, Outcome.SUCCEEDED, error_message=summary(steps))
    return True


def stoppable(steps: Sequence[Step]) -> bool:
    """Whether the operation may be stopped: no step is being carried out, or those that are
    have been for STUCK_AFTER (a task the provider lost would hold it running for good)."""
    stuck_since = timezone.now() - STUCK_AFTER
    return all(step.state != Step.State.SENT or step.updated_at < stuck_since for step in steps)


def abandon(rollout: Rollout, actor: Actor) -> bool:
    """Stops the operation with steps not done: the stop is recorded as `actor`'s, and the
    operation's outcome as failed with what was and was not done. Refused (`StepsInFlight`)
    while a step is carried out, and (`Busy`) while another request sends one: its outcome
    would be lost. Whether this stopped it (False: it had ended already)."""
    with advancing(rollout) as held:
        if not held:
            rollout.refresh_from_db()
            if not rollout.running:
                return False
            raise Busy
        steps = list(rollout.steps.all())
        if not stoppable(steps):
            raise StepsInFlight
        operation = operation_of(rollout)
        stopped = f"Stopped by {actor.username}. {summary(steps)}"
        audit.record(
            actor,
            action=f"{operation.action}.stop",
            outcome=Outcome.SUCCEEDED,
            subject=audit.Subject.of(operation),
            error_message=stopped,
            operation=operation.sequence,
        )
        return _finish(
            rollout,
            Rollout.State.ABANDONED,
            Outcome.FAILED,
            error_code=ABANDONED,
            error_message=stopped,
            operation=operation,
        )


def summary(steps: Sequence[Step]) -> str:
    """What was done, in words: "Done: A, B. Failed: C (why). Not done: D."."""
    parts = []
    for state, label in (
        (Step.State.DONE, "Done"),
        (Step.State.FAILED, "Failed"),
        (Step.State.SENT, "Still running"),
        (Step.State.WAITING, "Not done"),
    ):
        named = [
            step.target_name or step.target
            if state != Step.State.FAILED or not step.message
            else f"{step.target_name or step.target} ({step.message})"
            for step in steps
            if step.state == state
        ]
        if named:
            parts.append(f"{label}: {', '.join(named)}.")
    return " ".join(parts)


def _finish(
    rollout: Rollout,
    state: str,
    outcome: str,
    *,
    error_code: str = "",
    error_message: str,
    operation: AuditEvent | None = None,
) -> bool:
    """Ends a running operation as `state`, its outcome recorded in the same transaction;
    whether this ended it. Its lease is the holder's to release (`advancing`)."""
    try:
        with transaction.atomic():
            ended = Rollout.objects.filter(pk=rollout.pk, state=Rollout.State.RUNNING).update(
                state=state
            )
            if ended:
                audit.conclude(
                    operation or operation_of(rollout),
                    outcome=outcome,
                    error_code=error_code,
                    error_message=error_message,
                    operation=rollout.operation,
                )
    except DatabaseError as exc:
        raise audit.AuditUnavailable(f"the audit log cannot be written: {exc}") from exc
    rollout.refresh_from_db(fields=["state"])
    return bool(ended)
