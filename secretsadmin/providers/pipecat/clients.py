"""The Pipecat Cloud clients of the configured accounts: `pipecat_clients()`, built from the
settings `PIPECAT_ACCOUNTS`, `PIPECAT_TIMEOUTS` and `PIPECAT_PAUSE` (`..clients.from_settings`)."""

from ..clients import Clients, ProcessClients, from_settings
from .client import PipecatClient
from .config import PipecatAccount

type PipecatClients = Clients[PipecatAccount, PipecatClient]


def _from_settings() -> PipecatClients:
    return from_settings("Pipecat Cloud", "PIPECAT_", PipecatClient)


pipecat_clients = ProcessClients("PIPECAT_", _from_settings)
