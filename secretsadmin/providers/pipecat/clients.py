"""The Pipecat Cloud clients of the configured accounts.

`pipecat_clients()` builds them from the settings `PIPECAT_ACCOUNTS`, `PIPECAT_TIMEOUTS` and
`PIPECAT_PAUSE`. Tests point them elsewhere with more settings, read when they are built and never
set in production: `PIPECAT_TRANSPORT` (an `httpx.BaseTransport`, e.g. an emulator's), and
`PIPECAT_SLEEP` and `PIPECAT_CLOCK` (what waits between retries and tells the time of a call's
deadline, e.g. an emulator clock's `sleep` and `now`).
"""

import time
from collections.abc import Callable, Iterable

import httpx
from django.conf import settings

from ..clients import Clients, ProcessClients
from ..config import Timeouts
from ..pauses import PausePolicy
from ..retry import RetryPolicy
from .client import DEFAULT_RETRY, PipecatClient
from .config import PipecatAccount


class PipecatClients(Clients[PipecatAccount, PipecatClient]):
    def __init__(
        self,
        accounts: Iterable[PipecatAccount],
        timeouts: Timeouts,
        *,
        transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy = DEFAULT_RETRY,
        pause: PausePolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        def build(account: PipecatAccount) -> PipecatClient:
            return PipecatClient(
                account,
                timeouts,
                transport=transport,
                retry=retry,
                pause=pause,
                sleep=sleep,
                clock=clock,
            )

        super().__init__("Pipecat Cloud", accounts, build)


def _from_settings() -> PipecatClients:
    return PipecatClients(
        settings.PIPECAT_ACCOUNTS,
        settings.PIPECAT_TIMEOUTS,
        transport=getattr(settings, "PIPECAT_TRANSPORT", None),
        pause=settings.PIPECAT_PAUSE,
        sleep=getattr(settings, "PIPECAT_SLEEP", time.sleep),
        clock=getattr(settings, "PIPECAT_CLOCK", time.monotonic),
    )


pipecat_clients = ProcessClients("PIPECAT_", _from_settings)
