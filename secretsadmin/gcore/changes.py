"""A Gcore Cloud change after Gcore accepted it: the task that carries it out, followed to its end
and concluded in the audit log once, whoever is watching.

Gcore answers a write with a task at once. The attempt is then concluded `unknown` (the task is
running: it may still fail) with `TASK_RUNNING` and the task's id, which keeps it on the reconcile
work list; the task finishing concludes it `succeeded` (a create with the id of the secret it made)
or `failed` with Gcore's words. A change is found by its attempt, and its task from that accepted
event, never from what a page sends. Many people may watch one change: each reads the task through
the shared read (one GET per task per interval), and the first to see it done appends the outcome,
with appends held while it checks that nobody did before.
"""

import re
from dataclasses import dataclass, replace
from datetime import timedelta
from enum import StrEnum

from django.db import DatabaseError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from secretsadmin.audit import services as audit
from secretsadmin.audit.changes import Conclusion
from secretsadmin.audit.models import AuditEvent, Outcome
from secretsadmin.audit.selectors import RECONCILED, left_for_long
from secretsadmin.providers.gcore import NotFound, Submitted, Task

from . import actions, selectors

TASK_RUNNING = "task_running"  # error_code of an attempt Gcore accepted
TASK_ERROR = "task_error"  # error_code of a change whose task ended in ERROR
_ACCEPTED = "Gcore Cloud accepted the change; task {task_id} carries it out."
_TASK_ID = re.compile(r"task ([0-9A-Fa-f]{8}(?:-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}) carries it out")
NO_ERROR_GIVEN = "Gcore Cloud's task ended in ERROR without saying why."
TASK_FORGOTTEN = (
    "Gcore Cloud no longer knows this change's task: the list shows whether it was made, and "
    "audit_reconcile records what happened."
)
IN_FLIGHT_FOR = timedelta(days=1)  # an accepted change older than this is for reconcile to settle
IN_FLIGHT_SHOWN = 20
# What a badge says while the task runs.
WORKING = {
    actions.SECRET_CREATE: "creating…",
    actions.CERTIFICATE_CREATE: "uploading…",
    actions.SECRET_DELETE: "deleting…",
}
# What the change is doing, after its author's name: "eddie is deleting the secret www"; once
# done, `actions.DONE` says it ("eddie deleted the secret www").
DOING = {
    actions.SECRET_CREATE: ("is creating", "create", "the secret"),
    actions.CERTIFICATE_CREATE: ("is uploading", "upload", "the certificate"),
    actions.SECRET_DELETE: ("is deleting", "delete", "the secret"),
}


def accepted(submitted: Submitted) -> Conclusion:
    """How an accepted write concludes its attempt, until its task is done."""
    return Conclusion(Outcome.UNKNOWN, TASK_RUNNING, _ACCEPTED.format(task_id=submitted.task_id))


def task_id_of(event: AuditEvent) -> str | None:
    """The task of an accepted event, as `accepted` wrote it."""
    if event.error_code != TASK_RUNNING:
        return None
    found = _TASK_ID.search(event.error_message)
    return found[1] if found else None


class State(StrEnum):
    RUNNING = "running"  # Gcore accepted it, its task is not done (or not answered yet)
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    UNKNOWN = "unknown"  # no task to follow: what happened is for the list (or reconcile) to tell


@dataclass(frozen=True)
class Progress:
    attempt: AuditEvent
    state: State
    task_id: str | None = None
    task_state: str = ""  # Gcore's: NEW, RUNNING, FINISHED, ERROR ("" when not read)
    message: str = ""  # a failed task's error, or what the outcome says
    secret_id: str = ""  # known for a delete, and for a create once its task made the secret

    @property
    def done(self) -> bool:
        return self.state != State.RUNNING

    @property
    def creates(self) -> bool:
        return self.attempt.action in actions.CREATES

    @property
    def region_id(self) -> int:
        return int(self.attempt.region) if self.attempt.region.isdigit() else 0

    @property
    def doing(self) -> str:
        """ "is creating the secret", "created the secret", "tried to create the secret"."""
        running, verb, what = DOING.get(
            self.attempt.action, ("is changing", "change", "the secret")
        )
        if self.state == State.RUNNING:
            return f"{running} {what}"
        if self.state == State.SUCCEEDED:
            return actions.DONE.get(self.attempt.action, f"changed {what}")
        return f"tried to {verb} {what}"

    @property
    def word(self) -> str:
        """What the badge says: "creating…", "done", "failed"."""
        if self.state == State.RUNNING:
            return WORKING.get(self.attempt.action, "running…")
        return {State.SUCCEEDED: "done", State.FAILED: "failed"}.get(self.state, "unknown")

    @property
    def tone(self) -> str:
        """The badge's colour, as the other badges name them."""
        return {
            State.RUNNING: "pending",
            State.SUCCEEDED: "ready",
            State.FAILED: "failed",
        }.get(self.state, "muted")


def attempt_of(account: str, sequence: int) -> AuditEvent | None:
    """The attempt of a Gcore change in `account`, or None for any other event."""
    return AuditEvent.objects.filter(
        sequence=sequence,
        provider=actions.PROVIDER,
        account=account,
        action__in=actions.DONE,
        outcome=Outcome.ATTEMPTED,
    ).first()


