"""The organisations' agents, their deployments, and the rules a deploy must pass.

A deployment binds secret sets as its manifest does (`envFromSecretNames`, `imagePullSecretName`)
and becomes ready a delay after it was made, read from the clock as provisioning is. Its revision
is `Creating` for the first half of the delay; then the operator has reconciled it (the official
client waits "for operator to process deployment" until `reconciledDeploymentId` is the desired
one, and only then reads `ready`) and it is `Validating`, its replicas started but not ready; at
the delay it is `Active` and the agent `ready`. Until then the deployment before it keeps serving,
as `previousRevision`, so the agent stays `available`.

A deployment scripted to fail (`fail_next_deploys`) is reconciled as well, its code `waiting` for
the reason given (ImagePullBackOff by default), and at the delay its phase is `Failed`: the agent
is never `ready` with it, and the deployment before it serves on, the rolling update unfinished.
"""

import re
import time
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from ..clock import Clock
from .store import Rejected, SecretStore, SetType

BAD_REQUEST = "GENERIC_BAD_REQUEST"
NAMESPACE = "tiny-ferret-maroon-123"
DEFAULT_DEPLOY_FAILURE = "Back-off pulling image: not found or unauthorized"
RESOURCES = {
    "agent-1x": {"cpu": "500m", "memory": "1Gi"},
    "agent-2x": {"cpu": "1", "memory": "2Gi"},
    "agent-3x": {"cpu": "1500m", "memory": "3Gi"},
}


@dataclass(frozen=True)
class Config:
    """What a deploy asks for: the fields of `UpdateServiceRequest` that shape a deployment."""

    image: str
    secret_set: str | None = None
    image_pull_secret_set: str | None = None
    min_agents: int = 0
    max_agents: int = 50
    agent_profile: str = "agent-1x"
    max_session_duration: int | None = None


@dataclass(frozen=True)
class DeployFailure:
    """Why a deployment's code never became ready, as its revision's health tells it."""

    reason: str
    message: str


@dataclass(frozen=True)
class ScriptedFailure:
    failure: DeployFailure
    agent: str | None  # only this agent's next deployment; any agent's when None


@dataclass
class Deployment:
    id: str
    config: Config
    created_at: float
    ready_at: float  # when it lands, or fails when `failure` is set
    failure: DeployFailure | None = None

    @property
    def reconciled_at(self) -> float:
        """When the operator has processed it: halfway to its verdict."""
        return (self.created_at + self.ready_at) / 2


@dataclass
class Agent:
    id: str
    name: str
    region: str
    created_at: float
    updated_at: float
    deployments: list[Deployment] = field(default_factory=list)

    @property
    def desired(self) -> Deployment:
        return self.deployments[-1]

    def reconciled(self, now: float) -> Deployment | None:
        """The latest deployment the operator has processed, whatever became of it."""
        processed = [d for d in self.deployments if d.reconciled_at <= now]
        return processed[-1] if processed else None

    def serving(self, now: float) -> Deployment | None:
        """The latest deployment that landed: the one taking sessions."""
        landed = [d for d in self.deployments if d.ready_at <= now and d.failure is None]
        return landed[-1] if landed else None


