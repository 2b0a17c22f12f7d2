"""Concludes attempts left without an outcome (a crash, a timeout) from Pipecat Cloud's state."""

from secretsadmin.audit import services as audit
from secretsadmin.audit.models import AuditEvent
from secretsadmin.audit.selectors import RECONCILED
from secretsadmin.providers.pipecat import NotFound, PipecatError, UnknownAccount, pipecat_clients

from . import actions

NOTE = "Concluded by audit_reconcile from the set as Pipecat Cloud now has it"
REDEPLOY_NOTE = "Concluded by audit_reconcile from the agent as Pipecat Cloud now has it"


def conclude_from_state(attempt: AuditEvent) -> AuditEvent | None:
    """The concluding event, or None when the state cannot be read now (try again later)."""
    if attempt.action == actions.AGENT_REDEPLOY:
        return _redeploy_from_state(attempt)
    if attempt.action == actions.SET_REDEPLOY:
        return None  # an operation ends on its page (`rollouts`), once its steps have
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


def _redeploy_from_state(attempt: AuditEvent) -> AuditEvent | None:
    """A redeploy nobody followed to its end (its page closed, a restart), or one whose POST's
    answer was lost: from the agent's deployment as Pipecat Cloud now has it. None while that
    deployment still rolls out."""
    # The attempt names the deployment the agent had before its POST; an outcome naming
    # another is the one Pipecat Cloud accepted.
    replaced = attempt.target_id
    accepted = (
        AuditEvent.objects.filter(attempt=attempt, target_id__gt="")
        .exclude(target_id=replaced)
        .first()
    )
    deployment = accepted.target_id if accepted else ""
    try:
        agent = pipecat_clients().get(attempt.account).get_agent(attempt.target)
    except NotFound:
        outcome, how, made = "failed", "the agent is gone", deployment
    except (UnknownAccount, PipecatError):
        return None
    else:
        state = agent.state
        if deployment and agent.deployment_id != deployment:
            outcome, how = "unknown", f"a later deployment ({agent.deployment_id}) replaced it"
            made = deployment
        elif deployment and state is not None and state.landed:
            outcome, how, made = "succeeded", f"deployment {deployment} is ready", deployment
        elif deployment and state is not None and state.failed:
            outcome, how, made = "failed", f"deployment {deployment} failed", deployment
        elif deployment:
            return None  # still rolling out
        elif not replaced:
            outcome, how, made = "unknown", "which deployment it replaced is not recorded", ""
        elif agent.deployment_id != replaced:
            # Its deploy went out (a new desired deployment since); another may have replaced
            # it since, so the one the agent has is named, to follow, not claimed as its own.
            outcome, made = "unknown", agent.deployment_id
            how = f"deployment {agent.deployment_id} was made since, by this attempt or another"
        else:
            outcome, how = "failed", f"the agent still has deployment {replaced}: none was made"
            made = replaced
    return audit.conclude(
        attempt,
        outcome=outcome,
        error_code=RECONCILED,
        error_message=f"{REDEPLOY_NOTE}: {how}.",
        target_id=made,
    )
