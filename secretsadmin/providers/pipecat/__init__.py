"""Client of the Pipecat Cloud API (secrets, agents): typed results, typed errors, safe retries."""

from ..clients import UnknownAccount
from ..retry import RetryPolicy
from .client import PipecatClient, image_pull_credentials
from .clients import PipecatClients, pipecat_clients
from .errors import (
    BadRequest,
    BadRequestReason,
    Conflict,
    MalformedResponse,
    NotFound,
    PipecatError,
    RateLimited,
    ServerError,
    SetNotReady,
    Unauthorized,
    Unavailable,
)
from .models import (
    Accepted,
    Agent,
    Deleted,
    DeploymentState,
    Redeployed,
    Region,
    Revision,
    SecretSet,
    SetDetail,
)
from .names import key_name_problem, set_name_problem

__all__ = [
    "Accepted",
    "Agent",
    "BadRequest",
    "BadRequestReason",
    "Conflict",
    "Deleted",
    "DeploymentState",
    "MalformedResponse",
    "NotFound",
    "PipecatClient",
    "PipecatClients",
    "PipecatError",
    "RateLimited",
    "Redeployed",
    "Region",
    "RetryPolicy",
    "Revision",
    "SecretSet",
    "ServerError",
    "SetDetail",
    "SetNotReady",
    "Unauthorized",
    "Unavailable",
    "UnknownAccount",
    "image_pull_credentials",
    "key_name_problem",
    "pipecat_clients",
    "set_name_problem",
]