class AgentStore:
    def __init__(self, clock: Clock, secrets: SecretStore, deploy_delay: float) -> None:
        self.clock, self.secrets = clock, secrets
        self._configured_delay = self.deploy_delay = deploy_delay
        # Timestamps are wall-clock times: the emulator's clock may be monotonic or manual.
        self._epoch = time.time() - clock.now()
        self._agents: dict[str, dict[str, Agent]] = {}
        self._failures: list[ScriptedFailure] = []

    def clear(self) -> None:
        """Back to no agent, no scripted failure and the delay the store was built with."""
        self.deploy_delay = self._configured_delay
        self._agents.clear()
        self._failures.clear()

    def fail_next_deploys(self, n: int, failure: DeployFailure, agent: str | None = None) -> None:
        """The next `n` deployments the API makes (of `agent` only, when named) fail."""
        if n < 1:
            raise ValueError("times must be at least 1")
        self._failures.extend(ScriptedFailure(failure, agent) for _ in range(n))

    def iso(self, at: float) -> str:
        stamp = datetime.fromtimestamp(self._epoch + at, UTC)
        return stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z")

    # -- reading ----------------------------------------------------------------------------------

    def agents(self, org: str) -> list[Agent]:
        return list(self._agents.get(org, {}).values())

    def get(self, org: str, name: str) -> Agent | None:
        return self._agents.get(org, {}).get(name)

    # -- changing ---------------------------------------------------------------------------------

    def add(self, org: str, name: str, region: str, config: Config, deployed_at: float) -> Agent:
        """Store an agent whose one deployment was made at `deployed_at`, for seeding."""
        agent = Agent(str(uuid.uuid4()), name, region, deployed_at, deployed_at)
        agent.deployments.append(self._deployment(config, deployed_at))
        self._agents.setdefault(org, {})[name] = agent
        return agent

    def create(self, org: str, body: object) -> Agent:
        """Applies `POST /agents`: a new agent whose first deployment lands after the delay."""
        if not isinstance(body, dict):
            raise InvalidDeploy
        name = body.get("serviceName")
        if not isinstance(name, str) or not valid_agent_name(name):
            raise InvalidDeploy
        if self.get(org, name) is not None:
            raise Rejected(400, "Service already exists", BAD_REQUEST)
        if "image" not in body and "buildId" not in body:
            raise Rejected(
                400, "Either image or buildId is required for service creation", BAD_REQUEST
            )
        region = body.get("region", "us-west")
        if not isinstance(region, str) or not region:
            raise InvalidDeploy
        config = _merged(Config(image=""), body)
        self._check_sets(org, region, config, "will be created in")
        agent = self.add(org, name, region, config, self.clock.now())
        agent.desired.failure = self._next_failure(name)
        return agent

    def delete(self, org: str, name: str) -> None:
        if self._agents.get(org, {}).pop(name, None) is None:
            raise Rejected(404, "Not found", "NOT_FOUND")

    def update(self, org: str, name: str, body: object) -> Agent:
        """Applies `POST /agents/{name}`: a new deployment when the configuration changes or
        `forceRedeploy` asks for one (to pick up changed secret values, say)."""
        agent = self.get(org, name)
        if agent is None:
            raise Rejected(404, "Service not found", "NOT_FOUND")
        config = _merged(agent.desired.config, body)
        self._check_sets(org, agent.region, config, "is in")
        if config == agent.desired.config and not _forced(body):
            return agent
        now = self.clock.now()
        deployment = self._deployment(config, now)
        deployment.failure = self._next_failure(name)
        agent.deployments.append(deployment)
        agent.updated_at = now
        return agent

    def _deployment(self, config: Config, at: float) -> Deployment:
        return Deployment(str(uuid.uuid4()), config, at, at + self.deploy_delay)

    def _next_failure(self, agent: str) -> DeployFailure | None:
        for scripted in self._failures:
            if scripted.agent in (None, agent):
                self._failures.remove(scripted)
                return scripted.failure
        return None

    def _check_sets(self, org: str, region: str, config: Config, service_is: str) -> None:
        for name, kind in (
            (config.secret_set, SetType.REGULAR),
            (config.image_pull_secret_set, SetType.IMAGE_PULL),
        ):
            if name is None:
                continue
            label = "Secret set" if kind == SetType.REGULAR else "Image pull secret set"
            found = self.secrets.get(org, name)
            if found is None or found.type != kind:
                raise Rejected(404, f"{label} not found", "NOT_FOUND")
            if found.region != region:
                plural = "Secrets" if kind == SetType.REGULAR else "Image pull secrets"
                raise Rejected(
                    400,
                    f"{label} '{name}' is in region '{found.region}' but service {service_is} "
                    f"region '{region}'. {plural} must be in the same region as the service.",
                    BAD_REQUEST,
                )
            if found.status(self.clock.now()) != "ready":
                raise Rejected(
                    409,
                    f"Secret set '{name}' is not yet ready. Retry once it has been provisioned.",
                    "CONFLICT",
                )

    # -- the documented bodies --------------------------------------------------------------------

    def list_item(self, org: str, agent: Agent, include_deployment: bool) -> dict:
        """The agent as `GET /agents` lists it (`ServiceListItem`)."""
        now = self.clock.now()
        item = {
            "id": agent.id,
            "name": agent.name,
            "region": agent.region,
            **self._deployment_ids(agent, now),
            "organizationId": str(uuid.uuid5(uuid.NAMESPACE_DNS, org)),
            "createdAt": self.iso(agent.created_at),
            "updatedAt": self.iso(agent.updated_at),
            "deletedAt": None,
        }
        if include_deployment:
            item["deployment"] = self._deployment_body(agent, agent.desired)
        return item

    def detail(self, agent: Agent) -> dict:
        """The agent as `GET /agents/{name}` shows it (`ServiceDetailsResponse`)."""
        now = self.clock.now()
        desired, serving = agent.desired, agent.serving(now)
        ready = serving is desired
        config = desired.config
        body = {
            "name": agent.name,
            "region": agent.region,
            "ready": ready,
            "available": serving is not None,
            "createdAt": self.iso(agent.created_at),
            "updatedAt": self.iso(agent.updated_at),
            **self._deployment_ids(agent, now),
            "activeDeploymentReady": ready,
            "autoScaling": {"maxReplicas": config.max_agents, "minReplicas": config.min_agents},
            "activeSessionCount": 0,
            "deployment": self._deployment_body(agent, desired),
            "agentProfile": config.agent_profile,
            "krispViva": {"audioFilter": None},
            "currentRevision": self._revision(desired, now),
        }
        # "Present during rolling updates": the one still serving beside the new one.
        if serving is not None and not ready:
            body["previousRevision"] = self._revision(serving, now)
        return body

    def _deployment_ids(self, agent: Agent, now: float) -> dict:
        ids = {"desiredDeploymentId": agent.desired.id, "activeDeploymentId": agent.desired.id}
        reconciled = agent.reconciled(now)
        if reconciled is not None:
            ids["reconciledDeploymentId"] = reconciled.id
        return ids

    def _deployment_body(self, agent: Agent, deployment: Deployment) -> dict:
        config = deployment.config
        spec: dict = {
            "dailyNodeType": "arm",
            "image": config.image,
            "autoScaling": {"minReplicas": config.min_agents, "maxReplicas": config.max_agents},
        }
        if config.image_pull_secret_set is not None:
            spec["imagePullSecretName"] = config.image_pull_secret_set
        spec["envFromSecretNames"] = [config.secret_set] if config.secret_set else []
        spec["resources"] = RESOURCES[config.agent_profile]
        spec["krispModels"] = {"enabled": False}
        spec["krispViva"] = {"audioFilters": False}
        if config.max_session_duration is not None:
            spec["maxSessionDurationSeconds"] = config.max_session_duration
        return {
            "id": deployment.id,
            "manifest": {
                "apiVersion": "pipecatcloud.daily.co/v1",
                "kind": "PCService",
                "metadata": {"name": agent.name, "namespace": NAMESPACE},
                "spec": spec,
            },
            "serviceId": agent.id,
            "createdAt": self.iso(deployment.created_at),
            "updatedAt": self.iso(deployment.created_at),
        }

    def _revision(self, deployment: Deployment, now: float) -> dict:
        phase, started = _phase(deployment, now)
        revision: dict = {
            "deploymentID": deployment.id,
            "phase": phase,
            "readyReplicas": 1 if phase == "Active" else 0,
            "phaseStartedAt": self.iso(started),
        }
        # "Present once replicas have started running."
        if phase == "Active":
            revision["health"] = _health(ready=True, state="running", started=1)
        elif deployment.failure is not None and phase != "Creating":
            # Its replica was scheduled but its code never started (an image that cannot be
            # pulled): Kubernetes reports the container `waiting`, with the reason, while it
            # retries; the phase says when the platform gave up.
            revision["health"] = _health(
                ready=False,
                state="waiting",
                started=0,
                reason=deployment.failure.reason,
                message=deployment.failure.message,
            )
        elif phase == "Validating":
            revision["health"] = _health(ready=False, state="running", started=1)
        return revision


