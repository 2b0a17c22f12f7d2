"""Reads of Pipecat Cloud, shared through the cache (`core.shared_reads`).

The sets list, which every page and every polling badge needs, each set's keys, and the agents
list (which agents bind which set) are fetched at most once per account (and set) per
`PIPECAT_POLL_SECONDS` (the regions every ten minutes),
whoever is watching; so is a set that is not there, and a failure of the provider. What a page
shows is therefore at most one interval old; the dashboard's own changes forget what they touch,
so they show at once.
"""

from dataclasses import dataclass

from secretsadmin.audit.history import History, changes_to
from secretsadmin.core import shared_reads
from secretsadmin.core.provider_errors import describe_read
from secretsadmin.providers.errors import ProviderError
from secretsadmin.providers.pipecat import (
    Agent,
    BadRequest,
    BadRequestReason,
    NotFound,
    PipecatClient,
    PipecatError,
    Region,
    SecretSet,
    SetDetail,
    Unavailable,
    pipecat_clients,
)

from . import actions

REGIONS_SECONDS = 600
_reads = shared_reads.AccountReads("pipecat", "PIPECAT_POLL_SECONDS", Unavailable)
_key, _shared = _reads.key, _reads.read


def _set(name: str) -> str:
    return f"set:{name}"


def _listed(name: str) -> str:
    return f"listed:{name}"


def account_names() -> tuple[str, ...]:
    return pipecat_clients().names


def list_sets(account: str, *, fresh: bool = False) -> tuple[SecretSet, ...]:
    return _shared(account, "sets", lambda: _by_name(pipecat_clients().get(account)), fresh=fresh)


def _by_name(client: PipecatClient) -> tuple[SecretSet, ...]:
    # Sorted once per fetch: the API lists sets in no promised order.
    return tuple(sorted(client.list_sets(), key=lambda secret_set: secret_set.name))


def forget(account: str, name: str) -> None:
    """After a change to a set: the next reads fetch, so every page shows the change at once."""
    shared_reads.forget(*(_key(account, what) for what in ("sets", _set(name), _listed(name))))


class SetNotListed(NotFound):
    """The sets list was read and does not hold the set (unlike the list itself answering 404,
    which says nothing of any set)."""


class ListNotFound(PipecatError):
    """The sets list itself answered 404: not a `NotFound` of any set, which would tell a
    create that its name is free."""


def find_set(account: str, name: str, *, fresh: bool = False) -> SecretSet:
    """The set from the shared list; a set missing from it is looked for once more upstream,
    since another tool may have created it within the last interval, and what that look finds
    (the set, or `SetNotListed`) is shared for the interval too: a badge of a set that does not
    exist costs one call per interval, not one per poll. `fresh` reads upstream at once: before
    a change that must not act on a set deleted within the interval. The only `NotFound` it
    raises is `SetNotListed`."""
    if not fresh:
        for secret_set in _sets(account):
            if secret_set.name == name:
                return secret_set
    return _shared(account, _listed(name), lambda: _look_again(account, name), fresh=fresh)


def _sets(account: str, *, fresh: bool = False) -> tuple[SecretSet, ...]:
    try:
        return list_sets(account, fresh=fresh)
    except NotFound as error:
        raise error.as_a(ListNotFound) from error


def _look_again(account: str, name: str) -> SecretSet:
    for secret_set in _sets(account, fresh=True):
        if secret_set.name == name:
            return secret_set
    raise SetNotListed(
        f"Set {name} not found",
        account=account,
        operation="list_sets",
        status=404,
        code="NOT_FOUND",
    )


def set_exists(account: str, name: str, *, fresh: bool = False) -> bool:
    """Whether the set exists. `fresh` confirms a miss upstream: before a create, since a PUT on a
    name created elsewhere in the last interval would merge into that set instead; it does not
    look at the shared list first, whose failure or slow read is no answer to a fresh question."""
    if not fresh:
        return any(s.name == name for s in _sets(account))
    try:
        find_set(account, name, fresh=True)
    except NotFound:
        return False
    return True


