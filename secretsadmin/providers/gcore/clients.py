"""The Gcore Cloud clients of the configured accounts.

`gcore_clients()` builds them from the settings `GCORE_ACCOUNTS`, `GCORE_TIMEOUTS` and
`GCORE_PAUSE`. Tests point them elsewhere with more settings, read when they are built and never
set in production: `GCORE_TRANSPORT` (an `httpx.BaseTransport`, e.g. an emulator's), and
`GCORE_SLEEP` and `GCORE_CLOCK` (what waits between retries and tells the time of a call's
deadline, e.g. an emulator clock's `sleep` and `now`).
"""

import time
from collections.abc import Callable, Iterable

import httpx
from django.conf import settings

from ..clients import Clients, ProcessClients
from ..config import Timeouts
from ..pauses import PausePolicy
from .client import GcoreClient
from .config import GcoreAccount


class GcoreClients(Clients[GcoreAccount, GcoreClient]):
    def __init__(
        self,
        accounts: Iterable[GcoreAccount],
        timeouts: Timeouts,
        *,
        transport: httpx.BaseTransport | None = None,
        pause: PausePolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        def build(account: GcoreAccount) -> GcoreClient:
            return GcoreClient(
                account, timeouts, transport=transport, pause=pause, sleep=sleep, clock=clock
            )

        super().__init__("Gcore Cloud", accounts, build)


def _from_settings() -> GcoreClients:
    return GcoreClients(
        settings.GCORE_ACCOUNTS,
        settings.GCORE_TIMEOUTS,
        transport=getattr(settings, "GCORE_TRANSPORT", None),
        pause=settings.GCORE_PAUSE,
        sleep=getattr(settings, "GCORE_SLEEP", time.sleep),
        clock=getattr(settings, "GCORE_CLOCK", time.monotonic),
    )


gcore_clients = ProcessClients("GCORE_", _from_settings)
