"""Writing the audit log: the contract the rest of the dashboard calls.

A change to a provider is recorded twice: `attempt()` commits an event before the upstream call
(and raises `AuditUnavailable` if it cannot, so the call is not made), then `conclude()` appends
the outcome, linked to the attempt. Everything else that happens is one `record()`.
"""

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from secretsadmin.config import Secret
from secretsadmin.core import request_id as request_ids
from secretsadmin.core.logging import mask_value, redact

from . import chain
from .fingerprints import fingerprints
from .models import AuditEvent, Outcome

# Any constant will do, as long as nothing else in the database uses it: b"sa-audit" as a bigint.
APPEND_LOCK_ID = int.from_bytes(b"sa-audit")
# Written by people or upstream services: masked for credentials, not just for the values set.
FREE_TEXT = {"error_message", "reason"}
# Shorter values (a flag "on", a port) would mask ordinary words throughout an event.
MIN_MASKED = 4


@dataclass(frozen=True)
class Actor:
    """Who acted and from where, as they were at the time: plain data, whoever built it."""

    user_id: int | None
    username: str
    email: str
    roles: tuple[str, ...]
    auth_method: str
    source_ip: str
    user_agent: str
    request_id: str

    @classmethod
    def system(cls, name: str) -> "Actor":
        """A management command or background step: one request id per run."""
        return cls(
            user_id=None,
            username=name,
            email="",
            roles=(),
            auth_method="system",
            source_ip="",
            user_agent="",
            request_id=request_ids.new(),
        )

    @classmethod
    def of(cls, event: AuditEvent) -> "Actor":
        """Who acted in `event`: an outcome is recorded as its attempt's actor."""
        return cls(
            user_id=event.actor_id,
            username=event.actor_username,
            email=event.actor_email,
            roles=tuple(event.actor_roles),
            auth_method=event.auth_method,
            source_ip=event.source_ip,
            user_agent=event.user_agent,
            request_id=event.request_id,
        )


@dataclass(frozen=True)
class Subject:
    """What an event is about: a provider's account, region and thing, and the key names."""

    provider: str = ""
    account: str = ""
    region: str = ""
    target: str = ""
    target_id: str = ""
    keys: tuple[str, ...] = ()

    @classmethod
    def of(cls, event: AuditEvent) -> "Subject":
        return cls(
            provider=event.provider,
            account=event.account,
            region=event.region,
            target=event.target,
            target_id=event.target_id,
            keys=tuple(event.keys),
        )


class AuditUnavailable(Exception):
    """The event could not be written; whatever it was to record must not happen."""


def record(
    actor: Actor,
    *,
    action: str,
    outcome: str,
    subject: Subject = Subject(),
    upstream_status: int | None = None,
    error_code: str = "",
    error_message: str = "",
    reason: str = "",
    attempt: AuditEvent | None = None,
    values: Mapping[str, str] | None = None,
    mask: Iterable[str] = (),
    operation: int | None = None,
    observed: Mapping[str, object] | None = None,
) -> AuditEvent:
    """Appends one event; raises `AuditUnavailable` if the database refuses it. `values` are the
    secret values set (fingerprinted, and masked wherever they turn up); `mask`, more text to mask,
    such as the values of the attempt an outcome concludes; `operation`, the sequence of the
    attempt of the operation this event is a step of; `observed`, what an `observed` event saw
    (JSON: objects, lists, strings, whole numbers; a float is kept as its text)."""
    if outcome not in Outcome.values:
        raise ValueError(f"unknown outcome {outcome!r}; one of {Outcome.values}")
    values = {name: str(value) for name, value in (values or {}).items()}
    fields = {
        "request_id": actor.request_id,
        "actor_id": actor.user_id,
        "actor_username": actor.username,
        "actor_email": actor.email,
        "actor_roles": list(actor.roles),
        "auth_method": actor.auth_method,
        "source_ip": actor.source_ip,
        "user_agent": actor.user_agent,
        "action": action,
        "provider": subject.provider,
        "account": subject.account,
        "region": subject.region,
        "target": subject.target,
        "target_id": subject.target_id,
        "keys": list(dict.fromkeys([*subject.keys, *values])),
        "outcome": outcome,
        "upstream_status": upstream_status,
        "error_code": error_code,
        "error_message": error_message,
        "reason": reason,
        "attempt_id": attempt.sequence if attempt is not None else None,
        "fingerprints": fingerprints(values),
        "operation_id": operation,
        "observed": dict(observed) if observed is not None else None,
    }
    try:
        with transaction.atomic():
            return _append(_clean(fields, [*values.values(), *mask]))
    except DatabaseError as exc:
        raise AuditUnavailable(f"the audit log cannot be written: {exc}") from exc


