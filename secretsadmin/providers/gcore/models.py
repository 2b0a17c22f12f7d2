"""What the Gcore Cloud API answers about secrets, their tasks, regions and projects, the load
balancers' listeners and pools that use the secrets, and its log of who changed them, as typed
values. No model holds a payload: no
endpoint ever returns one."""

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args

SecretType = Literal["certificate", "opaque", "passphrase", "private", "public", "symmetric"]
SECRET_TYPES: tuple[SecretType, ...] = get_args(SecretType)
TaskState = Literal["NEW", "RUNNING", "FINISHED", "ERROR"]
TASK_STATES: tuple[TaskState, ...] = get_args(TaskState)
DONE_STATES = ("FINISHED", "ERROR")


@dataclass(frozen=True)
class Secret:
    id: str
    name: str
    secret_type: SecretType
    status: str  # "ACTIVE" once stored; the API documents no list of statuses
    created: datetime
    expiration: datetime | None
    algorithm: str | None
    bit_length: int | None
    mode: str | None
    content_types: tuple[tuple[str, str], ...]  # ("default", "text/plain"): how it can be read
    region_id: int  # where it was listed: the API's secrets carry no region of their own


@dataclass(frozen=True)
class Task:
    """An asynchronous write, done when FINISHED (or failed: ERROR, with its `error`)."""

    id: str
    task_type: str
    state: TaskState
    error: str | None
    created_secrets: tuple[str, ...]  # ids of the secrets a finished create made
    project_id: int | None
    region_id: int | None
    created_on: datetime | None
    finished_on: datetime | None

    @property
    def done(self) -> bool:
        return self.state in DONE_STATES


@dataclass(frozen=True)
class Region:
    id: int
    display_name: str
    state: str = "ACTIVE"  # Gcore's: NEW, MAINTENANCE, INACTIVE, DELETING, DELETED... too

    @property
    def usable(self) -> bool:
        return self.state == "ACTIVE"


@dataclass(frozen=True)
class Project:
    id: int
    name: str
    is_default: bool


@dataclass(frozen=True)
class Submitted:
    """A write the API accepted: it happens in the task it started."""

    task_id: str
    status: int  # the HTTP status it answered with, for the audit log


@dataclass(frozen=True)
class LoadBalancer:
    id: str
    name: str
    # PENDING_UPDATE while Octavia updates it or one of its listeners or pools ("" when unsaid).
    provisioning_status: str = ""


@dataclass(frozen=True)
class Listener:
    """Where a load balancer takes traffic; TLS is terminated with `secret_id` by default and
    with `sni_secret_ids` for the names those certificates hold."""

    id: str
    name: str
    protocol: str  # HTTP, HTTPS, PROMETHEUS, TCP, TERMINATED_HTTPS, UDP
    protocol_port: int
    load_balancer_id: str | None
    secret_id: str | None
    sni_secret_ids: tuple[str, ...]
    provisioning_status: str = ""  # PENDING_UPDATE while an update of it runs


@dataclass(frozen=True)
class Pool:
    """The members a listener sends traffic to: `secret_id` is the client certificate it shows
    them, `ca_secret_id` and `crl_secret_id` what it checks theirs against."""

    id: str
    name: str
    protocol: str  # HTTP, HTTPS, PROXY, PROXYV2, TCP, UDP
    secret_id: str | None
    ca_secret_id: str | None
    crl_secret_id: str | None
    listener_ids: tuple[str, ...]
    load_balancer_ids: tuple[str, ...]
    provisioning_status: str = ""  # PENDING_UPDATE while an update of it runs


@dataclass(frozen=True)
class UserAction:
    """One entry of Gcore's own audit log: a change asked of the API, by whom and from where."""

    id: str
    action_type: str  # create, delete, update... (the SDK knows 40)
    api_group: str  # secret, lblistener, lbpool... (what the change was made through)
    timestamp: datetime
    user_id: int
    email: str | None
    token_id: int | None  # the API key's id (a permanent token reads `<id>$<secret>`)
    source_ip: str | None
    user_agent: str | None
    task_id: str | None  # the task that carried the change out
    region_id: int | None
    resource_ids: tuple[str, ...]  # what it changed
