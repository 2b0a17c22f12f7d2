"""The Gcore Cloud clients of the configured accounts: `gcore_clients()`, built from the
settings `GCORE_ACCOUNTS`, `GCORE_TIMEOUTS` and `GCORE_PAUSE` (`..clients.from_settings`)."""

from ..clients import Clients, ProcessClients, from_settings
from .client import GcoreClient
from .config import GcoreAccount

type GcoreClients = Clients[GcoreAccount, GcoreClient]


def _from_settings() -> GcoreClients:
    return from_settings("Gcore Cloud", "GCORE_", GcoreClient)


gcore_clients = ProcessClients("GCORE_", _from_settings)
