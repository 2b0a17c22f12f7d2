"""Replacing a certificate on every listener and pool using it: an operation in steps
(`rollouts`), one switch per listener's or pool's use of the old certificate.

Gcore Cloud has no update of a secret: the new certificate is another secret, uploaded (sent
just before the operation starts, whose first step follows its task) or picked among the region's.
The audit log names both certificates in the operation's attempt and in each switch's reason, and
each step by its load balancer ("web-lb / https").
Then each use is switched in turn, never two at once: Octavia locks a load balancer while it
updates one of its listeners or pools, so a second update would only meet a 409: a switch whose
listener, pool or load balancer is PENDING_* waits without being sent. A switch is its
own audited change of the listener or pool: its attempt before the PATCH, Gcore's acceptance
(`changes.accepted`, the task id) after, and once the task is done and the listener or pool read
back names the new certificate (and, in that role, no longer the old), its final outcome. Only
the fields changed are sent: a listener's SNI list whole, the old id replaced where it stood.

Where each step stands is in the database and every change is written ahead in the audit log:
a closed tab, a failed task or a restart leave the operation to be resumed from its page.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import DatabaseError, transaction
from django.urls import reverse
from django.utils import timezone

from secretsadmin.audit import services as audit
from secretsadmin.audit.changes import ChangeFailed, Conclusion, recorded_change
from secretsadmin.audit.models import AuditEvent, Outcome
from secretsadmin.audit.services import Actor, Subject
from secretsadmin.core.provider_errors import describe_read
from secretsadmin.core.provider_pages import with_request_id
from secretsadmin.providers.errors import ProviderError
from secretsadmin.providers.gcore import Conflict, Listener, NotFound, Pool, Secret, Submitted
from secretsadmin.rollouts import services as rollouts
from secretsadmin.rollouts.models import Rollout, Step

from . import actions, changes, reconcile, selectors, services, usage
from .messages import describe

KIND = "gcore.certificate.replace"
TLS = "certificate"  # the secret type of a TLS certificate, all a load balancer takes
UPLOAD = TLS  # the kind of the step that uploads the new certificate
UPLOAD_ROLE = "the new certificate, uploaded"
NO_TASK = "no_task"  # error_code of a switch Gcore started no task for: it is checked at once
NOT_SWITCHED = "not_switched"  # error_code of a switch done whose listener or pool was not
# A pool's fields by the role the secret has there.
POOL_FIELDS = {"client certificate": "secret_id", "CA": "ca_secret_id", "CRL": "crl_secret_id"}
# After a 409 (Gcore busy with the load balancer), the step is sent again this much later.
BUSY_WAIT = timedelta(seconds=10)
SENT_AGAIN = "It is sent again shortly, once that is done."
NOT_UPLOADED = "Not sent: the new certificate was not uploaded."
# After an upload whose task Gcore forgot (or whose request ended before its step was saved),
# the region's certificates of its name created since its attempt tell whether it was made.
UPLOAD_FOUND = (
    "Gcore Cloud no longer knows the upload's task; the certificate {name} it made (created at "
    "{at}) was found in the region."
)
UPLOAD_LOST = (
    "No certificate named {name} was created since the upload was sent, and it cannot be sent "
    "again from here (the private key is not kept): stop this replacement and start another "
    "with the certificate."
)
UPLOAD_UNTOLD = (
    "{count} certificates named {name} were created since the upload was sent, and which is "
    "this one's cannot be told: stop this replacement and start another, picking the right one."
)
UPLOAD_UNREAD = "Whether the certificate was made is not known yet: {why}. Retry to look again."
WORKING = "Gcore Cloud is carrying it out ({state})."
PENDING = (
    "Gcore Cloud is busy with the {what} ({status}): it is sent once that is done, nothing was "
    "sent meanwhile."
)
ALREADY = "It used the new certificate already: nothing was sent."
NOT_THE_OLD = "It no longer uses the old certificate: nothing was sent."
GONE = "It no longer exists: nothing was sent."
UNREAD = "Not known yet: {why}. Read again shortly."
# The attempt a sent step names is not in the audit log: only a hand in the database removes one.
LOST = "Its audit record is missing, so its outcome cannot be recorded: tell an auditor."
FORGOTTEN_SWITCHED = "Gcore Cloud no longer knows its task; read back, it uses the new certificate."
FORGOTTEN_UNSWITCHED = (
    "Gcore Cloud no longer knows its task, and the {kind} does not use the new certificate: "
    "retry to look again and send it once more if need be."
)


class NotACertificate(Exception):
    """Only a TLS certificate is replaced by another."""


class NotAReplacement(Exception):
    """The certificate picked cannot replace the old one: the sentence says why."""


class UploadedNotStarted(Exception):
    """The certificate was uploaded, but the replacement could not start after it (another
    person started one meanwhile, the audit log failed): the sentence says what to do."""


def running(account: str, secret: Secret) -> Rollout | None:
    """The replacement of `secret` under way, if any (its page resumes it)."""
    return rollouts.running(KIND, actions.PROVIDER, account, secret.id)


def candidates(account: str, old: Secret, *, fresh: bool = False) -> tuple[Secret, ...]:
    """The region's certificates that may replace `old`: not itself, not expired; by name."""
    now = timezone.now()
    found = selectors.region_secrets(account, old.region_id, fresh=fresh)
    return tuple(
        sorted(
            (s for s in found if s.id != old.id and _replaces(s, now)),
            key=lambda s: (s.name, s.created),
        )
    )


