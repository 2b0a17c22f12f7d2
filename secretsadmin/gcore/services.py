"""Changes to Gcore Cloud, each recorded in the audit log before it is sent and when Gcore accepts
it (`audit.changes`); its task then carries it out (`changes`). The rules that keep a change from
doing more than it says live here.

Gcore allows two secrets of one name, which nobody means to make by mistake: a create whose name
the region holds already is refused unless the person confirmed it, checked afresh. A create is
never sent twice: after a timeout, a 5xx or a connection dropped, the secrets of that name are
read again, and what appeared since the attempt is reported (and concludes it) before anyone tries
again. A delete reads the secret afresh first, so a secret already gone is said so plainly, and the
region's listeners and pools afresh: a secret a load balancer uses is not deleted (the refusal is
recorded, naming its users), and when they cannot be read nothing is sent either.
"""

import base64
import contextlib
import json
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings

from secretsadmin.audit import services as audit
from secretsadmin.audit.changes import ChangeFailed, Recorded, recorded_change
from secretsadmin.audit.models import AuditEvent, Outcome
from secretsadmin.audit.services import Actor, Subject
from secretsadmin.config import Secret as Hidden
from secretsadmin.core.logging import redact
from secretsadmin.core.provider_errors import describe_read, what_happened
from secretsadmin.providers.errors import ProviderError
from secretsadmin.providers.gcore import NotFound, Secret, SecretType, Submitted

from . import actions, changes, selectors, usage
from .messages import describe

SHOWN_AS = "Gcore Cloud"
FOUND_BY_NAME = "found_by_name"  # error_code of a create concluded from the secret it made
IN_USE = "in_use"  # error_code of a delete refused because load balancers use the secret
LOOK_AGAIN_AFTER = 3.0  # seconds before the second look for a create Gcore did not confirm


class DuplicateName(Exception):
    """The region holds secrets of that name already, and the person did not confirm another."""

    def __init__(self, name: str, existing: tuple[Secret, ...]) -> None:
        super().__init__(name)
        self.name = name
        self.existing = existing


class Unreadable(Exception):
    """What the change depends on could not be read; nothing was sent."""

    def __init__(self, error: ProviderError) -> None:
        super().__init__(str(error))
        self.error = error


class UsersUnreadable(Unreadable):
    """Which listeners and pools use the secret to delete could not be read; nothing was sent."""


class SecretGone(Exception):
    """The secret to delete no longer exists."""


class SecretInUse(Exception):
    """Listeners or pools use the secret to delete: nothing was sent, the refusal recorded."""

    def __init__(
        self, name: str, users: tuple[usage.SecretUse, ...], *, recorded: bool = True
    ) -> None:
        self.name = name
        self.users = users
        named = "; ".join(use.describe() for use in users)
        unrecorded = "" if recorded else " The audit log could not record this refusal."
        super().__init__(
            f"The secret {name} is in use, so nothing was deleted: {named}. Give "
            f"{'it' if len(users) == 1 else 'them'} another secret first.{unrecorded}"
        )


@dataclass(frozen=True)
class Started:
    """A change Gcore accepted: its attempt (`sequence` follows it) and the task carrying it out."""

    attempt: AuditEvent
    task_id: str

    @property
    def sequence(self) -> int:
        return self.attempt.sequence


def create_secret(
    actor: Actor,
    *,
    account: str,
    region_id: int,
    name: str,
    secret_type: SecretType,
    payload: bytes,
    algorithm: str | None = None,
    bit_length: int | None = None,
    mode: str | None = None,
    expiration: datetime | None = None,
    reason: str = "",
    duplicate_confirmed: bool = False,
) -> Started:
    """Stores `payload` exactly as given (Gcore receives it base64-encoded)."""
    existing = names_checked(account, region_id, name, duplicate_confirmed)
    text = _as_text(payload)
    encoded = base64.b64encode(payload).decode("ascii")

    def send() -> Submitted:
        return selectors.client(account).create_secret(
            region_id,
            name=name,
            secret_type=secret_type,
            payload=payload,
            algorithm=algorithm,
            bit_length=bit_length,
            mode=mode,
            expiration=expiration,
        )

    return _create(
        actor,
        action=actions.SECRET_CREATE,
        subject=Subject(actions.PROVIDER, account, str(region_id), name),
        send=send,
        values={"payload": text},
        mask=[encoded, *_lines(text)],
        reason=reason,
        existing=existing,
    )


def create_certificate(
    actor: Actor,
    *,
    account: str,
    region_id: int,
    name: str,
    certificate: str,
    certificate_chain: str,
    private_key: str,
    expiration: datetime | None = None,
    reason: str = "",
    duplicate_confirmed: bool = False,
) -> Started:
    """A TLS certificate secret (certificate, chain and private key in PEM), for load balancers.
    The parts are checked by the form (`certificates.check_bundle`) before this is called."""
    existing = names_checked(account, region_id, name, duplicate_confirmed)

    def send() -> Submitted:
        return selectors.client(account).create_tls_certificate(
            region_id,
            name=name,
            certificate=certificate,
            certificate_chain=certificate_chain,
            private_key=private_key,
            expiration=expiration,
        )

    return _create(
        actor,
        action=actions.CERTIFICATE_CREATE,
        subject=Subject(actions.PROVIDER, account, str(region_id), name),
        send=send,
        values={"private_key": private_key},
        # The key travels inside JSON, its line breaks escaped; any one line of it is secret.
        mask=[json.dumps(private_key)[1:-1], *_lines(private_key)],
        reason=reason,
        existing=existing,
    )