def from_log(attempt: AuditEvent) -> Progress:
    """What the audit log says of the change, without asking Gcore Cloud."""
    outcomes = list(AuditEvent.objects.filter(attempt=attempt).order_by("sequence"))
    settled = next((o for o in reversed(outcomes) if _settles(o)), None)
    running = next((o for o in outcomes if o.error_code == TASK_RUNNING), None)
    task_id = task_id_of(running) if running else None
    if settled is not None:
        state = {Outcome.SUCCEEDED: State.SUCCEEDED, Outcome.FAILED: State.FAILED}.get(
            Outcome(settled.outcome), State.UNKNOWN
        )
        return Progress(
            attempt,
            state,
            task_id,
            message=settled.error_message,
            secret_id=settled.target_id or attempt.target_id,
        )
    if task_id:
        return Progress(attempt, State.RUNNING, task_id, secret_id=attempt.target_id)
    if outcomes or left_for_long(attempt.time, timezone.now()):
        # Not accepted (a timeout, a 5xx), or its worker died: the request's message said so.
        last = outcomes[-1] if outcomes else None
        return Progress(attempt, State.UNKNOWN, message=last.error_message if last else "")
    return Progress(attempt, State.RUNNING, secret_id=attempt.target_id)  # its POST is in flight


def follow(account: str, attempt: AuditEvent) -> Progress:
    """The change as it is now: its task read through the shared read while it runs, and the
    attempt concluded once the task is done. Raises the provider's error when the task cannot be
    read, and `audit.AuditUnavailable` when its conclusion cannot be recorded."""
    progress = from_log(attempt)
    if progress.done or progress.task_id is None:
        return progress
    try:
        task = selectors.task(account, progress.task_id)
    except NotFound:
        # Polling on would cost a call per viewer and interval for nothing: the region's
        # secrets tell what happened, which is audit_reconcile's to record.
        return replace(progress, state=State.UNKNOWN, message=TASK_FORGOTTEN)
    if not task.done:
        return replace(progress, task_state=task.state)
    conclude_task(attempt, task)
    return replace(from_log(attempt), task_state=task.state)


def conclude_task(attempt: AuditEvent, task: Task, *, error_code: str = "") -> AuditEvent:
    """Concludes the attempt from its finished task, once: fifty viewers seeing it finish append
    one outcome (the first's; the others get it). The region's shared list is forgotten, so the
    list shows what the task did."""
    if not task.done:
        raise ValueError(f"task {task.id} is {task.state}, not done")
    if task.state == "FINISHED":
        outcome, message = Outcome.SUCCEEDED, ""
        creates = attempt.action in actions.CREATES
        made = task.created_secrets[0] if creates and task.created_secrets else ""
    else:
        outcome, message, made = Outcome.FAILED, task.error or NO_ERROR_GIVEN, ""
    try:
        with transaction.atomic():
            audit.hold_appends()
            already = _settled(attempt)
            if already is not None:
                # Another viewer concluded it and may not have forgotten the old reads yet.
                _forget_what_it_touched(attempt, already)
                return already
            concluded = audit.conclude(
                attempt,
                outcome=outcome,
                error_code=error_code or ("" if outcome == Outcome.SUCCEEDED else TASK_ERROR),
                error_message=message,
                target_id=made,
            )
    except DatabaseError as exc:  # the commit itself failed
        raise audit.AuditUnavailable(f"the audit log cannot be written: {exc}") from exc
    _forget_what_it_touched(attempt, concluded)
    return concluded


def _forget_what_it_touched(attempt: AuditEvent, concluded: AuditEvent) -> None:
    if attempt.region.isdigit():
        touched = {attempt.target_id, concluded.target_id} - {""}
        selectors.forget(attempt.account, int(attempt.region), *touched)


def in_flight(account: str, *, target_id: str = "") -> list[Progress]:
    """The account's changes Gcore accepted whose tasks nobody has seen done yet, newest first
    (of `target_id` only, when given): what the list shows at its top while they run."""
    settled = AuditEvent.objects.filter(attempt=OuterRef("attempt")).filter(
        ~Q(outcome=Outcome.UNKNOWN) | Q(error_code=RECONCILED)
    )
    accepted_events = (
        AuditEvent.objects.filter(
            provider=actions.PROVIDER,
            account=account,
            # A replacement's switches are followed by its own page (`replacements`).
            action__in=actions.DONE,
            error_code=TASK_RUNNING,
            time__gte=timezone.now() - IN_FLIGHT_FOR,
        )
        .filter(~Exists(settled))
        .select_related("attempt")
        .order_by("-sequence")
    )
    if target_id:
        accepted_events = accepted_events.filter(target_id=target_id)
    return [
        Progress(
            event.attempt,
            State.RUNNING,
            task_id_of(event),
            secret_id=event.attempt.target_id,
        )
        for event in accepted_events[:IN_FLIGHT_SHOWN]
        if event.attempt is not None
    ]


def _settles(outcome: AuditEvent) -> bool:
    return outcome.outcome != Outcome.UNKNOWN or outcome.error_code == RECONCILED


def _settled(attempt: AuditEvent) -> AuditEvent | None:
    found = AuditEvent.objects.filter(attempt=attempt).order_by("sequence")
    return next((o for o in found if _settles(o)), None)
