"""Changes to Pipecat Cloud, each recorded in the audit log before and after it is made.

The attempt is committed first; if it cannot be, the provider is not called (fail closed). The
outcome is a second event: succeeded, failed, or unknown when the provider may have applied a
change it did not confirm.
"""

from collections.abc import Callable, Iterable, Mapping

from secretsadmin.audit import services as audit
from secretsadmin.config import Secret
from secretsadmin.core.logging import redact
from secretsadmin.providers.pipecat import PipecatError, image_pull_credentials, pipecat_clients

from . import selectors
from .messages import describe

PROVIDER = "pipecat"
AUDIT_DOWN = (
    "The audit log cannot be written right now, so nothing was sent to Pipecat Cloud. "
    "Try again later or tell an administrator."
)

OUTCOME_LOST = (
    "Pipecat Cloud made the change, but the audit log could not record it: the attempt shows as "
    "unknown until it is reconciled. Tell an administrator."
)
OUTCOME_UNRECORDED = (
    "The audit log could not record this outcome either: the attempt shows as unknown until it "
    "is reconciled. Tell an administrator."
)


class ChangeFailed(Exception):
    """A change that did not happen (or may not have); the message is for the person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def upsert_keys(
    actor: audit.Actor,
    *,
    account: str,
    name: str,
    secrets: Mapping[str, str],
    region: str | None,
    reason: str = "",
) -> None:
    _change(
        actor,
        action="pipecat.secret_set.upsert",
        account=account,
        name=name,
        region=region or "",
        keys=sorted(secrets),
        values=secrets,
        reason=reason,
        status=202,
        call=lambda client: client.upsert_set(name, secrets, region=region),
    )


def upsert_image_pull_secret(
    actor: audit.Actor,
    *,
    account: str,
    name: str,
    host: str,
    username: str,
    token: str,
    region: str | None,
    reason: str = "",
) -> None:
    _change(
        actor,
        action="pipecat.image_pull_secret.upsert",
        account=account,
        name=name,
        region=region or "",
        keys=[],
        values={"token": token},
        mask=[image_pull_credentials(username, token)],
        reason=reason,
        status=202,
        call=lambda client: client.upsert_image_pull_secret(
            name, host, username, token, region=region
        ),
        target_id=host,
    )


def delete_key(actor: audit.Actor, *, account: str, name: str, key: str, reason: str = "") -> None:
    _change(
        actor,
        action="pipecat.secret_key.delete",
        account=account,
        name=name,
        keys=[key],
        reason=reason,
        status=200,
        call=lambda client: client.delete_key(name, key),
        key=key,
    )


def delete_set(actor: audit.Actor, *, account: str, name: str, reason: str = "") -> None:
    _change(
        actor,
        action="pipecat.secret_set.delete",
        account=account,
        name=name,
        reason=reason,
        status=200,
        call=lambda client: client.delete_set(name),
    )


def _change(
    actor: audit.Actor,
    *,
    action: str,
    account: str,
    name: str,
    call: Callable,
    status: int,
    region: str = "",
    keys=(),
    values: Mapping[str, str] | None = None,
    mask: Iterable[str] = (),
    reason: str = "",
    target_id: str = "",
    key: str = "",
) -> None:
    """`mask`: the values as they travel (encoded), masked with `values` wherever they echo."""
    client = pipecat_clients().get(account)
    secrets = [*(values or {}).values(), *mask]
    try:
        attempt = audit.attempt(
            actor,
            action=action,
            provider=PROVIDER,
            account=account,
            region=region,
            target=name,
            target_id=target_id,
            keys=keys,
            reason=reason,
            values=values,
        )
    except audit.AuditUnavailable:
        raise ChangeFailed(AUDIT_DOWN) from None
    try:
        call(client)
    except PipecatError as error:
        # The provider's own words go into the toast and the log; they may echo a value.
        message = redact(describe(error, set_name=name, key=key), [Secret(v) for v in secrets])
        try:
            audit.conclude(
                attempt,
                outcome="unknown" if error.may_have_applied else "failed",
                upstream_status=error.status,
                error_code=error.code or type(error).__name__,
                error_message=error.message,
                mask=secrets,
            )
        except audit.AuditUnavailable:
            message = f"{message} {OUTCOME_UNRECORDED}"
        raise ChangeFailed(message) from error
    finally:
        selectors.forget(account, name)
    try:
        audit.conclude(attempt, outcome="succeeded", upstream_status=status)
    except audit.AuditUnavailable:
        raise ChangeFailed(OUTCOME_LOST) from None
