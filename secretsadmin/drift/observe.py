"""Comparing what a provider holds now with what the watcher saw last, and keeping what it saw.

A listing (`listed`) gives every thing of an account with the facts a list holds; a thing's own
read (`detailed`) gives more facts of one thing (a Pipecat set's keys), read a few at a time when
the call budget allows. The first listing of an account, and the first read of a thing's own
facts, are baselines: what they hold was there before the watcher looked, not a change.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from django.db import transaction
from django.db.models import F

from .models import Baseline, Seen

type Facts = Mapping[str, object]


@dataclass(frozen=True)
class Thing:
    key: str  # what the provider knows it by
    name: str
    region: str
    facts: Facts


@dataclass(frozen=True)
class Difference:
    fact: str
    before: object
    after: object


@dataclass(frozen=True)
class Change:
    kind: Literal["created", "deleted", "changed"]
    thing: Thing  # as it is now; for one deleted, as last seen
    # Since when it could have happened: the last time it was seen otherwise.
    since: datetime
    differences: tuple[Difference, ...] = field(default=())


@dataclass(frozen=True)
class Listing:
    """A listing compared (`compare`), not kept yet (`keep`): the caller may ask who made the
    changes, upstream, before it writes anything, so no write lock is held meanwhile."""

    provider: str
    account: str
    now: datetime
    changes: list[Change]
    current: dict[str, Thing]
    seen: dict[str, Seen]  # the rows of the regions listed
    regions: tuple[str, ...] | None  # the regions listed; None: the whole account


def compare(
    provider: str,
    account: str,
    things: Iterable[Thing],
    now: datetime,
    *,
    regions: Iterable[str] | None = None,
) -> Listing:
    """Compares a listing begun at `now` (before its first call: an attempt settled before then
    shows in it) with the last one; reads only. With `regions`, the listing is of those regions
    alone: the others' things are left as they were (a region in maintenance is not emptied), and
    a region listed for the first time is a baseline of its own."""
    listed = tuple(regions) if regions is not None else None
    current = {thing.key: thing for thing in things}
    rows = Seen.objects.filter(provider=provider, account=account)
    if listed is not None:
        rows = rows.filter(region__in=listed)
    seen = {row.key: row for row in rows}
    baseline = Baseline.objects.filter(provider=provider, account=account).first()
    changes = [] if baseline is None else _compared(seen, current, baseline, listed)
    return Listing(provider, account, now, changes, current, seen, listed)


def keep(listing: Listing) -> None:
    """Keeps what `listing` saw; in the caller's transaction, with the events its changes make."""
    with transaction.atomic():
        _keep(listing)
        baseline, _ = Baseline.objects.select_for_update().get_or_create(
            provider=listing.provider,
            account=listing.account,
            defaults={"listed_at": listing.now},
        )
        baseline.listed_at = listing.now
        if listing.regions is not None:
            moment = listing.now.isoformat()
            baseline.regions = {**baseline.regions, **dict.fromkeys(listing.regions, moment)}
        baseline.save()


def regions_listed(provider: str, account: str) -> set[str]:
    """The regions of the account listed before (for a provider listing region by region)."""
    baseline = Baseline.objects.filter(provider=provider, account=account).first()
    return set(baseline.regions) if baseline else set()


def _compared(
    seen: dict[str, Seen],
    current: dict[str, Thing],
    baseline: Baseline,
    regions: tuple[str, ...] | None,
) -> list[Change]:
    def last(region: str) -> datetime | None:
        """When the thing's region was last listed; None for a region never listed."""
        if regions is None:
            return baseline.listed_at
        return moment(baseline.regions.get(region))

    changes = []
    for key, thing in current.items():
        before, since = seen.get(key), last(thing.region)
        if since is None:
            continue  # its region's first listing: a baseline
        if before is None:
            changes.append(Change("created", thing, since=since))
            continue
        differences = _differences(before.facts, thing.facts)
        if differences:
            changes.append(Change("changed", thing, since=since, differences=differences))
    for key, gone in seen.items():
        since = last(gone.region)
        if key not in current and since is not None:
            changes.append(Change("deleted", _thing(gone), since=since))
    return changes