def users(account: str, old: Secret) -> tuple[usage.SecretUse, ...]:
    """What a replacement would switch, read afresh; raises `services.UsersUnreadable`."""
    try:
        return usage.users_of(account, old.region_id, old.id, fresh=True)
    except ProviderError as error:
        raise services.UsersUnreadable(error) from error


def start_with(
    actor: Actor, *, account: str, old: Secret, new_id: str, reason: str = ""
) -> Rollout:
    """Starts replacing `old` by the region's certificate `new_id` (read afresh). Raises
    `NotAReplacement`, `services.UsersUnreadable`, `rollouts.NothingToDo` (nothing uses it),
    `rollouts.AlreadyRunning` and `audit.AuditUnavailable`."""
    _check_old(old)
    try:
        new = next((s for s in candidates(account, old, fresh=True) if s.id == new_id), None)
    except ProviderError as error:
        raise services.Unreadable(error) from error
    if new is None:
        raise NotAReplacement(
            "That certificate cannot replace it: pick another certificate of the region, one "
            "that has not expired."
        )
    said = f"Replacing certificate {_named(old.name, old.id)} by {_named(new.name, new.id)}."
    return rollouts.start(
        actor,
        kind=KIND,
        action=actions.CERTIFICATE_REPLACE,
        subject=_subject(account, old),
        steps=_switches(users(account, old)),
        subject_name=old.name,
        replacement=new.id,
        replacement_name=new.name,
        reason=_with_reason(said, reason),
    )


def start_with_upload(
    actor: Actor,
    *,
    account: str,
    old: Secret,
    name: str,
    certificate: str,
    certificate_chain: str,
    private_key: str,
    expiration: datetime | None = None,
    reason: str = "",
    duplicate_confirmed: bool = False,
) -> Rollout:
    """Starts replacing `old` by a certificate uploaded now (checked by the form). Raises what
    `start_with` raises, `services.DuplicateName`, `services.Unreadable` and `ChangeFailed` (an
    upload Gcore refused or may not have made, its outcome recorded), nothing started then.

    The upload is sent before the operation starts, so that one Gcore refuses at once leaves
    nothing started (a started operation only ends as done or stopped by a person). It is
    then its own change, not grouped under the operation: each names the other in its reason
    (the create, the certificate it is to replace; the operation, the create's sequence), and
    the operation's first step follows its task."""
    _check_old(old)
    switches = _switches(users(account, old))
    if not switches:
        raise rollouts.NothingToDo
    services.names_checked(account, old.region_id, name, duplicate_confirmed)
    planned = [rollouts.Planned(name, name, UPLOAD, UPLOAD_ROLE), *switches]

    def start(said: str) -> Rollout:
        return rollouts.start(
            actor,
            kind=KIND,
            action=actions.CERTIFICATE_REPLACE,
            subject=_subject(account, old),
            steps=planned,
            subject_name=old.name,
            replacement_name=name,
            reason=_with_reason(said, reason),
        )

    rollouts.refuse_if_running(
        actor,
        kind=KIND,
        action=actions.CERTIFICATE_REPLACE,
        subject=_subject(account, old),
        reason=reason,
    )
    started = services.create_certificate(
        actor,
        account=account,
        region_id=old.region_id,
        name=name,
        certificate=certificate,
        certificate_chain=certificate_chain,
        private_key=private_key,
        expiration=expiration,
        reason=_with_reason(f"Uploaded to replace certificate {_named(old.name, old.id)}.", reason),
        duplicate_confirmed=True,  # checked just above
    )
    try:
        rollout = start(
            f"Replacing certificate {_named(old.name, old.id)} by {name}, uploaded by change "
            f"#{started.sequence}."
        )
    except (rollouts.AlreadyRunning, audit.AuditUnavailable) as refused:
        why = (
            refused.message
            if isinstance(refused, rollouts.AlreadyRunning)
            else "the audit log cannot be written right now"
        )
        raise UploadedNotStarted(
            f"The certificate {name} was uploaded, but the replacement could not start ({why}). "
            f"Once it appears in the region, pick it here to replace {old.name} with it; do not "
            "upload it again."
        ) from refused
    _sent(rollout.steps.get(position=0), started.task_id, started.attempt)
    return rollout


