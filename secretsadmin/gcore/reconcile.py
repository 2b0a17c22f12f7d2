"""Concludes Gcore Cloud attempts left unknown, for `audit_reconcile`: from their task when Gcore
accepted them, else (the POST itself failed without an answer, or its worker died) from the
region's secrets: a create by the secrets of its name created since the attempt, a delete by
whether its secret is still there. A replacement's switch is concluded from its task alone."""

from datetime import datetime, timedelta

from secretsadmin.audit import services as audit
from secretsadmin.audit.models import AuditEvent, Outcome
from secretsadmin.audit.selectors import RECONCILED
from secretsadmin.providers.gcore import GcoreError, NotFound, UnknownAccount

from . import actions, changes, selectors

NOTE = "Concluded by audit_reconcile from the region's secrets as Gcore Cloud now has them"
SWITCH_UNTOLD = (
    "Gcore Cloud's task of this switch is not known, so what it did cannot be told from here: "
    "the replacement's page reads the listener or pool back"
)
# Gcore's clock and ours may differ: a secret created this long before the attempt still counts.
CLOCK_SLACK = timedelta(minutes=2)


def conclude_from_task(attempt: AuditEvent) -> AuditEvent | None:
    """The concluding event, or None when Gcore cannot tell yet (a task still running, an
    answer that cannot be read): it is looked at again on the next run."""
    switch = attempt.action in actions.SWITCHES
    if (attempt.action not in actions.DONE and not switch) or not attempt.region.isdigit():
        return None
    try:
        task_id = next(
            filter(None, map(changes.task_id_of, AuditEvent.objects.filter(attempt=attempt))),
            None,
        )
        if task_id is not None:
            try:
                task = selectors.client(attempt.account).get_task(task_id)
            except NotFound:
                pass  # Gcore forgets old tasks: what the region holds still tells
            else:
                if not task.done:
                    return None
                return changes.conclude_task(attempt, task, error_code=RECONCILED)
        if switch:
            # No task to tell, and the secrets say nothing of a listener: its replacement's
            # page reads the listener back, and says whether it switched.
            return _conclude(attempt, Outcome.UNKNOWN, SWITCH_UNTOLD)
        return _from_secrets(attempt, int(attempt.region))
    except (UnknownAccount, GcoreError):
        return None


def _from_secrets(attempt: AuditEvent, region_id: int) -> AuditEvent:
    gcore = selectors.client(attempt.account)
    if attempt.action == actions.SECRET_DELETE:
        try:
            gcore.get_secret(region_id, attempt.target_id)
        except NotFound:
            return _conclude(attempt, Outcome.SUCCEEDED, "the secret is gone")
        return _conclude(attempt, Outcome.FAILED, "the secret is still there")
    if not isinstance(attempt.time, datetime):
        return _conclude(
            attempt,
            Outcome.UNKNOWN,
            "the attempt's time cannot be read, so the secrets of this name created since "
            "cannot be told",
        )
    since = attempt.time - CLOCK_SLACK
    made = [
        s for s in gcore.list_secrets(region_id) if s.name == attempt.target and s.created >= since
    ]
    if not made:
        return _conclude(attempt, Outcome.FAILED, "no secret of this name was created since")
    if len(made) > 1:
        return _conclude(
            attempt,
            Outcome.UNKNOWN,
            f"{len(made)} secrets of this name were created since; which is this change's "
            "cannot be told",
        )
    return _conclude(
        attempt,
        Outcome.SUCCEEDED,
        f"a secret of this name was created since, at {made[0].created:%Y-%m-%d %H:%M:%S}",
        target_id=made[0].id,
    )


def _conclude(attempt: AuditEvent, outcome: str, how: str, target_id: str = "") -> AuditEvent:
    return audit.conclude(
        attempt,
        outcome=outcome,
        error_code=RECONCILED,
        error_message=f"{NOTE}: {how}.",
        target_id=target_id,
    )
