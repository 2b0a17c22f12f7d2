"""The watcher's Pipecat Cloud job: each account's sets compared with what it saw last (one
`GET /secrets` a round), then the keys of as many sets as the call budget leaves, those read
longest ago first, so that every set's keys are read in turn however many there are."""

import logging
import time

from django.utils import timezone

from secretsadmin.audit import services
from secretsadmin.drift import observe, record
from secretsadmin.providers.pipecat import NotFound, PipecatClient, PipecatError, pipecat_clients
from secretsadmin.watcher.context import Context
from secretsadmin.watcher.registry import jobs

from . import actions, alerts
from .drift import WITH_KEYS, PipecatDrift, key_facts, thing

logger = logging.getLogger(__name__)
DRIFT = PipecatDrift()


@jobs.job("pipecat_drift")
def pipecat_drift(context: Context) -> None:
    actor = services.Actor.system("watcher")
    clients = pipecat_clients()
    for account in clients.names:
        if not context.leading():
            return
        if not context.budget.wait(actions.PROVIDER, account, until=context.ends):
            continue
        client = clients.get(account)
        try:
            sets = client.list_sets()
        except PipecatError as error:
            logger.warning("pipecat_drift: %s: the sets could not be listed: %s", account, error)
            continue
        changes = observe.listed(
            actions.PROVIDER, account, [thing(s) for s in sets], timezone.now()
        )
        record.record(DRIFT, account, record.external(DRIFT, account, changes), actor)
        _read_keys(context, client, account, actor)


@jobs.job("pipecat_alerts")
def pipecat_alerts(context: Context) -> None:
    """Sets stuck failed or pending, and ECR pull secrets growing old, from what was just seen."""
    raised = alerts.hold(timezone.now())
    if raised:
        logger.info("pipecat_alerts: %d alert(s) raised", raised)


def _read_keys(
    context: Context, client: PipecatClient, account: str, actor: services.Actor
) -> None:
    # Waiting for each call, not taking what is left at once: the last round's calls leave the
    # budget's window one by one, an interval after they were made, and taking would find this
    # round's share spent by them and skip every other round.
    share = context.budget.per_window
    for due in observe.due_for_detail(actions.PROVIDER, account, share, where=WITH_KEYS):
        if not context.leading() or time.monotonic() >= context.ends:
            return
        if not context.budget.wait(actions.PROVIDER, account, until=context.ends):
            return
        try:
            detail = client.get_set(due.name)
        except NotFound:
            continue  # deleted since the listing: the next one says so
        except PipecatError as error:
            logger.warning("pipecat_drift: %s: %s could not be read: %s", account, due.name, error)
            return
        change = observe.detailed(
            actions.PROVIDER, account, due, key_facts(detail.keys), timezone.now()
        )
        if change is not None:
            record.record(DRIFT, account, record.external(DRIFT, account, [change]), actor)
