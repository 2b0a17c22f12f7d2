"""Replacing a certificate on every listener and pool using it: an operation in steps
(`rollouts`), one switch per listener's or pool's use of the old certificate.

Gcore Cloud has no update of a secret: the new certificate is another secret, uploaded (the
operation's first step, its create grouped under the operation) or picked among the region's.
Then each use is switched in turn, never two at once: Octavia locks a load balancer while it
updates one of its listeners or pools, so a second update would only meet a 409. A switch is its
own audited change of the listener or pool: its attempt before the PATCH, Gcore's acceptance
(`changes.accepted`, the task id) after, and once the task is done and the listener or pool read
back names the new certificate (and, in that role, no longer the old), its final outcome. Only
the fields changed are sent: a listener's SNI list whole, the old id replaced where it stood.

Where each step stands is in the database and every change is written ahead in the audit log:
a closed tab, a failed task or a restart leave the operation to be resumed from its page.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

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

from . import actions, changes, selectors, services, usage
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
UPLOAD_LOST = (
    "The upload cannot be sent again from here (the private key is not kept): stop this "
    "replacement and start another with the certificate."
)
ALREADY = "It used the new certificate already: nothing was sent."
NOT_THE_OLD = "It no longer uses the old certificate: nothing was sent."
GONE = "It no longer exists: nothing was sent."
UNREAD = "Not known yet: {why}. Read again shortly."
FORGOTTEN_SWITCHED = "Gcore Cloud no longer knows its task; read back, it uses the new certificate."
FORGOTTEN_UNSWITCHED = (
    "Gcore Cloud no longer knows its task, and the {kind} does not use the new certificate: "
    "retry to look again and send it once more if need be."
)


class NotACertificate(Exception):
    """Only a TLS certificate is replaced by another."""


class NotAReplacement(Exception):
    """The certificate picked cannot replace the old one: the sentence says why."""


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
    return rollouts.start(
        actor,
        kind=KIND,
        action=actions.CERTIFICATE_REPLACE,
        subject=_subject(account, old),
        steps=_switches(users(account, old)),
        subject_name=old.name,
        replacement=new.id,
        replacement_name=new.name,
        reason=reason,
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
    """Starts replacing `old` by a certificate uploaded now (checked by the form), its create
    the operation's first step. Raises what `start_with` raises, and `services.DuplicateName`
    and `services.Unreadable` before anything starts; an upload Gcore refuses stops the
    operation at once (`ChangeFailed`, its outcome recorded)."""
    _check_old(old)
    switches = _switches(users(account, old))
    if not switches:
        raise rollouts.NothingToDo
    services.names_checked(account, old.region_id, name, duplicate_confirmed)
    rollout = rollouts.start(
        actor,
        kind=KIND,
        action=actions.CERTIFICATE_REPLACE,
        subject=_subject(account, old),
        steps=[rollouts.Planned(name, name, UPLOAD, UPLOAD_ROLE), *switches],
        subject_name=old.name,
        replacement_name=name,
        reason=reason,
    )
    upload = rollout.steps.get(position=0)
    try:
        started = services.create_certificate(
            actor,
            account=account,
            region_id=old.region_id,
            name=name,
            certificate=certificate,
            certificate_chain=certificate_chain,
            private_key=private_key,
            expiration=expiration,
            reason=reason,
            duplicate_confirmed=True,  # checked just above, before the operation started
            operation=rollout.operation,
        )
    except (ChangeFailed, services.Unreadable) as failure:
        attempt = getattr(failure, "attempt", None)
        _end(upload, Step.State.FAILED, str(failure), attempt=attempt, error=_cause(failure))
        rollouts.abandon(rollout, actor)
        raise
    _sent(upload, started.task_id, started.attempt)
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
    attempt = AuditEvent.objects.get(sequence=step.attempt or 0)
    try:
        task = selectors.task(rollout.account, step.upstream_id)
    except NotFound:
        task = None  # Gcore forgets old tasks: what the listener or pool says still tells
    except ProviderError as error:
        _note(
            step, UNREAD.format(why=with_request_id(describe_read(error), actor.request_id, error))
        )
        return
    if step.kind == UPLOAD:
        if task is None:
            _end(step, Step.State.FAILED, changes.TASK_FORGOTTEN)
            _not_uploaded(rollout)
        elif task.done:
            concluded = changes.conclude_task(attempt, task)
            if concluded.outcome == Outcome.SUCCEEDED and concluded.target_id:
                Rollout.objects.filter(pk=rollout.pk).update(replacement=concluded.target_id)
                rollout.replacement = concluded.target_id
                _end(step, Step.State.DONE, "")
            else:
                _end(step, Step.State.FAILED, concluded.error_message or changes.NO_ERROR_GIVEN)
                _not_uploaded(rollout)
        return
    if task is not None and not task.done:
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


def _settle(attempt: AuditEvent, outcome: str, code: str, message: str) -> AuditEvent:
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
            return audit.conclude(attempt, outcome=outcome, error_code=code, error_message=message)
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
        _end(step, Step.State.FAILED, UPLOAD_LOST)
        _not_uploaded(rollout)
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


# -- what a listener or pool says -------------------------------------------------------------


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


def _switches(found: tuple[usage.SecretUse, ...]) -> list[rollouts.Planned]:
    return [rollouts.Planned(use.id, use.name, use.kind, use.role) for use in found]


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
