"""One pooled client per configured account, created on first use and shared by all threads.

`pipecat_clients()` builds the process-wide registry from the settings `PIPECAT_ACCOUNTS` and
`PIPECAT_TIMEOUTS`. Tests point it elsewhere with two more settings, read when it is built and
never set in production: `PIPECAT_TRANSPORT` (an `httpx.BaseTransport`, e.g. an emulator's) and
`PIPECAT_SLEEP` (what waits between retries, e.g. an emulator clock's `sleep`). Changing any
`PIPECAT_*` setting (pytest-django's `settings` fixture, `override_settings`) rebuilds it.
"""

import threading
import time
from collections.abc import Callable, Iterable

import httpx
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from ..accounts import PipecatAccount, PipecatTimeouts
from .client import DEFAULT_RETRY, PipecatClient
from .retry import RetryPolicy


class UnknownAccount(LookupError):
    pass


class PipecatClients:
    def __init__(
        self,
        accounts: Iterable[PipecatAccount],
        timeouts: PipecatTimeouts,
        *,
        transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy = DEFAULT_RETRY,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.accounts = {account.name: account for account in accounts}
        self._options = {"transport": transport, "retry": retry, "sleep": sleep}
        self._timeouts = timeouts
        self._clients: dict[str, PipecatClient] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"PipecatClients(accounts={list(self.accounts)!r})"

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.accounts)

    def get(self, name: str) -> PipecatClient:
        """The account's client; `UnknownAccount` when no account has this name."""
        with self._lock:
            client = self._clients.get(name)
            if client is None:
                if name not in self.accounts:
                    raise UnknownAccount(f"no Pipecat Cloud account is named {name!r}")
                client = PipecatClient(self.accounts[name], self._timeouts, **self._options)
                self._clients[name] = client
            return client

    def close(self) -> None:
        with self._lock:
            for client in self._clients.values():
                client.close()
            self._clients.clear()


_registry: PipecatClients | None = None
_registry_lock = threading.Lock()


def pipecat_clients() -> PipecatClients:
    global _registry
    registry = _registry
    if registry is not None:  # asked several times per request: no lock once it exists
        return registry
    with _registry_lock:
        if _registry is None:
            _registry = PipecatClients(
                settings.PIPECAT_ACCOUNTS,
                settings.PIPECAT_TIMEOUTS,
                transport=getattr(settings, "PIPECAT_TRANSPORT", None),
                sleep=getattr(settings, "PIPECAT_SLEEP", time.sleep),
            )
        return _registry


@receiver(setting_changed)
def _forget_clients(*, setting: str, **kwargs) -> None:
    global _registry
    if setting.startswith("PIPECAT_"):
        with _registry_lock:
            if _registry is not None:
                _registry.close()
            _registry = None
