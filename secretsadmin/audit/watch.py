"""The audit log's watcher job: `audit_reconcile`, each round, within the call budget."""

import logging

from secretsadmin.watcher.context import Context
from secretsadmin.watcher.registry import jobs

from .reconcile import reconcile_pending
from .selectors import UNKNOWN_AFTER

logger = logging.getLogger(__name__)


@jobs.job("audit_reconcile")
def reconcile(context: Context) -> None:
    concluded = unknown = deferred = 0
    for reconciled in reconcile_pending(UNKNOWN_AFTER, may_call=context.budget.take):
        if not context.leading():
            break
        if reconciled.deferred:
            deferred += 1
        elif reconciled.outcome is None:
            unknown += 1
        else:
            concluded += 1
            logger.info(
                "audit_reconcile: #%d %s %s %s: %s",
                reconciled.attempt.sequence,
                reconciled.attempt.action,
                reconciled.attempt.account,
                reconciled.attempt.target,
                reconciled.outcome.outcome,
            )
    if concluded or unknown or deferred:
        logger.info(
            "audit_reconcile: %d attempt(s) concluded, %d left unknown, %d left for a later "
            "round (the call budget)",
            concluded,
            unknown,
            deferred,
        )