def _keep(listing: Listing) -> None:
    seen, current, now = listing.seen, listing.current, listing.now
    gone = set(seen) - set(current)
    Seen.objects.filter(provider=listing.provider, account=listing.account, key__in=gone).delete()
    updated, created = [], []
    for key, thing in current.items():
        row = seen.get(key)
        if row is None:
            created.append(
                Seen(
                    provider=listing.provider,
                    account=listing.account,
                    key=key,
                    name=thing.name,
                    region=thing.region,
                    facts=dict(thing.facts),
                    since=_since({}, {}, thing.facts, now),
                )
            )
            continue
        if row.name != thing.name or row.region != thing.region or _changed(row.facts, thing.facts):
            row.name, row.region = thing.name, thing.region
            row.since = _since(row.since, row.facts, thing.facts, now)
            row.facts = {**row.facts, **thing.facts}
            updated.append(row)
    # A round over thousands of unchanged things writes none of them.
    Seen.objects.bulk_create(created, batch_size=500)
    Seen.objects.bulk_update(updated, ["name", "region", "facts", "since"], batch_size=500)


def _changed(before: Facts, after: Facts) -> bool:
    return any(before.get(name) != value for name, value in after.items())


def _since(since: Facts, before: Facts, after: Facts, now: datetime) -> dict[str, object]:
    """`since` with each fact of `after` that is new or differs from `before` holding since now,
    and each item of a list fact (a key of a set's keys) since it joined the list ("keys:NAME")."""
    moment, held = now.isoformat(), dict(since)
    for name, value in after.items():
        if name in before and before[name] == value:
            continue
        held[name] = moment
        if isinstance(value, list):
            had = before.get(name)
            old = {str(item) for item in had} if isinstance(had, list) else set()
            new = {str(item) for item in value}
            for item in new - old:
                held[f"{name}:{item}"] = moment
            for item in old - new:
                held.pop(f"{name}:{item}", None)
    return held


def due_for_detail(
    provider: str, account: str, count: int, *, where: Facts | None = None
) -> list[Thing]:
    """The `count` things (with these listed facts) whose own facts were read longest ago, those
    never read first."""
    facts = {f"facts__{name}": value for name, value in (where or {}).items()}
    rows = Seen.objects.filter(provider=provider, account=account, **facts).order_by(
        F("detail_at").asc(nulls_first=True), "key"
    )[:count]
    return [_thing(row) for row in rows]


def detailed(
    provider: str, account: str, thing: Thing, facts: Facts, now: datetime
) -> Change | None:
    """Compares a thing's own facts with those last read, and keeps them. None for a thing no
    longer seen (deleted since the listing) or read for the first time."""
    with transaction.atomic():
        row = (
            Seen.objects.select_for_update()
            .filter(provider=provider, account=account, key=thing.key)
            .first()
        )
        if row is None:
            return None
        before, since = row.facts, row.detail_at
        row.since = _since(row.since, row.facts, facts, now)
        row.facts, row.detail_at = {**row.facts, **facts}, now
        row.save(update_fields=["facts", "since", "detail_at"])
    if since is None:
        return None
    differences = _differences({name: before.get(name) for name in facts}, facts)
    if not differences:
        return None
    return Change("changed", _thing(row), since=since, differences=differences)


def _differences(before: Facts, after: Facts) -> tuple[Difference, ...]:
    return tuple(
        Difference(name, before.get(name), value)
        for name, value in after.items()
        if name in before and before[name] != value
    )


def moment(value: object) -> datetime | None:
    """A time as the facts and `Seen.since` keep it (ISO 8601), in UTC; None for none."""
    try:
        return datetime.fromisoformat(value).astimezone(UTC) if isinstance(value, str) else None
    except ValueError:
        return None


def _thing(row: Seen) -> Thing:
    return Thing(row.key, row.name, row.region, row.facts)
