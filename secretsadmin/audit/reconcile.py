"""Concluding attempts left without an outcome (a crash, a timeout) from each provider's current
state: for `manage.py audit_reconcile` and the watcher's job of that name."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils.module_loading import import_string

from .models import AuditEvent
from .selectors import pending_attempts

# What a provider's reconciler reads at most to conclude one attempt (a list and an item, a task
# and a region's secrets): what it asks of the call budget.
CALLS_PER_ATTEMPT = 2


@dataclass(frozen=True)
class Reconciled:
    attempt: AuditEvent
    # The concluding event; None when the provider's state cannot tell yet (or was not asked).
    outcome: AuditEvent | None
    # True when the provider was not asked: the budget had no calls left for its account.
    deferred: bool = False


def reconcile_pending(
    older_than: timedelta, *, may_call: Callable[[str, str, int], bool] | None = None
) -> Iterator[Reconciled]:
    """Each attempt older than `older_than` without an outcome, as concluded now. `may_call`
    (provider, account, calls), when given, is asked before the provider is."""
    reconcilers = {
        provider: import_string(path) for provider, path in settings.AUDIT_RECONCILERS.items()
    }
    for attempt in pending_attempts(older_than).iterator():
        reconcile = reconcilers.get(attempt.provider)
        if reconcile is None:
            yield Reconciled(attempt, None)
        elif may_call is not None and not may_call(
            attempt.provider, attempt.account, CALLS_PER_ATTEMPT
        ):
            yield Reconciled(attempt, None, deferred=True)
        else:
            yield Reconciled(attempt, reconcile(attempt))
