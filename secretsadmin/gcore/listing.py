"""An account's secrets as a person asks for them (`core.listing`), over every region at once:
searched by name or id, filtered by region, type and status, sorted by name, creation or expiry.

The list opens in expiry order: expired secrets first (the longest gone at the top), then what
expires soonest, then what never expires, in name order. On a page of certificates that is the
question people come with; in an account whose secrets never expire it is the list by name.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from secretsadmin.core.listing import Listing, Query, Sort
from secretsadmin.providers.gcore import Region, Secret

from .facts import TYPE_LABELS, Expiry, expiry

_NEVER = datetime.max.replace(tzinfo=UTC)  # sorts after every date


def _name(secret: Secret) -> tuple[str, str]:
    return secret.name.casefold(), secret.name


def _matching(query: Query) -> Callable[[Secret], bool]:
    q, kind, region, status = query["q"].casefold(), query["type"], query["region"], query["status"]

    def matches(secret: Secret) -> bool:
        return (
            (not q or q in secret.name.casefold() or q in secret.id)
            and (not kind or secret.secret_type == kind)
            and (not region or str(secret.region_id) == region)
            and (not status or secret.status == status)
        )

    return matches


SECRETS = Listing[Secret](
    noun="secret",
    plural="secrets",
    filters=("q", "region", "type", "status"),
    sorts={
        "name": Sort("Name", _name),
        "created": Sort("Created", lambda s: s.created),
        "expiry": Sort("Expires", lambda s: s.expiration or _NEVER),
    },
    default_sort="expiry",
    matching=_matching,
)


def in_name_order(secrets: Iterable[Secret]) -> list[Secret]:
    """The order the list keeps among secrets its sort ranks alike (one expiry, or none)."""
    return sorted(secrets, key=lambda s: (*_name(s), s.region_id, s.id))


@dataclass(frozen=True)
class Row:
    secret: Secret
    type_label: str
    region: str  # the region's name
    expiry: Expiry
    url: str


def rows(
    secrets: Iterable[Secret], regions: Sequence[Region], now: datetime, *, prefix: str
) -> list[Row]:
    """A page's rows; each links to `prefix` + "<region id>/<secret id>/"."""
    names = {region.id: region.display_name for region in regions}
    return [
        Row(
            secret=secret,
            type_label=TYPE_LABELS.get(secret.secret_type, secret.secret_type),
            region=names.get(secret.region_id, f"Region {secret.region_id}"),
            expiry=expiry(secret.expiration, now),
            url=f"{prefix}{secret.region_id}/{secret.id}/",
        )
        for secret in secrets
    ]