def delete_secret(
    actor: Actor, *, account: str, region_id: int, secret_id: str, reason: str = ""
) -> Started:
    try:
        secret = selectors.find_secret(account, region_id, secret_id, fresh=True)
    except NotFound:
        raise SecretGone(secret_id) from None
    except ProviderError as error:
        raise Unreadable(error) from error
    subject = Subject(actions.PROVIDER, account, str(region_id), secret.name, secret.id)
    try:
        users = usage.users_of(account, region_id, secret.id, fresh=True)
    except ProviderError as error:
        raise UsersUnreadable(error) from error
    if users:
        refused = SecretInUse(secret.name, users)
        try:
            audit.record(
                actor,
                action=actions.SECRET_DELETE,
                outcome=Outcome.DENIED,
                subject=subject,
                error_code=IN_USE,
                error_message=str(refused),
                reason=reason,
            )
        except audit.AuditUnavailable:
            raise SecretInUse(secret.name, users, recorded=False) from None
        raise refused
    recorded = _accepted(
        actor,
        action=actions.SECRET_DELETE,
        subject=subject,
        send=lambda: selectors.client(account).delete_secret(region_id, secret.id),
        describe_as=lambda error: describe(
            error, subject=f"the secret {secret.name}", deleting=True
        ),
        reason=reason,
    )
    return Started(recorded.attempt, recorded.answer.task_id)


def names_checked(
    account: str, region_id: int, name: str, duplicate_confirmed: bool
) -> frozenset[str]:
    """The ids of the region's secrets of that name, read afresh: a name taken within the last
    interval must not be missed. `DuplicateName` unless there are none or the person confirmed."""
    try:
        existing = selectors.named(account, region_id, name, fresh=True)
    except ProviderError as error:
        raise Unreadable(error) from error
    if existing and not duplicate_confirmed:
        raise DuplicateName(name, existing)
    return frozenset(secret.id for secret in existing)


def _create(
    actor: Actor,
    *,
    action: str,
    subject: Subject,
    send: Callable[[], Submitted],
    values: Mapping[str, str],
    mask: list[str],
    reason: str,
    existing: frozenset[str],
) -> Started:
    name = subject.target
    try:
        recorded = _accepted(
            actor,
            action=action,
            subject=subject,
            send=send,
            describe_as=lambda error: describe(error, subject=f"the secret {name}"),
            values=values,
            mask=mask,
            reason=reason,
        )
    except ChangeFailed as failure:
        error = failure.__cause__
        if not isinstance(error, ProviderError) or not error.may_have_applied:
            raise
        if failure.attempt is None:
            raise
        message = _looked_for(failure.attempt, error, existing)
        secrets = [Hidden(value) for value in [*values.values(), *mask]]
        raise ChangeFailed(
            redact(message, secrets, partial=True),
            request_id=failure.request_id,
            attempt=failure.attempt,
        ) from error
    return Started(recorded.attempt, recorded.answer.task_id)


def _accepted(
    actor: Actor,
    *,
    action: str,
    subject: Subject,
    send: Callable[[], Submitted],
    describe_as: Callable[[ProviderError], str],
    values: Mapping[str, str] | None = None,
    mask: Iterable[str] = (),
    reason: str = "",
) -> Recorded[Submitted]:
    return recorded_change(
        actor,
        action=action,
        subject=subject,
        call=send,
        describe=describe_as,
        provider=SHOWN_AS,
        values=values,
        mask=mask,
        reason=reason,
        conclusion=changes.accepted,
    )


def _looked_for(attempt: AuditEvent, error: ProviderError, existing: frozenset[str]) -> str:
    """After a create Gcore may have received: the secrets of that name that appeared since the
    attempt, said and, when there is exactly one, recorded as what the change made."""
    name, region_id = attempt.target, int(attempt.region)
    happened = what_happened(error)

    def appeared() -> list[Secret]:
        found = selectors.named(attempt.account, region_id, name, fresh=True)
        return sorted((s for s in found if s.id not in existing), key=lambda s: s.created)

    try:
        made = appeared()
        if not made:
            # A task Gcore queued before failing to answer takes a few seconds to make it.
            getattr(settings, "GCORE_SLEEP", time.sleep)(LOOK_AGAIN_AFTER)
            made = appeared()
    except ProviderError as lookup:
        return (
            f"{happened} Whether it created the secret {name} could not be checked either "
            f"({describe_read(lookup)}): look at the list before trying again."
        )
    if not made:
        # Left unknown for audit_reconcile, which looks again later: a task may be slower.
        return (
            f"{happened} No secret named {name} has appeared since: it was probably not "
            "created, so you may try again (should it appear meanwhile, the form warns before "
            "making a second)."
        )
    if len(made) > 1:
        return (
            f"{happened} {len(made)} secrets named {name} appeared since "
            f"(created at {', '.join(_at(s.created) for s in made)}): one is probably yours; "
            "check them before trying again."
        )
    secret = made[0]
    # Should this fail, the attempt stays unknown: audit_reconcile finds the same secret later.
    with contextlib.suppress(audit.AuditUnavailable):
        audit.conclude(
            attempt,
            outcome=Outcome.SUCCEEDED,
            error_code=FOUND_BY_NAME,
            error_message=(
                f"Gcore Cloud did not confirm the create; a secret of this name, created at "
                f"{_at(secret.created)} since the attempt, was found in the region."
            ),
            target_id=secret.id,
        )
    return (
        f"{happened} A secret named {name} was created at {_at(secret.created)}: it is probably "
        "yours. Check it before trying again."
    )


def _at(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"


def _as_text(payload: bytes) -> str:
    """The payload as the audit log fingerprints it: its text, or base64 when it is not text."""
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError:
        return base64.b64encode(payload).decode("ascii")


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if len(line.strip()) >= 8]
