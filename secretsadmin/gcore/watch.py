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
IDS_PER_CALL = 50  # resource ids in one read of the user actions' log


@jobs.job("gcore_drift")
def gcore_drift(context: Context) -> None:
    actor = services.Actor.system("watcher")
    clients = gcore_clients()
    for account in clients.names:
        if not context.leading():
            return
        began = timezone.now()
        listed = _listing(context, clients.get(account), account)
        if listed is None:
            continue
        regions, things = listed
        listing = observe.compare(actions.PROVIDER, account, things, began, regions=regions)
        changes = record.external(DRIFT, account, replacements(listing.changes))
        # Asked before anything is written: no write lock is held during the call.
        by = _who(context, clients.get(account), account, changes)
        # What was seen is kept with the events it makes, or neither: a crash in between
        # leaves the changes to be found again.
        with transaction.atomic():
            observe.keep(listing)
            record.record(DRIFT, account, changes, actor, by=by)


def _who(
    context: Context, client: GcoreClient, account: str, changes: list[observe.Change]
) -> dict[str, dict[str, object]]:
    """Who made the changes, from Gcore's log of user actions (the entries naming them, a few
    ids a call: a bulk change's ids would not fit one address); for the changes whose entries
    could not be read this round, nobody: they are recorded anyway."""
    since = min((change.since for change in changes), default=None)
    if since is None:
        return {}
    log = []
    ids = [change.thing.key for change in changes]
    for start in range(0, len(ids), IDS_PER_CALL):
        if not context.budget.take(actions.PROVIDER, account):
            break
        try:
            log += client.user_actions(
                since=since - GRACE, resource_ids=ids[start : start + IDS_PER_CALL]
            )
        except GcoreError as error:
            logger.warning("gcore_drift: %s: who made the changes is unknown: %s", account, error)
            break
    return made_by(changes, log)


@jobs.job("gcore_alerts")
def gcore_alerts(context: Context) -> None:
    """The expiry and rotation alerts, from what the drift job just listed."""
    now = timezone.now()
    raised = alerts.expiry(now) + alerts.rotation(now)
    if raised:
        logger.info("gcore_alerts: %d alert(s) raised", raised)


def _listing(
    context: Context, client: GcoreClient, account: str
) -> tuple[list[str], list[observe.Thing]] | None:
    """The regions listed and their secrets; a region that could not be listed is left out (it
    keeps what was seen of it). None when the call budget cannot cover a listing this round."""
    try:
        regions = selectors.regions(account)  # those configured, or every usable one
    except GcoreError as error:
        logger.warning("gcore_drift: %s: the regions could not be listed: %s", account, error)
        return None
    # As many pages as each region's last listing took (one at least), and the regions' own
    # read, spent at once: half a listing would be no listing. A region never listed may hold
    # any number of pages: a listing with one takes the round's whole share at least.
    seen = Seen.objects.filter(provider=actions.PROVIDER, account=account)
    counts = dict(seen.values_list("region").annotate(count=Count("key")))
    before = observe.regions_listed(actions.PROVIDER, account)
    calls = 1 + sum(max(1, math.ceil(counts.get(str(r.id), 0) / MAX_PAGE_SIZE)) for r in regions)
    if calls > context.budget.per_minute:
        logger.warning(
            "gcore_drift: %s: a listing takes %d calls, more than WATCH_CALLS_PER_MINUTE",
            account,
            calls,
        )
    if any(str(r.id) not in before for r in regions):
        calls = max(calls, context.budget.per_window)
    if not context.budget.take(actions.PROVIDER, account, min(calls, context.budget.per_minute)):
        return None
    listed, things = [], []
    for region in regions:
        try:
            secrets = client.list_secrets(region.id, page_size=MAX_PAGE_SIZE)
        except GcoreError as error:
            logger.warning(
                "gcore_drift: %s: region %s could not be listed: %s", account, region.id, error
            )
            continue
        listed.append(str(region.id))
        things += [thing(secret) for secret in secrets]
    return listed, things
