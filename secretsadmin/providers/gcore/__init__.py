"""Client of the Gcore Cloud secrets API, of the load balancers that use its secrets and of the
API's log of who changed them: typed results, typed errors, no blind retries."""

from ..clients import UnknownAccount
from .client import GcoreClient
from .clients import GcoreClients, gcore_clients
from .config import GcoreAccount
from .errors import (
    BadRequest,
    Conflict,
    GcoreError,
    MalformedResponse,
    NotFound,
    RateLimited,
    ServerError,
    Unauthorized,
    Unavailable,
)
from .models import (
    SECRET_TYPES,
    Listener,
    LoadBalancer,
    Pool,
    Project,
    Region,
    Secret,
    SecretType,
    Submitted,
    Task,
    TaskState,
    UserAction,
)

__all__ = [
    "SECRET_TYPES",
    "BadRequest",
    "Conflict",
    "GcoreAccount",
    "GcoreClient",
    "GcoreClients",
    "GcoreError",
    "Listener",
    "LoadBalancer",
    "MalformedResponse",
    "NotFound",
    "Pool",
    "Project",
    "RateLimited",
    "Region",
    "Secret",
    "SecretType",
    "ServerError",
    "Submitted",
    "Task",
    "TaskState",
    "Unauthorized",
    "Unavailable",
    "UnknownAccount",
    "UserAction",
    "gcore_clients",
]
