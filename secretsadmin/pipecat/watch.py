"""The watcher's Pipecat Cloud job: each account's sets compared with what it saw last (one
`GET /secrets` a round), then the keys of as many sets as the call budget leaves, those read
longest ago first, so that every set's keys are read in turn however many there are."""

import logging
import time

from django.db import transaction
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
        began = timezone.now()
        try:
            sets = client.list_sets()
        except PipecatError as error:
            logger.warning("pipecat_drift: %s: the sets could not be listed: %s", account, error)
            continue
        listing = observe.compare(actions.PROVIDER, account, map(thing, sets), began)
        changes = record.external(DRIFT, account, listing.changes)
        # What was seen is kept with the events it makes, or neither: a crash in between
        # leaves the changes to be found again.
        with transaction.atomic():
            observe.keep(listing)
            record.record(DRIFT, account, changes, actor)
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
        began = timezone.now()
        try:
            detail = client.get_set(due.name)
        except NotFound:
            continue  # deleted since the listing: the next one says so
        except PipecatError as error:
            logger.warning("pipecat_drift: %s: %s could not be read: %s", account, due.name, error)
            return
        with transaction.atomic():
            keys = key_facts(detail.keys)
            change = observe.detailed(actions.PROVIDER, account, due, keys, began)
            if change is not None:
                record.record(DRIFT, account, record.external(DRIFT, account, [change]), actor)
