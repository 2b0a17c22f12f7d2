"""Concludes attempts left without an outcome (a crash, a timeout) from Pipecat Cloud's state."""

from secretsadmin.audit import services as audit
from secretsadmin.audit.models import AuditEvent
from secretsadmin.providers.pipecat import PipecatError, UnknownAccount, pipecat_clients

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
    if attempt.action == "pipecat.secret_set.delete":
        applied, how = (
            found is None,
            "the set is gone" if found is None else "the set is still there",
        )
    elif attempt.action == "pipecat.secret_key.delete":
        applied = not (wanted & keys)
        how = "the key is gone" if applied else "the key is still there"
    elif attempt.action == "pipecat.secret_set.upsert":
        applied = found is not None and wanted <= keys
        how = (
            "the keys are present (values cannot be read back)"
            if applied
            else "the keys are missing"
        )
    elif attempt.action == "pipecat.image_pull_secret.upsert":
        applied = found is not None and found.is_image_pull_secret
        how = "the image pull secret exists" if applied else "there is no such image pull secret"
    else:
        return None
    return audit.conclude(
        attempt,
        outcome="succeeded" if applied else "failed",
        error_code="reconciled",
        error_message=f"{NOTE}: {how}.",
    )
