"""The Gcore Cloud clients of the configured accounts.

`gcore_clients()` builds them from the settings `GCORE_ACCOUNTS` and `GCORE_TIMEOUTS`. Tests point
them elsewhere with two more settings, read when they are built and never set in production:
`GCORE_TRANSPORT` (an `httpx.BaseTransport`, e.g. an emulator's) and `GCORE_SLEEP` (what waits
between retries, e.g. an emulator clock's `sleep`).
"""

import time
from collections.abc import Callable, Iterable

import httpx
from django.conf import settings

from ..clients import Clients, ProcessClients
from ..config import Timeouts
from .client import GcoreClient
from .config import GcoreAccount


class GcoreClients(Clients[GcoreAccount, GcoreClient]):
    def __init__(
        self,
        accounts: Iterable[GcoreAccount],
        timeouts: Timeouts,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        def build(account: GcoreAccount) -> GcoreClient:
            return GcoreClient(account, timeouts, transport=transport, sleep=sleep)

        super().__init__("Gcore Cloud", accounts, build)


def _from_settings() -> GcoreClients:
    return GcoreClients(
        settings.GCORE_ACCOUNTS,
        settings.GCORE_TIMEOUTS,
        transport=getattr(settings, "GCORE_TRANSPORT", None),
        sleep=getattr(settings, "GCORE_SLEEP", time.sleep),
    )


gcore_clients = ProcessClients("GCORE_", _from_settings)