class Replacement:
    """The runner of replacements (`rollouts.runners`)."""

    kind = KIND
    step_heading = "Listener or pool"
    shown_as = "Gcore Cloud"
    upstream_label = "task"
    template = "gcore/replacement.html"

    def title(self, rollout: Rollout) -> str:
        return (
            f"Replace certificate {rollout.subject_name} by "
            f"{rollout.replacement_name or 'a new certificate'}"
        )

    def subject_url(self, rollout: Rollout) -> str:
        return _page(rollout, rollout.subject)

    def advance(self, rollout: Rollout, actor: Actor, *, send: bool) -> None:
        steps = list(rollout.steps.all())
        for step in steps:
            if step.state == Step.State.SENT:
                _follow(rollout, step, actor)
        if not send or any(step.state == Step.State.SENT for step in steps):
            return
        for step in steps:
            if step.state != Step.State.WAITING:
                continue
            _send(rollout, step, actor)
            if step.state != Step.State.DONE:
                return  # one switch at a time: the next pass sends the next


# -- following what was sent --------------------------------------------------------------------


def _follow(rollout: Rollout, step: Step, actor: Actor) -> None:
    attempt = AuditEvent.objects.filter(sequence=step.attempt or 0).first()
    if attempt is None:
        _end(step, Step.State.FAILED, LOST)
        return
    try:
        task = selectors.task(rollout.account, step.upstream_id)
    except NotFound:
        task = None  # Gcore forgets old tasks: what the listener or pool says still tells
    except ProviderError as error:
        _note(
            step, UNREAD.format(why=with_request_id(describe_read(error), actor.request_id, error))
        )
        return
    if task is not None and not task.done:
        _working(step, task.state)
        return
    if step.kind == UPLOAD:
        if task is None:
            _adopt(rollout, step, attempt)
        else:
            concluded = changes.conclude_task(attempt, task)
            if concluded.outcome == Outcome.SUCCEEDED and concluded.target_id:
                Rollout.objects.filter(pk=rollout.pk).update(replacement=concluded.target_id)
                rollout.replacement = concluded.target_id
                _end(step, Step.State.DONE, "")
            else:
                _end(step, Step.State.FAILED, concluded.error_message or changes.NO_ERROR_GIVEN)
                _not_uploaded(rollout)
        return
    if task is not None and task.state == "ERROR":
        concluded = changes.conclude_task(attempt, task)
        _end(step, Step.State.FAILED, concluded.error_message or changes.NO_ERROR_GIVEN)
        return
    _check(rollout, step, attempt, actor, task=task is not None)


def _check(rollout: Rollout, step: Step, attempt: AuditEvent, actor: Actor, *, task: bool) -> None:
    """Reads the listener or pool back once its task finished (or when it had none): the switch
    is done when it names the new certificate (and, in that role, not the old), the attempt
    concluded either way, once. A task Gcore forgot (`task` False) tells nothing: unswitched,
    the step fails for a retry to look again, the attempt left unknown."""
    try:
        switched = _switched(_read(rollout, step), step, rollout)
    except ProviderError as error:
        _note(
            step, UNREAD.format(why=with_request_id(describe_read(error), actor.request_id, error))
        )
        return
    if switched:
        settled = _settle(attempt, Outcome.SUCCEEDED, "", "" if task else FORGOTTEN_SWITCHED)
        _end(step, Step.State.DONE, settled.error_message)
    elif not task:
        _end(step, Step.State.FAILED, FORGOTTEN_UNSWITCHED.format(kind=step.kind))
    else:
        # Failed whatever the log says (audit_reconcile may have concluded it from the task).
        unswitched = (
            f"Gcore Cloud's task ended, but the {step.kind} read back does not use the new "
            f"certificate {rollout.replacement_name} as {step.role}."
        )
        _settle(attempt, Outcome.FAILED, NOT_SWITCHED, unswitched)
        _end(step, Step.State.FAILED, unswitched)
    selectors.forget_users(rollout.account, int(rollout.region))


