"""What the Pipecat Cloud API answers (secrets, agents), as typed values."""

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

SetType = Literal["secret", "imagePullSecret"]
Status = Literal["pending", "ready", "failed"]
Phase = Literal["Creating", "Validating", "Active", "Draining", "Failed"]
CodeState = Literal["running", "waiting", "terminated"]


@dataclass(frozen=True)
class SecretSet:
    """A set as `GET /secrets` lists it."""

    name: str
    type: SetType
    region: str
    status: Status
    error_message: str | None  # why provisioning failed, only when `status` is "failed"

    @property
    def is_image_pull_secret(self) -> bool:
        return self.type == "imagePullSecret"


@dataclass(frozen=True)
class SetDetail:
    """A regular set as `GET /secrets/{name}` shows it: key names, never values."""

    name: str
    region: str
    status: Status
    error_message: str | None
    keys: tuple[str, ...]  # sorted

    @property
    def summary(self) -> SecretSet:
        """The set as the list would show it: only regular sets can be read by name."""
        return SecretSet(self.name, "secret", self.region, self.status, self.error_message)


@dataclass(frozen=True)
class Region:
    code: str
    display_name: str


@dataclass(frozen=True)
class Accepted:
    """A change the API stored; the set is now provisioned in the background (status pending)."""

    region: str
    status: int  # the HTTP status it answered with, for the audit log


@dataclass(frozen=True)
class Deleted:
    status: int


@dataclass(frozen=True)
class Revision:
    """One deployment's revision as the detail shows it (`RevisionInfo` and its `health`)."""

    deployment_id: str
    phase: Phase
    phase_started_at: datetime | None
    ready_replicas: int
    # The code's health, present "once replicas have started running": None before.
    code_ready: bool | None
    code_state: CodeState | None
    reason: str | None  # why the code is in that state: "ImagePullBackOff", "CrashLoopBackOff"…
    message: str | None  # the crash's own output (a traceback, say): shown, never interpreted

    @property
    def failed(self) -> bool:
        return self.phase == "Failed"

    @property
    def trouble(self) -> str | None:
        """The reason the code is not passing its readiness checks, when the API gives one.

        Not a failure: the document gives the revision a phase `Failed` of its own, and its
        health reasons are Kubernetes' container states, which it keeps retrying with back-off
        (an image pushed meanwhile, a dependency back up, and the code runs). A caller
        following a deploy shows this beside its progress and gives up by the phase `Failed`
        or its own deadline, not on this alone.
        """
        if self.code_ready is False:
            return self.reason or self.code_state
        return None


@dataclass(frozen=True)
class DeploymentState:
    """How far the desired deployment has got, from `GET /agents/{name}`.

    The document's words: `reconciledDeploymentId` is "the deployment that the operator has
    actually reconciled"; "when these match and `ready` is true, the deployment is fully
    complete"; `available` "may be true even if `ready` is false, as old pods continue serving".
    """

    desired_id: str
    reconciled_id: str | None  # None until the operator has reconciled any deployment
    ready: bool
    available: bool
    current: Revision | None  # the latest revision; None when the API gives none
    previous: Revision | None  # "present during rolling updates"

    @property
    def landed(self) -> bool:
        return self.ready and self.reconciled_id == self.desired_id

    @property
    def failed(self) -> bool:
        """The platform gave up on the desired deployment (its revision's phase is `Failed`)."""
        return not self.landed and self.revision is not None and self.revision.failed

    @property
    def in_progress(self) -> bool:
        return not self.landed and not self.failed

    @property
    def revision(self) -> Revision | None:
        """The desired deployment's revision, once the API reports one for it."""
        current = self.current
        return current if current and current.deployment_id == self.desired_id else None

    @property
    def phase(self) -> Phase | None:
        return self.revision.phase if self.revision else None

    @property
    def old_serves(self) -> bool:
        """An older deployment still takes the sessions while the desired one is not ready."""
        return not self.landed and self.serving_id not in (None, self.desired_id)

    @property
    def serving_id(self) -> str | None:
        """The deployment taking sessions: the desired one once landed, else the previous
        revision's (or the reconciled one); None when nothing can take sessions."""
        if not self.available:
            return None
        if self.landed:
            return self.desired_id
        if self.previous is not None:
            return self.previous.deployment_id
        return self.reconciled_id


@dataclass(frozen=True)
class Agent:
    """An agent and the sets its current (desired) deployment binds.

    `landed`: from the detail, the desired deployment is fully complete (`state.landed`). The list
    has only the two ids, and their matching says just that the operator has processed the
    desired deployment: it may still be validating, or have failed. `available` (it can take
    sessions) and `state` (how far the desired deployment has got) are in the detail only, None
    from the list; a caller following a deploy reads the detail.
    """

    name: str
    region: str
    deployment_id: str
    deployed_at: datetime | None  # when the desired deployment was made; None without one
    landed: bool
    available: bool | None
    env_sets: tuple[str, ...]  # `envFromSecretNames`
    image_pull_set: str | None  # `imagePullSecretName`
    state: DeploymentState | None = None

    def binds(self, set_name: str) -> bool:
        return set_name in self.env_sets or set_name == self.image_pull_set


@dataclass(frozen=True)
class Redeployed:
    """A redeploy the API accepted: `agent.deployment_id` is the new deployment to follow."""

    agent: Agent
    status: int  # the HTTP status it answered with, for the audit log

    @property
    def deployment_id(self) -> str:
        return self.agent.deployment_id
