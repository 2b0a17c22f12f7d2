"""Named Pipecat Cloud accounts (one per organisation) and the client's timeouts, from the
environment.

`PIPECAT_ACCOUNTS=prod,staging` names the accounts; each reads `PIPECAT_<NAME>_API_KEY` (or its
`_FILE`) and, optionally, `PIPECAT_<NAME>_API_URL`. Without `PIPECAT_ACCOUNTS`, `PIPECAT_API_KEY`
alone makes one account called `default`, as the single-account configuration always did.
"""

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from secretsadmin.config import Config, Secret

DEFAULT_API_URL = "https://api.pipecat.daily.co"
DEFAULT_ACCOUNT = "default"
# Names end up in URLs and in environment variable names, where `-` becomes `_`.
ACCOUNT_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
MAX_ACCOUNT_NAME = 32


@dataclass(frozen=True)
class PipecatAccount:
    name: str
    api_url: str  # without a trailing slash, nor /v1
    api_key: Secret = field(repr=False)


@dataclass(frozen=True)
class PipecatTimeouts:
    connect: float  # seconds to open a connection
    read: float  # seconds to wait for each part of an answer


def pipecat_accounts(env: Config) -> tuple[PipecatAccount, ...]:
    shared_url = _api_url(env, "PIPECAT_API_URL", DEFAULT_API_URL)
    names = env.strings("PIPECAT_ACCOUNTS")
    if not names:
        key = env.secret("PIPECAT_API_KEY")
        return (PipecatAccount(DEFAULT_ACCOUNT, shared_url, key),) if key else ()
    if env.secret("PIPECAT_API_KEY"):
        # Silently ignoring it would leave an operator wondering which organisation they see.
        raise ImproperlyConfigured(
            "PIPECAT_API_KEY is not used when PIPECAT_ACCOUNTS is set: give each account its "
            "own PIPECAT_<NAME>_API_KEY and remove PIPECAT_API_KEY."
        )
    accounts = []
    for name in names:
        _check_name(name, names)
        prefix = f"PIPECAT_{name.upper().replace('-', '_')}"
        key = env.secret(f"{prefix}_API_KEY")
        if not key:
            raise ImproperlyConfigured(
                f"{prefix}_API_KEY (or {prefix}_API_KEY_FILE) must be set: PIPECAT_ACCOUNTS "
                f"names the account {name!r}."
            )
        url = _api_url(env, f"{prefix}_API_URL", shared_url)
        accounts.append(PipecatAccount(name, url, key))
    return tuple(accounts)


def pipecat_timeouts(env: Config) -> PipecatTimeouts:
    return PipecatTimeouts(
        connect=env.number("PIPECAT_CONNECT_TIMEOUT", 5.0, minimum=0.1),
        read=env.number("PIPECAT_READ_TIMEOUT", 15.0, minimum=0.1),
    )


def _check_name(name: str, names: list[str]) -> None:
    if len(name) > MAX_ACCOUNT_NAME or not ACCOUNT_NAME.fullmatch(name):
        raise ImproperlyConfigured(
            f"PIPECAT_ACCOUNTS: {name!r} is not a valid account name; use lower-case letters, "
            f"digits and '-' (not at either end), at most {MAX_ACCOUNT_NAME} characters, "
            "e.g. prod,staging."
        )
    if names.count(name) > 1:
        raise ImproperlyConfigured(f"PIPECAT_ACCOUNTS names the account {name!r} twice.")


def _api_url(env: Config, variable: str, default: str) -> str:
    url = (env.string(variable) or default).rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ImproperlyConfigured(
            # The value itself is not echoed: a URL may carry credentials.
            f"{variable} must be an http(s) URL such as {DEFAULT_API_URL}."
        )
    if parts.path.rsplit("/", 1)[-1] == "v1":
        # The client adds /v1 itself; a base that already ends in it would call /v1/v1/secrets.
        raise ImproperlyConfigured(
            f"{variable} must be the API's base without /v1, e.g. {DEFAULT_API_URL}."
        )
    return url
