"""A change to a provider, recorded before and after it is made (write-ahead).

The attempt is committed first; if it cannot be, the provider is not called (fail closed). The
outcome is a second event: succeeded, failed, or unknown when the provider may have applied a
change it did not confirm. The status recorded is the provider's own answer. A provider that
only accepts a change and carries it out later (a Gcore Cloud task) concludes its answer as it
says (`Conclusion`); whoever sees the change done appends the final outcome.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from secretsadmin.config import Secret
from secretsadmin.core.logging import redact
from secretsadmin.providers.errors import ProviderError

from . import services
from .models import AuditEvent, Outcome
from .services import Actor, Subject

OUTCOME_UNRECORDED = (
    "The audit log could not record this outcome either: the attempt shows as unknown until it "
    "is reconciled. Tell an administrator."
)


class Answer(Protocol):
    """What a provider's client returns for a change it made."""

    @property
    def status(self) -> int: ...


class ChangeFailed(Exception):
    """A change that did not happen (or may not have); the message is for the person. `attempt`
    is its recorded attempt, when there is one, for a caller that learns more afterwards."""

    def __init__(
        self, message: str, *, request_id: str = "", attempt: AuditEvent | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.request_id = request_id
        self.attempt = attempt


@dataclass(frozen=True)
class Conclusion:
    """How an answer concludes its attempt."""

    outcome: str = Outcome.SUCCEEDED
    error_code: str = ""
    error_message: str = ""
    target_id: str = ""  # what the answer names that the attempt could not (a deployment's id)


@dataclass(frozen=True)
class Recorded[A]:
    answer: A
    attempt: AuditEvent
    outcome: AuditEvent


def audited_change[A: Answer](
    actor: Actor,
    *,
    action: str,
    subject: Subject,
    call: Callable[[], A],
    describe: Callable[[ProviderError], str],
    provider: str,
    values: Mapping[str, str] | None = None,
    mask: Iterable[str] = (),
    reason: str = "",
    operation: int | None = None,
) -> A:
    """Runs `call` between its attempt and its outcome. `describe` words a provider's error for
    the person, `provider` names the provider to them; `values` are the secret values sent, and
    `mask` the same as they travel (encoded): both are masked wherever they echo; `operation`,
    the sequence of the attempt of the operation this change is a step of."""
    return recorded_change(
        actor,
        action=action,
        subject=subject,
        call=call,
        describe=describe,
        provider=provider,
        values=values,
        mask=mask,
        reason=reason,
        operation=operation,
    ).answer


def recorded_change[A: Answer](
    actor: Actor,
    *,
    action: str,
    subject: Subject,
    call: Callable[[], A],
    describe: Callable[[ProviderError], str],
    provider: str,
    values: Mapping[str, str] | None = None,
    mask: Iterable[str] = (),
    reason: str = "",
    conclusion: Callable[[A], Conclusion] = lambda answer: Conclusion(),
    operation: int | None = None,
) -> Recorded[A]:
    """`audited_change`, which also gives the events it recorded; `conclusion` says what an
    answer means (by default that the change succeeded)."""
    secrets = [*(values or {}).values(), *mask]
    try:
        attempt = services.attempt(
            actor,
            action=action,
            subject=subject,
            reason=reason,
            values=values,
            operation=operation,
        )
    except services.AuditUnavailable:
        raise ChangeFailed(
            f"The audit log cannot be written right now, so nothing was sent to {provider}. "
            "Try again later or tell an administrator.",
            request_id=actor.request_id,
        ) from None
    try:
        answer = call()
    except ProviderError as error:
        # The provider's own words go into the toast and the log; they may echo a value.
        message = redact(describe(error), [Secret(value) for value in secrets], partial=True)
        try:
            services.conclude(
                attempt,
                outcome=Outcome.UNKNOWN if error.may_have_applied else Outcome.FAILED,
                upstream_status=error.status,
                error_code=error.code or type(error).__name__,
                error_message=error.message,
                mask=secrets,
            )
        except services.AuditUnavailable:
            message = f"{message} {OUTCOME_UNRECORDED}"
        raise ChangeFailed(message, request_id=actor.request_id, attempt=attempt) from error
    concluded = conclusion(answer)
    try:
        outcome = services.conclude(
            attempt,
            outcome=concluded.outcome,
            upstream_status=answer.status,
            error_code=concluded.error_code,
            error_message=concluded.error_message,
            target_id=concluded.target_id,
        )
    except services.AuditUnavailable:
        raise ChangeFailed(
            f"{provider} made the change, but the audit log could not record it: the attempt "
            "shows as unknown until it is reconciled. Tell an administrator.",
            request_id=actor.request_id,
            attempt=attempt,
        ) from None
    return Recorded(answer, attempt, outcome)
