"""Concludes attempts left without an outcome (a crash, a timeout) from Pipecat Cloud's state."""

from secretsadmin.audit import services as audit
from secretsadmin.audit.models import AuditEvent
from secretsadmin.audit.selectors import RECONCILED
from secretsadmin.providers.pipecat import PipecatError, UnknownAccount, pipecat_clients

from . import actions

NOTE = "Concluded by audit_reconcile from the set as Pipecat Cloud now has it"


def conclude_from_state(attempt: AuditEvent) -> AuditEvent | None:
    """The concluding event, or None when the state cannot be read now (try again later)."""
    try:
        client = pipecat_clients().get(attempt.account)
        found = next((s for s in client.list_sets() if s.name == attempt.target), None)
        keys = set()
        if found is not None and not found.is_image_pull_secret:
            keys = set(client.get_set(found.name).keys)
    except (UnknownAccount, PipecatError):
        return None
    wanted = set(attempt.keys)
    # Values can never be read back: keys or a pull secret being there does not say that this
    # change put them there (they may have been there before), only their absence says it did not.
    if attempt.action == actions.SET_DELETE:
        outcome, how = (
            ("succeeded", "the set is gone")
            if found is None
            else ("failed", "the set is still there")
        )
    elif attempt.action == actions.KEY_DELETE:
        outcome, how = (
            ("failed", "the key is still there")
            if wanted & keys
            else ("succeeded", "the key is gone")
        )
    elif attempt.action == actions.SET_UPSERT:
        outcome, how = (
            ("unknown", "the keys are there, but values cannot be read back to tell whose they are")
            if found is not None and wanted <= keys
            else ("failed", "the keys are missing")
        )
    elif attempt.action == actions.IMAGE_PULL_UPSERT:
        outcome, how = (
            ("unknown", "the image pull secret exists, but its credentials cannot be read back")
            if found is not None and found.is_image_pull_secret
            else ("failed", "there is no such image pull secret")
        )
    else:
        return None
    return audit.conclude(
        attempt, outcome=outcome, error_code=RECONCILED, error_message=f"{NOTE}: {how}."
    )
