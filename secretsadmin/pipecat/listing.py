"""The sets list as a person asks for it (`core.listing`): searched by name, filtered by type,
region and status, sorted by any column, over the one list every page and badge shares
(`selectors.list_sets`, sorted by name: sets one order ranks alike stay in name order)."""

from secretsadmin.core.listing import Listing, Query, Sort
from secretsadmin.providers.pipecat import SecretSet

# Failed sets first, then pending: what needs someone's attention before what is done.
_STATUS_ORDER = {"failed": 0, "pending": 1, "ready": 2}


def _matches(secret_set: SecretSet, query: Query) -> bool:
    return (
        (not query["q"] or query["q"].lower() in secret_set.name)
        and (not query["type"] or secret_set.type == query["type"])
        and (not query["region"] or secret_set.region == query["region"])
        and (not query["status"] or secret_set.status == query["status"])
    )


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
    matches=_matches,
)