def _phase(deployment: Deployment, now: float) -> tuple[str, float]:
    """The revision's phase at `now` and when that phase started."""
    if deployment.ready_at <= now:
        return ("Failed" if deployment.failure else "Active"), deployment.ready_at
    if deployment.reconciled_at <= now:
        return "Validating", deployment.reconciled_at
    return "Creating", deployment.created_at


def _health(*, ready: bool, state: str, started: int, **why: str) -> dict:
    return {"ready": ready, "state": state, "restartCount": 0, "replicasStarted": started, **why}


AGENT_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])$")


def valid_agent_name(name: str) -> bool:
    """`serviceName` as the published document states it: at most 54 characters."""
    return len(name) <= 54 and AGENT_NAME.fullmatch(name) is not None


class InvalidDeploy(ValueError):
    """A deploy body of the wrong shape: the API's `Invalid parameters`."""


def _forced(body: object) -> bool:
    return isinstance(body, dict) and body.get("forceRedeploy") is True


def _merged(current: Config, body: object) -> Config:
    """The deployment `body` asks for: the fields it names replace the current ones."""
    if not isinstance(body, dict):
        raise InvalidDeploy
    if "image" in body and "buildId" in body:
        raise Rejected(
            400, "Cannot specify both image and buildId. Use one or the other.", BAD_REQUEST
        )
    changes: dict = {}
    for field_name, key in (
        ("image", "image"),
        ("secret_set", "secretSet"),
        ("image_pull_secret_set", "imagePullSecretSet"),
        ("agent_profile", "agentProfile"),
    ):
        if key in body:
            value = body[key]
            if not isinstance(value, str) or not value:
                raise InvalidDeploy
            changes[field_name] = value
    if changes.get("agent_profile", current.agent_profile) not in RESOURCES:
        raise InvalidDeploy
    scaling = body.get("autoScaling", {})
    if not isinstance(scaling, dict):
        raise InvalidDeploy
    for field_name, key in (("min_agents", "minAgents"), ("max_agents", "maxAgents")):
        if key in scaling:
            changes[field_name] = _int(scaling[key], 0, 1000)
    if "maxSessionDuration" in body:
        changes["max_session_duration"] = _int(body["maxSessionDuration"], 60, 14400)
    if not isinstance(body.get("forceRedeploy", False), bool):
        raise InvalidDeploy
    return replace(current, **changes)


def _int(value: object, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise InvalidDeploy
    return value
