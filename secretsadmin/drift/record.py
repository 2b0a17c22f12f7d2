"""Recording what changed outside the dashboard: one `observed` event per change that none of the
dashboard's own attempts explains, in the words of the thing's provider."""

import logging
from collections.abc import Mapping, Sequence
from typing import Protocol

from secretsadmin.audit import services
from secretsadmin.audit.models import AuditEvent, Outcome

from .observe import Change
from .ours import attempts_since, on

logger = logging.getLogger(__name__)


class Provider(Protocol):
    """What a provider's `drift` module tells the core of its things."""

    @property
    def name(self) -> str: ...  # as the audit log names the provider

    @property
    def action(self) -> str: ...  # its `<provider>.<thing>.external_change`

    def unexplained(self, change: Change, attempts: Sequence[AuditEvent]) -> Change | None:
        """What of `change` the dashboard's own `attempts` do not account for; None if nothing."""
        ...

    def described(self, change: Change) -> list[str]:
        """What changed, in words: "key OPENAI_API_KEY added"."""
        ...

    def keys(self, change: Change) -> list[str]:
        """The key names the change is about (never a value)."""
        ...

    def target_id(self, change: Change) -> str: ...


def external(provider: Provider, account: str, changes: Sequence[Change]) -> list[Change]:
    """The changes, less what the dashboard's own attempts explain."""
    if not changes:
        return []
    attempts = attempts_since(provider.name, account, min(change.since for change in changes))
    left = []
    for change in changes:
        rest = provider.unexplained(change, on(change, attempts))
        if rest is not None:
            left.append(rest)
    return left


def record(
    provider: Provider,
    account: str,
    changes: Sequence[Change],
    actor: services.Actor,
    *,
    by: Mapping[str, Mapping[str, object]] | None = None,
) -> list[AuditEvent]:
    """One `observed` event per change; `by`, who made each (by the thing's key), as far as the
    provider's own log says."""
    events = []
    for change in changes:
        words = provider.described(change)
        observed: dict[str, object] = {"change": change.kind, "changes": words}
        if by and change.thing.key in by:
            observed["by"] = dict(by[change.thing.key])
        subject = services.Subject(
            provider=provider.name,
            account=account,
            region=change.thing.region,
            target=change.thing.name,
            target_id=provider.target_id(change),
            keys=tuple(provider.keys(change)),
        )
        events.append(
            services.record(
                actor,
                action=provider.action,
                outcome=Outcome.OBSERVED,
                subject=subject,
                observed=observed,
            )
        )
        logger.info(
            "drift: %s %s %s changed outside the dashboard: %s",
            provider.name,
            account,
            change.thing.name,
            "; ".join(words),
        )
    return events