def _settle(
    attempt: AuditEvent, outcome: str, code: str, message: str, *, target_id: str = ""
) -> AuditEvent:
    """The attempt's final outcome, appended unless one was (a pass that died before its step
    was saved)."""
    try:
        with transaction.atomic():
            audit.hold_appends()
            already = (
                AuditEvent.objects.filter(attempt=attempt)
                .exclude(outcome=Outcome.UNKNOWN)
                .order_by("sequence")
                .first()
            )
            if already is not None:
                return already
            return audit.conclude(
                attempt,
                outcome=outcome,
                error_code=code,
                error_message=message,
                target_id=target_id,
            )
    except DatabaseError as exc:  # the commit itself failed
        raise audit.AuditUnavailable(f"the audit log cannot be written: {exc}") from exc


# -- sending a switch ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Switch:
    """What Gcore answered a switch: a task, or none (it had nothing to change)."""

    submitted: Submitted | None

    @property
    def status(self) -> int:
        return self.submitted.status if self.submitted else 200


def _accepted(answer: _Switch) -> Conclusion:
    if answer.submitted is not None:
        return changes.accepted(answer.submitted)
    return Conclusion(
        Outcome.UNKNOWN, NO_TASK, "Gcore Cloud started no task (nothing to change): checked now."
    )


def _send(rollout: Rollout, step: Step, actor: Actor) -> None:
    if step.kind == UPLOAD:
        _resume_upload(rollout, step, actor)
        return
    if not rollout.replacement:
        _end(step, Step.State.FAILED, NOT_UPLOADED)
        return
    if step.message.endswith(SENT_AGAIN) and timezone.now() < step.updated_at + BUSY_WAIT:
        return
    try:
        current = _read(rollout, step)
    except NotFound:
        _end(step, Step.State.DONE, GONE)
        return
    except ProviderError as error:
        said = with_request_id(describe_read(error), actor.request_id, error)
        _end(step, Step.State.FAILED, f"{said} Nothing was sent.", error=error)
        return
    if _switched(current, step, rollout):
        _end(step, Step.State.DONE, ALREADY)
        return
    if not _uses_old(current, step, rollout):
        _end(step, Step.State.DONE, NOT_THE_OLD)
        return
    try:
        busy = _pending(rollout, current)
    except ProviderError as error:
        said = with_request_id(describe_read(error), actor.request_id, error)
        _note(step, UNREAD.format(why=said))
        return
    if busy:
        _note(step, busy)
        return
    client = selectors.client(rollout.account)
    region_id = int(rollout.region)
    if isinstance(current, Listener):
        action = actions.LISTENER_UPDATE
        if step.role == "SNI certificate":
            sni = [
                rollout.replacement if i == rollout.subject else i for i in current.sni_secret_ids
            ]

            def call() -> _Switch:
                return _Switch(
                    client.update_listener_certificates(
                        region_id, current.id, sni_secret_ids=list(dict.fromkeys(sni))
                    )
                )
        else:

            def call() -> _Switch:
                return _Switch(
                    client.update_listener_certificates(
                        region_id, current.id, secret_id=rollout.replacement
                    )
                )
    else:
        action = actions.POOL_UPDATE
        field = {POOL_FIELDS[step.role]: rollout.replacement}

        def call() -> _Switch:
            return _Switch(client.update_pool_certificates(region_id, current.id, **field))

    what = f"the {step.kind} {step.target_name}"
    try:
        recorded = recorded_change(
            actor,
            action=action,
            subject=Subject(
                actions.PROVIDER, rollout.account, rollout.region, step.target_name, step.target
            ),
            call=call,
            describe=lambda error: describe(error, subject=what),
            provider=services.SHOWN_AS,
            conclusion=_accepted,
            reason=_switch_reason(rollout),
            operation=rollout.operation,
        )
    except ChangeFailed as failure:
        cause = _cause(failure)
        if failure.attempt is None and cause is None:
            raise audit.AuditUnavailable(failure.message) from failure
        said = with_request_id(failure.message, failure.request_id, cause)
        if isinstance(cause, Conflict):
            # Not failed: Gcore is busy with the load balancer, and the step waits its turn.
            _end(step, Step.State.WAITING, f"{said} {SENT_AGAIN}", attempt=failure.attempt)
            return
        _end(step, Step.State.FAILED, said, attempt=failure.attempt, error=cause)
        return
    if recorded.answer.submitted is None:
        step.attempt = recorded.attempt.sequence
        _check(rollout, step, recorded.attempt, actor, task=True)
        return
    _sent(step, recorded.answer.submitted.task_id, recorded.attempt)


