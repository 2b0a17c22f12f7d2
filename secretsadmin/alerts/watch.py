"""The watcher jobs of alerts: drift raised as alerts, then every alert raised sent to its
channels (the providers' own conditions run before, in their apps' jobs)."""

import logging

from django.utils import timezone

from secretsadmin.watcher.context import Context
from secretsadmin.watcher.registry import jobs

from .deliveries import deliver
from .drift import raise_for_changes

logger = logging.getLogger(__name__)


@jobs.job("drift_alerts")
def drift_alerts(context: Context) -> None:
    raised = raise_for_changes(timezone.now())
    if raised:
        logger.info("drift_alerts: %d alert(s) raised", raised)


@jobs.job("alert_deliveries")
def alert_deliveries(context: Context) -> None:
    deliver(go_on=context.leading, ends=context.ends)
