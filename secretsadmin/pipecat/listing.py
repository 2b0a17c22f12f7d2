"""The sets list as a person asks for it (`core.listing`): searched by name, filtered by type,
region and status, sorted by any column, over the one list every page and badge shares
(`selectors.list_sets`, sorted by name: sets one order ranks alike stay in name order)."""

from collections.abc import Callable

from secretsadmin.core.listing import Listing, Query, Sort
from secretsadmin.providers.pipecat import SecretSet

# Failed sets first, then pending: what needs someone's attention before what is done.
_STATUS_ORDER = {"failed": 0, "pending": 1, "ready": 2}


def _matching(query: Query) -> Callable[[SecretSet], bool]:
    q, kind, region, status = query["q"].lower(), query["type"], query["region"], query["status"]

    def matches(secret_set: SecretSet) -> bool:
        return (
            (not q or q in secret_set.name)
            and (not kind or secret_set.type == kind)
            and (not region or secret_set.region == region)
            and (not status or secret_set.status == status)
        )

    return matches


SETS = Listing[SecretSet](
    noun="set",
    plural="sets",
    filters=("q", "type", "region", "status"),
    sorts={
        "name": Sort("Name", lambda s: s.name),
        "type": Sort("Type", lambda s: s.type),  # "imagePullSecret" before "secret", as labelled
        "region": Sort("Region", lambda s: s.region),
        "status": Sort("Status", lambda s: _STATUS_ORDER.get(s.status, len(_STATUS_ORDER))),
    },
    default_sort="name",
    matching=_matching,
)