# -- an upload followed after its task is gone -------------------------------------------------


def _resume_upload(rollout: Rollout, step: Step, actor: Actor) -> None:
    """The upload step waiting: its request ended before the step was saved, or it is retried
    after its task was forgotten. Never sent again (the private key is not kept): its task is
    followed when the log has it, else the certificate is looked for by name."""
    attempt = _upload_attempt(rollout, step)
    if attempt is None:
        _end(step, Step.State.FAILED, UPLOAD_LOST.format(name=step.target))
        _not_uploaded(rollout)
        return
    task_id = next(
        filter(None, map(changes.task_id_of, AuditEvent.objects.filter(attempt=attempt))), None
    )
    if task_id:
        _sent(step, task_id, attempt)
        _follow(rollout, step, actor)
        return
    _adopt(rollout, step, attempt)


def _upload_attempt(rollout: Rollout, step: Step) -> AuditEvent | None:
    """The upload's attempt: the step's, or the create of its name just before the operation
    (sent before it started, `start_with_upload`)."""
    if step.attempt:
        return AuditEvent.objects.filter(sequence=step.attempt).first()
    return (
        AuditEvent.objects.filter(
            action=actions.CERTIFICATE_CREATE,
            outcome=Outcome.ATTEMPTED,
            provider=actions.PROVIDER,
            account=rollout.account,
            region=rollout.region,
            target=step.target,
            sequence__lt=rollout.operation,
        )
        .order_by("-sequence")
        .first()
    )


def _adopt(rollout: Rollout, step: Step, attempt: AuditEvent) -> None:
    """Its task forgotten, the upload is told by the region's certificates of its name created
    since its attempt, as `reconcile` tells a create: exactly one is the new certificate."""
    step.attempt = attempt.sequence
    # An attempt's time unreadable in the log: the operation started just after it.
    sent_at = attempt.time if isinstance(attempt.time, datetime) else rollout.started_at
    since = sent_at - reconcile.CLOCK_SLACK
    try:
        found = selectors.named(rollout.account, int(rollout.region), step.target, fresh=True)
    except ProviderError as error:
        _end(step, Step.State.FAILED, UPLOAD_UNREAD.format(why=describe_read(error)), error=error)
        _not_uploaded(rollout)
        return
    made = [s for s in found if s.secret_type == TLS and s.created >= since]
    if len(made) != 1:
        said = (
            UPLOAD_UNTOLD.format(count=len(made), name=step.target)
            if made
            else UPLOAD_LOST.format(name=step.target)
        )
        _end(step, Step.State.FAILED, said)
        _not_uploaded(rollout)
        return
    secret = made[0]
    at = f"{secret.created.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"
    _settle(
        attempt,
        Outcome.SUCCEEDED,
        services.FOUND_BY_NAME,
        UPLOAD_FOUND.format(name=secret.name, at=at),
        target_id=secret.id,
    )
    Rollout.objects.filter(pk=rollout.pk).update(replacement=secret.id)
    rollout.replacement = secret.id
    _end(step, Step.State.DONE, UPLOAD_FOUND.format(name=secret.name, at=at))
    # The switches failed for want of it go on.
    rollout.steps.filter(state=Step.State.FAILED, message=NOT_UPLOADED).update(
        state=Step.State.WAITING, message=""
    )


# -- what a listener or pool says -------------------------------------------------------------


def _pending(rollout: Rollout, current: Listener | Pool) -> str:
    """Why it cannot be sent now, or "": Octavia refuses (409) an update while the listener or
    pool, or its load balancer, is PENDING_*. Read first, the wait is not an attempt in the
    log."""
    kind = "listener" if isinstance(current, Listener) else "pool"
    if current.provisioning_status.startswith("PENDING"):
        return PENDING.format(what=f"{kind} {current.name}", status=current.provisioning_status)
    ids = [current.load_balancer_id] if isinstance(current, Listener) else current.load_balancer_ids
    client = selectors.client(rollout.account)
    for balancer_id in filter(None, ids):
        balancer = client.get_load_balancer(int(rollout.region), balancer_id)
        if balancer.provisioning_status.startswith("PENDING"):
            return PENDING.format(
                what=f"load balancer {balancer.name}", status=balancer.provisioning_status
            )
    return ""


