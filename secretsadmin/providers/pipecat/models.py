"""What the Pipecat Cloud API answers (secrets, agents), as typed values."""

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

SetType = Literal["secret", "imagePullSecret"]
Status = Literal["pending", "ready", "failed"]


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
class Agent:
    """An agent and the sets its current (desired) deployment binds.

    `landed`: the operator has reconciled the desired deployment, which the list tells by the two
    ids matching; the detail also needs its `ready`. `available` (it can take sessions) is in the
    detail only, None from the list.
    """

    name: str
    region: str
    deployment_id: str
    deployed_at: datetime | None  # when the desired deployment was made; None without one
    landed: bool
    available: bool | None
    env_sets: tuple[str, ...]  # `envFromSecretNames`
    image_pull_set: str | None  # `imagePullSecretName`

    def binds(self, set_name: str) -> bool:
        return set_name in self.env_sets or set_name == self.image_pull_set
