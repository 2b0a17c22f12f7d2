"""An auditor asks "did key K hold value X at event N?": answered from the event's fingerprint.

Each answer is an oracle on a secret value, so each check is itself recorded (who asked about
which key of which event, and the verdict; never the candidate value), none is answered that
the log cannot record, and a person gets only so many an hour.
"""

from django.conf import settings
from django.core.cache import cache

from . import fingerprints, services
from .fingerprints import Verdict
from .models import AuditEvent, Outcome

ACTION = "audit.value_check"
HOUR = 3600


class TooManyChecks(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"more than {limit} value checks in an hour")
        self.limit = limit


def check_value(actor: services.Actor, event: AuditEvent, name: str, candidate: str) -> Verdict:
    """The verdict, once recorded. Raises `TooManyChecks` (recorded as denied) past the hourly
    limit, and `services.AuditUnavailable` when the check cannot be recorded."""
    target = f"event #{event.sequence}"
    limit = settings.AUDIT_VALUE_CHECKS_PER_HOUR
    if _count(actor) > limit:
        refused = TooManyChecks(limit)
        services.record(
            actor,
            action=ACTION,
            outcome=Outcome.DENIED,
            target=target,
            keys=[name],
            error_message=str(refused),
        )
        raise refused
    verdict = fingerprints.check(event.fingerprints[name], name, candidate)
    services.record(
        actor,
        action=ACTION,
        outcome=Outcome.SUCCEEDED,
        target=target,
        target_id=verdict,
        keys=[name],
    )
    return verdict


def _count(actor: services.Actor) -> int:
    """This hour's checks by the actor, this one included."""
    key = f"audit:value-checks:{actor.user_id or actor.username}"
    cache.add(key, 0, HOUR)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, HOUR)
        return 1
