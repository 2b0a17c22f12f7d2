"""Changes to Pipecat Cloud, each recorded in the audit log before and after it is made
(`audit.changes`), and the rules that keep a change from doing more than it says.

Creating and adding keys are both a PUT, which merges into whatever set has the name: so a new
set's name must be free, checked afresh, and keys are only added to a set that still exists.
A set that agents bind is not deleted: their next deployment would fail.
"""

from collections.abc import Callable, Mapping

from secretsadmin.audit.changes import audited_change
from secretsadmin.audit.models import Outcome
from secretsadmin.audit.services import Actor, Subject, record
from secretsadmin.providers.errors import ProviderError
from secretsadmin.providers.pipecat import (
    Accepted,
    Agent,
    Deleted,
    NotFound,
    SecretSet,
    SetDetail,
    image_pull_credentials,
    pipecat_clients,
)

from . import actions, selectors
from .messages import describe

SHOWN_AS = "Pipecat Cloud"


class NameTaken(Exception):
    """A set of that name exists: a PUT would merge into it."""


class NameUncheckable(Exception):
    """Whether the name is free could not be read; nothing was sent."""

    def __init__(self, error: ProviderError) -> None:
        super().__init__(str(error))
        self.error = error


class SetGone(Exception):
    """The set was deleted since the page was opened; a PUT would re-create it."""


class SetUnreadable(NameUncheckable):
    """The set could not be read before changing it; nothing was sent."""


class KeyGone(Exception):
    """The set does not list the key (removed meanwhile, or never there); nothing was sent."""


class SetInUse(Exception):
    """Agents bind the set (as environment secrets or image pull secret): deleting it would make
    their next deployment fail; nothing was sent, and the refusal is in the audit log."""

    def __init__(self, name: str, agents: tuple[Agent, ...]) -> None:
        self.agents = agents
        self.message = (
            f"Set {name} is used by {_names(agents)}: bind {'them' if len(agents) > 1 else 'it'} "
            "to another set and redeploy first. Nothing was deleted."
        )
        super().__init__(self.message)


class UsersUnreadable(NameUncheckable):
    """Which agents use the set could not be read before deleting it; nothing was sent."""


def create_set(
    actor: Actor,
    *,
    account: str,
    name: str,
    secrets: Mapping[str, str],
    region: str,
    reason: str = "",
) -> Accepted:
    _require_free_name(account, name)
    return _upsert_keys(
        actor, account=account, name=name, secrets=secrets, region=region, reason=reason
    )


def add_keys(
    actor: Actor, *, account: str, name: str, secrets: Mapping[str, str], reason: str = ""
) -> Accepted:
    """Adds or overwrites keys of an existing set, in its own region."""
    secret_set = _still_there(name, lambda: selectors.read_set(account, name, fresh=True)[0])
    return _upsert_keys(
        actor, account=account, name=name, secrets=secrets, region=secret_set.region, reason=reason
    )


def _upsert_keys(
    actor: Actor,
    *,
    account: str,
    name: str,
    secrets: Mapping[str, str],
    region: str,
    reason: str,
) -> Accepted:
    client = pipecat_clients().get(account)
    return _change(
        actor,
        action=actions.SET_UPSERT,
        subject=Subject(actions.PROVIDER, account, region, name, keys=tuple(sorted(secrets))),
        call=lambda: client.upsert_set(name, secrets, region=region),
        values=secrets,
        reason=reason,
    )


def save_image_pull_secret(
    actor: Actor,
    *,
    account: str,
    name: str,
    host: str,
    username: str,
    token: str,
    region: str,
    new: bool,
    reason: str = "",
) -> Accepted:
    """Creates (`new`: under a name that must be free) or replaces registry credentials (of a
    set that still exists: the PUT would re-create one deleted since the page was opened)."""
    if new:
        _require_free_name(account, name)
    else:
        # Read from the list: the API reads no image pull secret by name.
        _still_there(name, lambda: selectors.find_set(account, name, fresh=True))
    client = pipecat_clients().get(account)
    return _change(
        actor,
        action=actions.IMAGE_PULL_UPSERT,
        subject=Subject(actions.PROVIDER, account, region, name, target_id=host),
        call=lambda: client.upsert_image_pull_secret(name, host, username, token, region=region),
        values={"token": token},
        mask=[image_pull_credentials(username, token)],
        reason=reason,
    )


def delete_key(actor: Actor, *, account: str, name: str, key: str, reason: str = "") -> Deleted:
    """Removes a key the set lists, read afresh: a URL naming any other key is refused, so no
    crafted or stale link can make this request mean something else upstream."""
    _, detail = _still_there_with_keys(account, name)
    if detail is None or key not in detail.keys:
        raise KeyGone(key)
    client = pipecat_clients().get(account)
    return _change(
        actor,
        action=actions.KEY_DELETE,
        subject=Subject(actions.PROVIDER, account, target=name, keys=(key,)),
        call=lambda: client.delete_key(name, key),
        reason=reason,
        key=key,
    )


def delete_set(actor: Actor, *, account: str, name: str, reason: str = "") -> Deleted:
    """Deletes a set no agent binds, as read afresh (an agent deployed a minute ago counts)."""
    try:
        users = selectors.agents_using(account, name, fresh=True)
    except ProviderError as error:
        raise UsersUnreadable(error) from error
    if users:
        refused = SetInUse(name, users)
        record(
            actor,
            action=actions.SET_DELETE,
            outcome=Outcome.DENIED,
            subject=Subject(actions.PROVIDER, account, target=name),
            error_message=refused.message,
            reason=reason,
        )
        raise refused
    client = pipecat_clients().get(account)
    return _change(
        actor,
        action=actions.SET_DELETE,
        subject=Subject(actions.PROVIDER, account, target=name),
        call=lambda: client.delete_set(name),
        reason=reason,
    )


def _names(agents: tuple[Agent, ...]) -> str:
    named = ", ".join(agent.name for agent in agents)
    return f"agent {named}" if len(agents) == 1 else f"{len(agents)} agents ({named})"


def _still_there_with_keys(account: str, name: str) -> tuple[SecretSet, SetDetail | None]:
    try:
        return selectors.read_set(account, name, fresh=True)
    except NotFound:
        raise SetGone(name) from None
    except ProviderError as error:
        raise SetUnreadable(error) from error


def _still_there(name: str, read: Callable[[], SecretSet]) -> SecretSet:
    """The set as `read` afresh from Pipecat Cloud, or `SetGone`."""
    try:
        secret_set = read()
    except NotFound:
        raise SetGone(name) from None
    except ProviderError as error:
        raise SetUnreadable(error) from error
    return secret_set


def _require_free_name(account: str, name: str) -> None:
    try:
        taken = selectors.set_exists(account, name, fresh=True)
    except ProviderError as error:
        raise NameUncheckable(error) from error
    if taken:
        raise NameTaken(name)


def _change[A: (Accepted, Deleted)](
    actor: Actor,
    *,
    action: str,
    subject: Subject,
    call: Callable[[], A],
    values: Mapping[str, str] | None = None,
    mask: list[str] | None = None,
    reason: str = "",
    key: str = "",
) -> A:
    try:
        return audited_change(
            actor,
            action=action,
            subject=subject,
            call=call,
            describe=lambda error: describe(error, set_name=subject.target, key=key),
            provider=SHOWN_AS,
            values=values,
            mask=mask or (),
            reason=reason,
        )
    finally:
        selectors.forget(subject.account, subject.target)
