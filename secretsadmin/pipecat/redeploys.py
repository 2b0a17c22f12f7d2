"""Redeploying the agents that use a set after it changed: an operation in steps
(`rollouts`), one step per agent.

An agent reads its sets' values only when it is deployed, and Pipecat Cloud refuses (409) a
deploy binding a set that is not `ready`. So the operation waits for every set its waiting
agents bind to be ready, as the shared sets list says (one interval old at most), and only then
sends their deploys, all at once (agents are independent), as many as the page's deadline leaves
time for (the next poll sends the rest). Each deploy is its own audited change
under the operation: its attempt before the POST, `unknown` with `DEPLOYING` and the deployment
id once Pipecat Cloud accepted it, then `succeeded` or `failed` (with the deployment id) once the
deployment landed or failed, as the agent's shared read shows it (one GET per agent per
interval, however many pages follow). A set that turned pending anyway (its 409) sets the step
waiting again; a set that failed to provision stops the steps waiting for it. A deploy is never
sent twice by the dashboard without a look first: one whose answer was lost, or whose request
ended while sending it (the step holds its attempt before the POST), is looked for on the agent.
Its attempt names the deployment the agent had before it (`target_id`): a desired deployment of
another id since is one the deploy made (or one made after it), whatever either clock says.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from django.conf import settings
from django.db import DatabaseError, transaction
from django.urls import reverse

from secretsadmin.audit import services as audit
from secretsadmin.audit.changes import ChangeFailed, Conclusion, recorded_change
from secretsadmin.audit.history import History
from secretsadmin.audit.models import AuditEvent, Outcome
from secretsadmin.audit.services import Actor, Subject
from secretsadmin.core.provider_errors import describe_change, describe_read, what_happened
from secretsadmin.core.provider_pages import with_request_id
from secretsadmin.providers import deadlines
from secretsadmin.providers.errors import ProviderError
from secretsadmin.providers.pipecat import (
    Agent,
    NotFound,
    Redeployed,
    SetNotReady,
    pipecat_clients,
)
from secretsadmin.rollouts import services as rollouts
from secretsadmin.rollouts.models import Rollout, Step

from . import actions, selectors

KIND = "pipecat.redeploy"
SHOWN_AS = "Pipecat Cloud"
DEPLOYING = "deploying"  # error_code of a redeploy Pipecat Cloud accepted, not landed yet
DEPLOY_FAILED = "deploy_failed"  # error_code of a deployment that failed
SUPERSEDED = "superseded"  # error_code of a deployment another deploy replaced before it landed
AGENT_GONE = "agent_gone"
ENV, PULL = "environment secrets", "image pull secret"


class AgentsUnreadable(Exception):
    """Which agents use the set could not be read: nothing was started."""

    def __init__(self, error: ProviderError) -> None:
        super().__init__(str(error))
        self.error = error


class NotBinding(Exception):
    """Agents were chosen that do not use the set (any more): nothing was started."""

    def __init__(self, name: str, names: Sequence[str]) -> None:
        self.names = names
        agents = ", ".join(names)
        self.message = (
            f"{'Agent' if len(names) == 1 else 'Agents'} {agents} "
            f"{'does' if len(names) == 1 else 'do'} not use set {name} (any more): nothing was "
            "redeployed. The page now shows the agents that do."
        )
        super().__init__(self.message)


class NoAgents(Exception):
    """No agent was chosen, or none uses the set: nothing was started."""


# -- which agents run a deployment older than the set's last change ---------------------------


@dataclass(frozen=True)
class Offer:
    """What the set's page says of its agents' deployments and offers to redeploy."""

    changed_at: datetime | None  # the set's last change through this dashboard
    stale: frozenset[str]  # agents whose deployment was made before it (or at an unknown time)
    running: Rollout | None  # a redeploy of the set under way


def offer(account: str, name: str, agents: Iterable[Agent], history: History) -> Offer:
    """The agents still running what they read before the set's last change known here; a set
    changed only by other tools has no such time (its page says so and lets any be chosen)."""
    changed = history.last.time if history.last else None
    changed_at = changed if isinstance(changed, datetime) else None
    stale = frozenset(
        agent.name
        for agent in agents
        if changed_at is not None and (agent.deployed_at is None or agent.deployed_at < changed_at)
    )
    return Offer(changed_at, stale, rollouts.running(KIND, actions.PROVIDER, account, name))


# -- starting ---------------------------------------------------------------------------------


def start(
    actor: Actor,
    *,
    account: str,
    name: str,
    chosen: Sequence[str] | None,
    reason: str = "",
) -> Rollout:
    """Starts redeploying `chosen` (every agent using the set, when None), as read afresh: an
    agent chosen that no longer binds the set refuses the whole start (`NotBinding`). Raises
    `rollouts.AlreadyRunning` for a redeploy of the set under way, `AuditUnavailable`."""
    try:
        users = selectors.agents_using(account, name, fresh=True)
    except ProviderError as error:
        raise AgentsUnreadable(error) from error
    by_name = {agent.name: agent for agent in users}
    wanted = list(dict.fromkeys(chosen)) if chosen is not None else list(by_name)
    if not wanted:
        raise NoAgents
    strangers = [agent for agent in wanted if agent not in by_name]
    # The operation's region is its agents' when they share one; each step has its agent's.
    regions = {by_name[agent].region for agent in wanted if agent in by_name}
    subject = Subject(actions.PROVIDER, account, regions.pop() if len(regions) == 1 else "", name)
    if strangers:
        refused = NotBinding(name, strangers)
        audit.record(
            actor,
            action=actions.SET_REDEPLOY,
            outcome=Outcome.DENIED,
            subject=subject,
            error_message=refused.message,
            reason=reason,
        )
        raise refused
    steps = [
        rollouts.Planned(agent, agent, "agent", _role(by_name[agent], name)) for agent in wanted
    ]
    return rollouts.start(
        actor,
        kind=KIND,
        action=actions.SET_REDEPLOY,
        subject=subject,
        steps=steps,
        subject_name=name,
        reason=reason,
    )


def _role(agent: Agent, set_name: str) -> str:
    return PULL if agent.image_pull_set == set_name else ENV


# -- advancing --------------------------------------------------------------------------------


class Redeploys:
    kind = KIND
    step_heading = "Agent"
    shown_as = "Pipecat Cloud"
    upstream_label = "deployment"
    template = ""

    def title(self, rollout: Rollout) -> str:
        return f"Redeploy the agents using {rollout.subject_name or rollout.subject}"

    def subject_url(self, rollout: Rollout) -> str:
        return reverse("pipecat:set", args=[rollout.account, rollout.subject])

    def advance(self, rollout: Rollout, actor: Actor, *, send: bool) -> None:
        steps = list(rollout.steps.all())
        for step in steps:
            if step.state == Step.State.SENT:
                _follow(rollout, actor, step)
        waiting = [step for step in steps if step.state == Step.State.WAITING]
        if send and waiting:
            _send(rollout, actor, waiting)
        elif waiting:
            _say_why_waiting(rollout, waiting)


def _say_why_waiting(rollout: Rollout, waiting: list[Step]) -> None:
    """What each step not being sent waits for, from the shared reads, sending nothing: a
    page that only shows the operation (its first load, a viewer's) says it from the start."""
    try:
        agents = {a.name: a for a in selectors.list_agents(rollout.account)}
    except ProviderError as error:
        _say(waiting, f"Waiting: the agents could not be read. {describe_read(error)}")
        return
    for step in waiting:
        agent = agents.get(step.target)
        if step.attempt is not None or agent is None or not agent.binds(rollout.subject):
            continue  # the next pass that sends tells
        hold = _set_holding(rollout.account, agent)
        _say([step], hold[1] if hold is not None else "Waiting: sent at the next poll.")


def _send(rollout: Rollout, actor: Actor, waiting: list[Step]) -> None:
    """Sends the waiting steps' deploys once every set they bind is ready; until then, says
    which set each waits for."""
    try:
        agents = {a.name: a for a in selectors.list_agents(rollout.account)}
    except ProviderError as error:
        _say(waiting, f"Waiting: the agents could not be read. {describe_read(error)}")
        return
    client = pipecat_clients().get(rollout.account)
    for step in waiting:
        agent = agents.get(step.target)
        if agent is None:
            _fail(step, f"Agent {step.target} no longer exists: nothing was sent.")
            continue
        if step.attempt is not None and _went_out(rollout, step, step.attempt):
            continue
        if not agent.binds(rollout.subject):
            _fail(
                step, f"Agent {step.target} no longer uses set {rollout.subject}: nothing was sent."
            )
            continue
        hold = _set_holding(rollout.account, agent)
        if hold is not None:
            state, message = hold
            if state == Step.State.FAILED:
                _fail(step, message)
            else:
                _say([step], message)
            continue
        if not _time_for_a_deploy():
            # Left waiting with no attempt: the next poll sends it, under a deadline of its own.
            _say([step], "Waiting: sent at the next poll (this one had no time left to).")
            continue
        _deploy(rollout, actor, step, agent, partial(client.redeploy, agent.name))


def _time_for_a_deploy() -> bool:
    """Whether what is left of the page's deadline leaves a deploy its whole time to answer
    (a read's timeout, half the deadline at most): one sent short of it may have its answer
    cut off, and one sent with none left is refused before it is asked, a failed attempt."""
    left = deadlines.remaining()
    needed = min(settings.PIPECAT_TIMEOUTS.read, settings.PROVIDER_DEADLINE_SECONDS / 2)
    return left is None or left >= needed


def _went_out(rollout: Rollout, step: Step, sequence: int) -> bool:
    """A step waiting with an attempt was being sent when its request ended (a crash, a
    timeout), or was retried after its answer was lost: whether its deploy went out, before it
    is sent again. A definite refusal (`failed`: a 409, a 4xx, its deployment failed) is sent
    again; a deployment the attempt's outcome names is followed; otherwise the agent tells: a
    desired deployment other than the one the attempt recorded it replaces (`target_id`) was
    made since and is followed as this one (ids, never times: the clocks differ); the same
    one, and the deploy is sent again."""
    attempt = AuditEvent.objects.filter(sequence=sequence).first()
    if attempt is None:
        step.attempt = None
        return False
    outcomes = list(AuditEvent.objects.filter(attempt=attempt).order_by("sequence"))
    if any(outcome.outcome == Outcome.FAILED for outcome in outcomes):
        step.attempt = None
        return False
    replaced = attempt.target_id
    made = next((o.target_id for o in reversed(outcomes) if o.target_id not in ("", replaced)), "")
    if made:
        step.state, step.upstream_id = Step.State.SENT, made
        step.message = f"Deploying: deployment {made}, made by its deploy, is followed."
        step.save()
        return True
    try:
        agent = selectors.agent(rollout.account, step.target, fresh=True)
    except ProviderError as error:
        _say([step], f"Whether its deploy went out could not be read: {describe_read(error)}")
        return True
    if not replaced:
        # An attempt recorded without the deployment it replaces (before attempts named it):
        # whether it went out is for a person to judge; a retry sends it again.
        message = (
            f"Whether its deploy went out cannot be told (the agent has deployment "
            f"{agent.deployment_id}): check the agent in Pipecat Cloud, then retry or stop here."
        )
        if not outcomes:
            _conclude_once(attempt, Outcome.UNKNOWN, "", message, "")
        step.attempt = None
        _fail(step, message)
        return True
    if agent.deployment_id != replaced:
        message = (
            f"Its request ended before Pipecat Cloud's answer was recorded; deployment "
            f"{agent.deployment_id} was made since: it is followed."
        )
        _conclude_once(attempt, Outcome.UNKNOWN, DEPLOYING, message, agent.deployment_id)
        step.state, step.upstream_id, step.message = Step.State.SENT, agent.deployment_id, message
        step.save()
        return True
    if not outcomes:
        _conclude_once(
            attempt,
            Outcome.FAILED,
            "not_sent",
            f"Its request ended before the deploy was sent: the agent still runs deployment "
            f"{replaced}.",
            replaced,
        )
    step.attempt = None
    return False


def _set_holding(account: str, agent: Agent) -> tuple[str, str] | None:
    """The first set `agent` binds that is not ready, as (the step's state, why); None when
    every one is ready and its deploy may be sent."""
    bound = [*agent.env_sets, *([agent.image_pull_set] if agent.image_pull_set else [])]
    for name in bound:
        try:
            found = selectors.find_set(account, name)
        except selectors.SetNotListed:
            return Step.State.FAILED, f"Set {name} no longer exists: a deploy would be refused."
        except ProviderError as error:
            return Step.State.WAITING, (
                f"Waiting: whether set {name} is ready could not be read. {describe_read(error)}"
            )
        if found.status == "failed":
            why = f" ({found.error_message})" if found.error_message else ""
            return Step.State.FAILED, (
                f"Set {name} failed to provision{why}: nothing was sent. Save its keys again "
                "(or ask Pipecat Cloud's support), then retry."
            )
        if found.status != "ready":
            return Step.State.WAITING, (
                f"Waiting for set {name} to be ready (it is {found.status}): nothing is sent "
                "before it is."
            )
    return None


def _deploy(
    rollout: Rollout, actor: Actor, step: Step, before: Agent, send: Callable[[], Redeployed]
) -> None:
    """Sends one deploy between its attempt and its outcome; `before` is the agent as listed
    before it, which tells whether a deploy whose answer was lost made a deployment."""
    # The attempt names the deployment the agent has before (`target_id`): a new desired id
    # since says that the deploy went out (`_went_out`, `reconcile`), whatever either clock.
    subject = Subject(
        actions.PROVIDER, rollout.account, before.region, step.target, before.deployment_id
    )

    def marked_then_sent() -> Redeployed:
        # The step holds its attempt before the POST: a request ending during it leaves the step
        # waiting with it, and the next advance looks whether it went out (`_went_out`).
        attempt = AuditEvent.objects.filter(
            operation_id=rollout.operation,
            action=actions.AGENT_REDEPLOY,
            target=step.target,
            outcome=Outcome.ATTEMPTED,
        ).latest("sequence")
        Step.objects.filter(pk=step.pk).update(attempt=attempt.sequence)
        return send()

    try:
        recorded = recorded_change(
            actor,
            action=actions.AGENT_REDEPLOY,
            subject=subject,
            call=marked_then_sent,
            describe=lambda error: _describe(error, step.target),
            provider=SHOWN_AS,
            reason=(
                f"Redeploy of the agents using set {rollout.subject_name or rollout.subject} "
                f"(operation #{rollout.operation})"
            ),
            conclusion=_accepted,
            operation=rollout.operation,
        )
    except ChangeFailed as failure:
        error = failure.__cause__
        if failure.attempt is None:  # the log could not be written: nothing was sent
            raise audit.AuditUnavailable(failure.message) from failure
        step.attempt = failure.attempt.sequence
        provider_error = error if isinstance(error, ProviderError) else None
        step.request_id = provider_error.request_id if provider_error else ""
        if isinstance(error, SetNotReady):
            step.attempt = None  # concluded failed: nothing to look for before sending again
            step.state = Step.State.WAITING
            which = f"Set {error.set_name}" if error.set_name else "A set it binds"
            step.message = (
                f"{which} turned pending meanwhile: Pipecat Cloud refused the deploy (409), "
                "nothing was deployed. It is sent once the set is ready."
            )
        else:
            step.state = Step.State.FAILED
            said = (
                f"{what_happened(error)} {_gone(rollout, before)}"
                if isinstance(error, NotFound)
                else failure.message
            )
            step.message = with_request_id(said, actor.request_id, provider_error)
            if provider_error is not None and provider_error.may_have_applied:
                _look_for_it(rollout, step, before)
        step.save()
        return
    finally:
        selectors.forget_agent(rollout.account, step.target)
    step.state = Step.State.SENT
    step.upstream_id = recorded.answer.deployment_id
    step.attempt = recorded.attempt.sequence
    step.message = "Deploying: Pipecat Cloud accepted the redeploy."
    step.request_id = ""
    step.save()


def _look_for_it(rollout: Rollout, step: Step, before: Agent) -> None:
    """After a deploy Pipecat Cloud may have received: a deployment of the agent made since is
    followed as this one (its attempt concluded once it ends), never sent twice; none, and the
    step stays failed, to retry."""
    try:
        agent = selectors.agent(rollout.account, step.target, fresh=True)
    except ProviderError as error:
        step.message += f" Whether it was made could not be read ({describe_read(error)})."
        return
    if agent.deployment_id == before.deployment_id:
        step.message += " No new deployment has appeared since: retry to send it again."
        return
    step.state, step.upstream_id = Step.State.SENT, agent.deployment_id
    step.message += f" Deployment {agent.deployment_id} has appeared since: it is followed."


def _accepted(answer: Redeployed) -> Conclusion:
    return Conclusion(
        Outcome.UNKNOWN,
        DEPLOYING,
        f"Pipecat Cloud accepted the redeploy; deployment {answer.deployment_id} rolls out.",
        target_id=answer.deployment_id,
    )


def _gone(rollout: Rollout, before: Agent) -> str:
    """What a deploy's 404 was about, as a read of the agent tells: the agent, or a set it
    binds (the API answers both alike)."""
    try:
        selectors.agent(rollout.account, before.name, fresh=True)
    except NotFound:
        return f"Agent {before.name} no longer exists: nothing was deployed."
    except ProviderError as error:
        return (
            f"Pipecat Cloud found no agent {before.name}, or no set it binds: nothing was "
            f"deployed. Which could not be read: {describe_read(error)}"
        )
    bound = ", ".join([*before.env_sets, *filter(None, [before.image_pull_set])])
    return (
        f"A set agent {before.name} binds ({bound}) is gone, Pipecat Cloud says: nothing was "
        "deployed. Save the set again, or bind the agent to another, then retry."
    )


def _describe(error: ProviderError, agent: str) -> str:
    if isinstance(error, NotFound):
        return f"{what_happened(error)} Agent {agent} or a set it binds is gone."
    return describe_change(error, f"agent {agent}").replace("The change to", "The redeploy of")


def _follow(rollout: Rollout, actor: Actor, step: Step) -> None:
    """The sent deploy as the agent's shared read shows it; its outcome recorded once known."""
    try:
        agent = selectors.agent(rollout.account, step.target)
    except NotFound:
        _settle(step, Step.State.FAILED, Outcome.FAILED, AGENT_GONE, "The agent was deleted.")
        return
    except ProviderError as error:
        unread = f"Deploying; its progress could not be read: {describe_read(error)}"
        step.message = with_request_id(unread, actor.request_id, error)
        step.save(update_fields=["message", "updated_at"])
        return
    state = agent.state
    if agent.deployment_id != step.upstream_id:
        message = (
            f"Deployment {agent.deployment_id}, made since by someone else, replaced it before "
            "it landed: retry to redeploy again, or stop here."
        )
        _settle(step, Step.State.FAILED, Outcome.FAILED, SUPERSEDED, message)
    elif state is None or state.in_progress:
        step.message = _progress(agent)
        step.save(update_fields=["message", "updated_at"])
    elif state.landed:
        _settle(step, Step.State.DONE, Outcome.SUCCEEDED, "", "")
    else:
        revision = state.revision
        said = (revision.reason, revision.message) if revision else ()
        why = ": ".join(part for part in said if part)
        message = f"The deployment failed{f' ({why})' if why else ''}."
        if state.old_serves:
            message += " The previous deployment still serves."
        _settle(step, Step.State.FAILED, Outcome.FAILED, DEPLOY_FAILED, message)
        step.message = with_request_id(message, actor.request_id)
        step.save(update_fields=["message", "updated_at"])


def _progress(agent: Agent) -> str:
    state = agent.state
    parts = ["Deploying"]
    if state is not None:
        if state.phase:
            parts.append(f"phase {state.phase}")
        revision = state.revision
        if revision and revision.trouble and revision.reason:
            parts.append(f"not ready: {revision.reason}")
        elif revision and revision.trouble:
            parts.append(f"its code is {revision.trouble}, not passing its readiness checks yet")
        if state.old_serves:
            parts.append("the previous deployment still serves")
        elif not state.available:
            parts.append("no deployment takes sessions yet")
    return "; ".join(parts) + "."


def _settle(step: Step, state: str, outcome: str, error_code: str, message: str) -> None:
    """Concludes the step's attempt once (the deployment id recorded) and sets its state."""
    attempt = AuditEvent.objects.filter(sequence=step.attempt).first() if step.attempt else None
    if attempt is not None:
        _conclude_once(attempt, outcome, error_code, message, step.upstream_id)
    step.state, step.message = state, message
    step.request_id = ""
    step.save()


def _conclude_once(
    attempt: AuditEvent, outcome: str, error_code: str, message: str, deployment: str
) -> None:
    try:
        with transaction.atomic():
            audit.hold_appends()
            settled = AuditEvent.objects.filter(attempt=attempt).exclude(outcome=Outcome.UNKNOWN)
            if settled.exists():
                return
            audit.conclude(
                attempt,
                outcome=outcome,
                error_code=error_code,
                error_message=message,
                target_id=deployment,
            )
    except DatabaseError as exc:
        raise audit.AuditUnavailable(f"the audit log cannot be written: {exc}") from exc


def _fail(step: Step, message: str) -> None:
    step.state, step.message, step.request_id = Step.State.FAILED, message, ""
    step.save()


def _say(steps: Iterable[Step], message: str) -> None:
    for step in steps:
        if step.message != message:
            step.message = message
            step.save(update_fields=["message", "updated_at"])
