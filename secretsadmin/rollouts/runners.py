"""What each provider's kind of operation does with its steps, registered by the provider's app:
the shared pages (`views`) know operations only through this."""

from typing import Protocol

from secretsadmin.audit.services import Actor

from .models import Rollout


class Runner(Protocol):
    kind: str
    step_heading: str  # what its steps act on, as the steps' column is headed: "Agent"
    shown_as: str  # the provider, as pages name it: "Pipecat Cloud"
    upstream_label: str  # what a step's `upstream_id` is: "deployment", "task"
    # Shown on the operation's page under its steps (a provider's own offer once it is done, such
    # as deleting the certificate replaced), with `rollout` and `runner` in its context.
    template: str

    def title(self, rollout: Rollout) -> str:
        """What the operation is, for its page: "Redeploy the agents using voice-prod"."""
        ...

    def subject_url(self, rollout: Rollout) -> str:
        """The page of what it is for (the set, the secret)."""
        ...

    def advance(self, rollout: Rollout, actor: Actor, *, send: bool) -> None:
        """One pass, under the operation's lease: follows what was sent (the provider's reads,
        each step's outcome recorded once it is known) and, when `send`, sends the steps that
        may go next, each an audited change of `actor`'s grouped under the operation. A step's
        provider error is the step's to show (`Step.message`, `Step.request_id`); raises
        `AuditUnavailable` when the log cannot be written (nothing is sent then).

        A step still waiting whose `attempt` is set was being sent when its request ended (a
        crash, a timeout): what the provider holds tells whether it went out, before it is
        sent again. Several requests may follow at once only when the lease expired under a
        request that outlived it: record each outcome once (hold the log's appends and look)."""
        ...


_runners: dict[str, Runner] = {}


def register(runner: Runner) -> None:
    _runners[runner.kind] = runner


def runner_of(rollout: Rollout) -> Runner:
    return _runners[rollout.kind]
