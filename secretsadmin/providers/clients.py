"""One pooled client per configured account of a provider, created on first use and shared by
all threads; and the process-wide set of them, rebuilt when its settings change (in tests)."""

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from django.conf import settings
from django.core.signals import setting_changed


class Named(Protocol):
    @property
    def name(self) -> str: ...


class Closable(Protocol):
    def close(self) -> None: ...


class UnknownAccount(LookupError):
    pass


class Clients[A: Named, C: Closable]:
    """The clients of one provider's accounts; `provider` names it in messages."""

    def __init__(self, provider: str, accounts: Iterable[A], build: Callable[[A], C]) -> None:
        self.provider = provider
        self.accounts = {account.name: account for account in accounts}
        self._build = build
        self._clients: dict[str, C] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(accounts={list(self.accounts)!r})"

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.accounts)

    def get(self, name: str) -> C:
        """The account's client; `UnknownAccount` when no account has this name."""
        with self._lock:
            client = self._clients.get(name)
            if client is None:
                if name not in self.accounts:
                    raise UnknownAccount(f"no {self.provider} account is named {name!r}")
                client = self._build(self.accounts[name])
                self._clients[name] = client
            return client

    def close(self) -> None:
        with self._lock:
            for client in self._clients.values():
                client.close()
            self._clients.clear()


class ProcessClients[R: Clients[Any, Any]]:
    """Builds `R` from the settings on first call; any setting starting with `prefix` changing
    (pytest-django's `settings` fixture, `override_settings`) closes it and builds anew."""

    def __init__(self, prefix: str, build: Callable[[], R]) -> None:
        self._prefix = prefix
        self._build = build
        self._built: R | None = None
        self._lock = threading.Lock()
        setting_changed.connect(self._forget, weak=False)

    def __call__(self) -> R:
        built = self._built
        if built is not None:  # asked several times per request: no lock once it exists
            return built
        with self._lock:
            if self._built is None:
                self._built = self._build()
            return self._built

    def _forget(self, *, setting: str, **kwargs: object) -> None:
        if setting.startswith(self._prefix):
            with self._lock:
                if self._built is not None:
                    self._built.close()
                self._built = None


def from_settings[C: Closable](
    provider: str, prefix: str, make: Callable[..., C]
) -> Clients[Any, C]:
    """The clients of `<prefix>ACCOUNTS`, each `make(account, <prefix>TIMEOUTS, pause=...)` with
    `<prefix>PAUSE`. Tests point them elsewhere with settings read only here and never set in
    production: `<prefix>TRANSPORT` (an `httpx.BaseTransport`, e.g. an emulator's), and
    `<prefix>SLEEP` and `<prefix>CLOCK` (what waits between retries and tells the time of a
    call's deadline, e.g. an emulator clock's `sleep` and `now`)."""
    timeouts = getattr(settings, f"{prefix}TIMEOUTS")
    options = {
        "transport": getattr(settings, f"{prefix}TRANSPORT", None),
        "pause": getattr(settings, f"{prefix}PAUSE"),
        "sleep": getattr(settings, f"{prefix}SLEEP", time.sleep),
        "clock": getattr(settings, f"{prefix}CLOCK", time.monotonic),
    }
    accounts = getattr(settings, f"{prefix}ACCOUNTS")
    return Clients(provider, accounts, lambda account: make(account, timeouts, **options))