def attempt(
    actor: Actor,
    *,
    action: str,
    subject: Subject,
    reason: str = "",
    values: Mapping[str, str] | None = None,
    operation: int | None = None,
) -> AuditEvent:
    """Commits an `attempted` event before an upstream call. Must not run inside a transaction:
    the event has to be durable even if the caller's work is later rolled back."""
    try:
        with transaction.atomic(durable=True):
            return record(
                actor,
                action=action,
                outcome=Outcome.ATTEMPTED,
                subject=subject,
                reason=reason,
                values=values,
                operation=operation,
            )
    except DatabaseError as exc:  # the commit itself failed
        raise AuditUnavailable(f"the audit log cannot be written: {exc}") from exc


def conclude(
    attempt_event: AuditEvent,
    *,
    outcome: str,
    upstream_status: int | None = None,
    error_code: str = "",
    error_message: str = "",
    mask: Iterable[str] = (),
    target_id: str = "",
    operation: int | None = None,
) -> AuditEvent:
    """Appends the outcome of an attempt as a new event that points at it (and at the operation
    the attempt is a step of, or `operation`: an operation's own outcomes name it). Pass the
    attempt's values as `mask`: an upstream error may echo one. `target_id` names what the
    change made when the attempt could not (a created thing's id, learnt only once it exists)."""
    if outcome == Outcome.ATTEMPTED:
        raise ValueError("an outcome cannot itself be an attempt")
    subject = Subject.of(attempt_event)
    return record(
        Actor.of(attempt_event),
        action=attempt_event.action,
        outcome=outcome,
        subject=replace(subject, target_id=target_id) if target_id else subject,
        upstream_status=upstream_status,
        error_code=error_code,
        error_message=error_message,
        attempt=attempt_event,
        mask=mask,
        operation=operation if operation is not None else attempt_event.operation_id,
    )


def _clean(fields: dict[str, Any], values: Iterable[str]) -> dict[str, Any]:
    """Makes every event writable and free of secrets.

    The values being set are masked wherever they turn up (an upstream error echoing one, a
    reason pasted by mistake), and the free text also for anything shaped like a credential. Text
    is cut to its column (PostgreSQL refuses longer values) and NUL dropped (PostgreSQL cannot
    store it).
    """
    secrets = [Secret(value) for value in values if value]
    configured = [*getattr(settings, "REDACTED_VALUES", []), *secrets]
    for name in ("keys", "actor_roles"):
        # PostgreSQL's JSON cannot hold NUL either: a key name holding one would make the log
        # look unwritable, and nothing be done.
        fields[name] = [str(item).replace("\0", "\\0") for item in fields[name]]
    if fields.get("observed") is not None:
        # Text from a provider's log (a user agent, a description): free text like any other.
        fields["observed"] = _cleaned(fields["observed"], configured)
    for field in AuditEvent._meta.concrete_fields:
        value = fields.get(field.attname)
        if not isinstance(value, str):
            continue
        if field.attname in FREE_TEXT:
            value = redact(value, configured)
        for secret in secrets:
            if len(secret.reveal()) >= MIN_MASKED:
                value = mask_value(value, secret.reveal(), partial=True)
        value = value.replace("\0", "")
        if field.max_length:
            value = value[: field.max_length]
        fields[field.attname] = value
    return fields


def _cleaned(value: object, configured: list[Secret]) -> object:
    """JSON the chain can hash the same on every database: text redacted, NUL escaped as in key
    names (PostgreSQL's JSON cannot hold it), and no float (PostgreSQL re-renders one: 1e20
    reads back as 100000000000000000000, and its hash would no longer match)."""
    if isinstance(value, str):
        return redact(value, configured).replace("\0", "\\0")
    if isinstance(value, dict):
        return {str(k).replace("\0", "\\0"): _cleaned(v, configured) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_cleaned(item, configured) for item in value]
    if isinstance(value, float):
        return repr(value)
    return value


def hold_appends() -> None:
    """Until the caller's transaction ends, nobody else appends: what it reads of the log stays
    true until it appends itself (a count of this hour's value checks, say). Must run inside a
    transaction."""
    if connection.vendor == "postgresql":
        # Held to the end of the transaction, across workers and hosts. SQLite needs nothing:
        # `transaction_mode: IMMEDIATE` took the write lock at BEGIN.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [APPEND_LOCK_ID])


def _append(fields: dict[str, Any]) -> AuditEvent:
    """Inserts the next event of the chain. Runs inside the caller's transaction."""
    # Either way the sequence is the primary key, so a missed lock would fail an insert, never
    # fork the chain.
    hold_appends()
    head = AuditEvent.objects.order_by("-sequence").values_list("sequence", "hash").first()
    last_sequence, prev_hash = head or (0, chain.GENESIS)
    event = AuditEvent(
        sequence=last_sequence + 1,
        uuid=uuid.uuid4(),
        time=timezone.now(),
        prev_hash=prev_hash,
        **fields,
    )
    event.hash = chain.digest(chain.content_of(event))
    event.save()
    return event