def read_set(account: str, name: str, *, fresh: bool = False) -> tuple[SecretSet, SetDetail | None]:
    """A set and its key names, for its page: one `GET /secrets/{name}`, shared for the interval.
    An image pull set, which the API cannot read by name, comes from the list, without keys.
    `fresh` reads upstream (the list too, for an image pull set): before telling which keys a
    change would overwrite, and before a change to a set that must still exist."""
    return _shared(account, _set(name), lambda: _fetch_set(account, name, fresh=fresh), fresh=fresh)


def _fetch_set(account: str, name: str, *, fresh: bool) -> tuple[SecretSet, SetDetail | None]:
    try:
        detail = pipecat_clients().get(account).get_set(name)
    except BadRequest as error:
        if error.reason != BadRequestReason.IMAGE_PULL_NOT_READABLE:
            raise
        return find_set(account, name, fresh=fresh), None
    return detail.summary, detail


@dataclass(frozen=True)
class KeysPreview:
    """What saving these keys would do to the set as it is now."""

    new: list[str]
    overwritten: list[str]


def preview_keys(account: str, name: str, keys: list[str]) -> KeysPreview:
    """Read afresh: which keys a change would overwrite must not be an interval old. A set that
    does not exist (yet) has every key new."""
    try:
        _, detail = read_set(account, name, fresh=True)
    except NotFound:
        detail = None
    existing = set(detail.keys) if detail else set()
    return KeysPreview(
        new=[k for k in keys if k not in existing],
        overwritten=[k for k in keys if k in existing],
    )


def history(account: str, name: str) -> History:
    """The set's changes since it was last deleted here: the dashboard's own, and those made with
    other tools as the watcher saw them."""
    return changes_to(
        actions.PROVIDER,
        account,
        name,
        removals=actions.REMOVALS,
        provisionings=actions.PROVISIONING,
        changes=(*actions.SET_CHANGES, actions.SET_EXTERNAL_CHANGE),
        observed=actions.SET_EXTERNAL_CHANGE,
    )


def list_agents(account: str, *, fresh: bool = False) -> tuple[Agent, ...]:
    """Every agent of the account with the sets it binds: one `GET /agents` per interval, however
    many sets' pages ask which agents use them."""
    return _shared(
        account, "agents", lambda: _agents_by_name(pipecat_clients().get(account)), fresh=fresh
    )


def agent(account: str, name: str, *, fresh: bool = False) -> Agent:
    """One agent with how far its desired deployment has got (`Agent.state`): one
    `GET /agents/{name}` per agent per interval, however many pages follow its deploy."""
    return _shared(
        account, _agent(name), lambda: pipecat_clients().get(account).get_agent(name), fresh=fresh
    )


def _agent(name: str) -> str:
    return f"agent:{name}"


def forget_agent(account: str, name: str) -> None:
    """After a deploy of the agent: its next reads (and the agents list's) fetch."""
    shared_reads.forget(_key(account, _agent(name)), _key(account, "agents"))


def _agents_by_name(client: PipecatClient) -> tuple[Agent, ...]:
    return tuple(sorted(client.list_agents(), key=lambda agent: agent.name))


def agents_using(account: str, set_name: str, *, fresh: bool = False) -> tuple[Agent, ...]:
    """The agents whose current deployment binds the set, as env secrets or image pull secret.
    `fresh` reads upstream: before a change that agents binding the set would forbid."""
    return tuple(agent for agent in list_agents(account, fresh=fresh) if agent.binds(set_name))


@dataclass(frozen=True)
class SetUsers:
    """The agents using a set, for its pages; or, when the agents could not be read, what
    happened (`problem`), so that the page still shows the set."""

    agents: tuple[Agent, ...] = ()
    problem: str = ""
    provider_request_id: str = ""


def set_users(account: str, set_name: str) -> SetUsers:
    try:
        return SetUsers(agents_using(account, set_name))
    except ProviderError as error:
        return SetUsers(problem=describe_read(error), provider_request_id=error.request_id)


def regions(account: str) -> list[Region]:
    return _shared(
        account, "regions", pipecat_clients().get(account).regions, seconds=REGIONS_SECONDS
    )


def default_region(account: str) -> str:
    fetch = pipecat_clients().get(account).default_region
    return _shared(account, "default-region", fetch, seconds=REGIONS_SECONDS)
