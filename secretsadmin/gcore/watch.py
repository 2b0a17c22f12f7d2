"""The watcher's Gcore Cloud job: each account's secrets, every usable region of it listed in one
go (within the call budget, or not at all this round: a region left out would look emptied),
compared with what it saw last."""

import logging
import math

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from secretsadmin.audit import services
from secretsadmin.drift import observe, record
from secretsadmin.drift.models import Seen
from secretsadmin.drift.ours import GRACE
from secretsadmin.providers.gcore import GcoreClient, GcoreError, gcore_clients
from secretsadmin.providers.gcore.client import MAX_PAGE_SIZE
from secretsadmin.watcher.context import Context
from secretsadmin.watcher.registry import jobs

from . import actions, alerts, selectors
from .drift import GcoreDrift, made_by, replacements, thing

logger = logging.getLogger(__name__)
DRIFT = GcoreDrift()


@jobs.job("gcore_drift")
def gcore_drift(context: Context) -> None:
    actor = services.Actor.system("watcher")
    clients = gcore_clients()
    for account in clients.names:
        if not context.leading():
            return
        listed = _listing(context, clients.get(account), account)
        if listed is None:
            continue
        # What was seen is kept with the events it makes, or neither: a crash in between
        # leaves the changes to be found again.
        with transaction.atomic():
            changes = observe.listed(actions.PROVIDER, account, listed, timezone.now())
            external = record.external(DRIFT, account, replacements(changes))
            by = _who(context, clients.get(account), account, external)
            record.record(DRIFT, account, external, actor, by=by)


def _who(
    context: Context, client: GcoreClient, account: str, changes: list[observe.Change]
) -> dict[str, dict[str, object]]:
    """Who made the changes, from Gcore's log of user actions (one read of the entries naming
    them); nobody, when the log cannot be read this round: the changes are recorded anyway."""
    if not changes or not context.budget.take(actions.PROVIDER, account):
        return {}
    since = min(change.since for change in changes) - GRACE
    try:
        log = client.user_actions(since=since, resource_ids=[c.thing.key for c in changes])
    except GcoreError as error:
        logger.warning("gcore_drift: %s: who made the changes is unknown: %s", account, error)
        return {}
    return made_by(changes, log)


@jobs.job("gcore_alerts")
def gcore_alerts(context: Context) -> None:
    """The expiry and rotation alerts, from what the drift job just listed."""
    now = timezone.now()
    raised = alerts.expiry(now) + alerts.rotation(now)
    if raised:
        logger.info("gcore_alerts: %d alert(s) raised", raised)


def _listing(context: Context, client: GcoreClient, account: str) -> list[observe.Thing] | None:
    """Every secret of the account, or None when a region could not be listed this round."""
    # The regions' read, and as many pages as the last listing of each region took (one at
    # least), spent at once: half a listing would be no listing.
    seen = Seen.objects.filter(provider=actions.PROVIDER, account=account)
    counts = dict(seen.values_list("region").annotate(count=Count("key")))
    pages = sum(max(1, math.ceil(count / MAX_PAGE_SIZE)) for count in counts.values())
    calls = min(1 + max(pages, 1), context.budget.per_minute)
    if not context.budget.take(actions.PROVIDER, account, calls):
        return None
    try:
        regions = selectors.regions(account)  # those configured, or every usable one
    except GcoreError as error:
        logger.warning("gcore_drift: %s: the regions could not be listed: %s", account, error)
        return None
    things = []
    for region in regions:
        try:
            secrets = client.list_secrets(region.id, page_size=MAX_PAGE_SIZE)
        except GcoreError as error:
            logger.warning(
                "gcore_drift: %s: region %s could not be listed: %s", account, region.id, error
            )
            return None
        things += [thing(secret) for secret in secrets]
    return things