def _read(rollout: Rollout, step: Step) -> Listener | Pool:
    client = selectors.client(rollout.account)
    if step.kind == "listener":
        return client.get_listener(int(rollout.region), step.target)
    return client.get_pool(int(rollout.region), step.target)


def _holds(found: Listener | Pool, step: Step, secret_id: str) -> bool:
    if isinstance(found, Listener):
        if step.role == "SNI certificate":
            return secret_id in found.sni_secret_ids
        return found.secret_id == secret_id
    used: str | None = getattr(found, POOL_FIELDS[step.role])
    return used == secret_id


def _switched(found: Listener | Pool, step: Step, rollout: Rollout) -> bool:
    return _holds(found, step, rollout.replacement) and not _holds(found, step, rollout.subject)


def _uses_old(found: Listener | Pool, step: Step, rollout: Rollout) -> bool:
    return _holds(found, step, rollout.subject)


# -- steps --------------------------------------------------------------------------------------


def _sent(step: Step, task_id: str, attempt: AuditEvent) -> None:
    step.state, step.upstream_id, step.attempt = Step.State.SENT, task_id, attempt.sequence
    step.message = step.request_id = ""
    step.save()


def _end(
    step: Step,
    state: str,
    message: str,
    *,
    attempt: AuditEvent | None = None,
    error: ProviderError | None = None,
) -> None:
    step.state, step.message = state, message
    step.request_id = (error.request_id or "") if error is not None else ""
    if attempt is not None:
        step.attempt = attempt.sequence
    step.save()


def _note(step: Step, message: str) -> None:
    step.message = message
    step.save(update_fields=["message", "updated_at"])


def _not_uploaded(rollout: Rollout) -> None:
    """Nothing can switch without the new certificate: the switches fail at once, so the page
    offers Retry and Stop instead of waiting for ever."""
    rollout.steps.filter(state=Step.State.WAITING).exclude(kind=UPLOAD).update(
        state=Step.State.FAILED, message=NOT_UPLOADED
    )


def _working(step: Step, state: str) -> None:
    said = WORKING.format(state=state)
    if step.message != said:  # written once per state: a poll must not look like progress
        _note(step, said)


def _switches(found: tuple[usage.SecretUse, ...]) -> list[rollouts.Planned]:
    # Named with their load balancer: "web-lb / https" is what an auditor can find.
    return [
        rollouts.Planned(use.id, f"{use.load_balancer} / {use.name}", use.kind, use.role)
        for use in found
    ]


def _named(name: str, secret_id: str) -> str:
    return f"{name} ({secret_id})"


def _with_reason(said: str, reason: str) -> str:
    """The system's sentence, then on its own line the person's reason (`_persons_reason`)."""
    return f"{said}\n{reason}" if reason else said


def _persons_reason(rollout: Rollout) -> str:
    return rollouts.operation_of(rollout).reason.partition("\n")[2]


def _switch_reason(rollout: Rollout) -> str:
    """Each switch says which certificate replaces which: its own event must tell it."""
    said = (
        f"Replacing certificate {_named(rollout.subject_name, rollout.subject)} by "
        f"{_named(rollout.replacement_name, rollout.replacement)}."
    )
    return _with_reason(said, _persons_reason(rollout))


def _subject(account: str, old: Secret) -> Subject:
    return Subject(actions.PROVIDER, account, str(old.region_id), old.name, old.id)


def _check_old(old: Secret) -> None:
    if old.secret_type != TLS:
        raise NotACertificate(old.name)


def _replaces(secret: Secret, now: datetime) -> bool:
    return secret.secret_type == TLS and (secret.expiration is None or secret.expiration > now)


def _cause(failure: Exception) -> ProviderError | None:
    cause = failure.error if isinstance(failure, services.Unreadable) else failure.__cause__
    return cause if isinstance(cause, ProviderError) else None


def _page(rollout: Rollout, secret_id: str) -> str:
    return reverse("gcore:secret", args=[rollout.account, int(rollout.region), secret_id])
