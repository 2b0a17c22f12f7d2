"""An auditor asks "did key K hold value X at event N?": answered from the event's fingerprint.

Each answer is an oracle on a secret value, so each check is itself recorded (who asked about
which key of which event, and the verdict; never the candidate value), none is answered that
the log cannot record, and a person gets only so many an hour. They are counted in the log
itself, which every worker and host shares and no restart forgets.
"""

import re
from collections.abc import Sequence
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone

from . import fingerprints, services
from .fingerprints import Verdict
from .models import AuditEvent, Outcome

ACTION = "audit.value_check"
TARGET = re.compile(r"event #(\d+)")  # the checked event, as `check_value` records it


class TooManyChecks(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"more than {limit} value checks in an hour")
        self.limit = limit


def check_value(
    actor: services.Actor, event: AuditEvent, name: str, candidates: Sequence[str]
) -> Verdict:
    """The verdict on a value, given as one or more spellings of it (a file's content with and
    without its final line break), once recorded. Raises `TooManyChecks` (recorded as denied)
    past the hourly limit, and `services.AuditUnavailable` when the check cannot be recorded."""
    target = f"event #{event.sequence}"
    limit = settings.AUDIT_VALUE_CHECKS_PER_HOUR
    try:
        # Counted and recorded with appends held: concurrent checks cannot all see the old count.
        with transaction.atomic():
            services.hold_appends()
            refused = _answered_this_hour(actor) >= limit
            if refused:
                services.record(
                    actor,
                    action=ACTION,
                    outcome=Outcome.DENIED,
                    subject=services.Subject(target=target, keys=(name,)),
                    error_message=str(TooManyChecks(limit)),
                )
            else:
                stored = event.fingerprints[name]  # the form offers only the event's own keys
                verdicts = [fingerprints.check(stored, name, c) for c in candidates]
                verdict = Verdict.MATCH if Verdict.MATCH in verdicts else verdicts[0]
                services.record(
                    actor,
                    action=ACTION,
                    outcome=Outcome.SUCCEEDED,
                    subject=services.Subject(target=target, target_id=verdict, keys=(name,)),
                )
    except DatabaseError as exc:
        raise services.AuditUnavailable(f"the audit log cannot be written: {exc}") from exc
    if refused:
        raise TooManyChecks(limit)
    return verdict


def checked_sequence(check: AuditEvent) -> int | None:
    """The sequence of the event a value check was about; None for any other event."""
    found = TARGET.fullmatch(check.target) if check.action == ACTION else None
    return int(found[1]) if found else None


def verdict_of(check: AuditEvent) -> Verdict | None:
    """The verdict a value check recorded (in its target_id); None for any other event and for
    a check that was refused, which has none."""
    if check.action != ACTION or check.outcome != Outcome.SUCCEEDED:
        return None
    try:
        return Verdict(check.target_id)
    except ValueError:  # not a verdict this dashboard writes: nothing can be told from it
        return Verdict.UNREADABLE


def _answered_this_hour(actor: services.Actor) -> int:
    answered = AuditEvent.objects.filter(
        action=ACTION, outcome=Outcome.SUCCEEDED, time__gte=timezone.now() - timedelta(hours=1)
    )
    if actor.user_id is not None:
        return answered.filter(actor_id=actor.user_id).count()
    return answered.filter(actor_username=actor.username).count()
