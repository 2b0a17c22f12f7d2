"""What every provider's account settings share: account names and API base URLs.

Account names end up in URLs and in environment variable names, where `-` becomes `_`.
"""

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from secretsadmin.config import Config

from .pauses import PausePolicy

ACCOUNT_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
MAX_ACCOUNT_NAME = 32


@dataclass(frozen=True)
class Timeouts:
    connect: float  # seconds to open a connection
    read: float  # seconds to wait for each part of an answer
    total: float = 20.0  # seconds one call may take in all, its retries included


def timeouts(env: Config, provider: str) -> Timeouts:
    """`<PROVIDER>_CONNECT_TIMEOUT`, `_READ_TIMEOUT` and `_TOTAL_TIMEOUT`: 5, 15 and 20 s."""
    return Timeouts(
        connect=env.number(f"{provider}_CONNECT_TIMEOUT", 5.0, minimum=0.1),
        read=env.number(f"{provider}_READ_TIMEOUT", 15.0, minimum=0.1),
        total=env.number(f"{provider}_TOTAL_TIMEOUT", 20.0, minimum=0.1),
    )


def pause_policy(env: Config, provider: str) -> PausePolicy:
    """`<PROVIDER>_PAUSE_AFTER` calls in a row without an answer pause an account's calls for
    `<PROVIDER>_PAUSE_SECONDS`: 3 and 30 unless set."""
    return PausePolicy(
        failures=env.integer(f"{provider}_PAUSE_AFTER", 3, minimum=1),
        seconds=env.number(f"{provider}_PAUSE_SECONDS", 30.0, minimum=1.0),
    )


def check_account_name(variable: str, name: str, names: list[str]) -> None:
    if len(name) > MAX_ACCOUNT_NAME or not ACCOUNT_NAME.fullmatch(name):
        raise ImproperlyConfigured(
            f"{variable}: {name!r} is not a valid account name; use lower-case letters, "
            f"digits and '-' (not at either end), at most {MAX_ACCOUNT_NAME} characters, "
            "e.g. prod,staging."
        )
    if names.count(name) > 1:
        raise ImproperlyConfigured(f"{variable} names the account {name!r} twice.")


def variable_prefix(provider: str, account: str) -> str:
    """`PIPECAT` and `eu-prod` give `PIPECAT_EU_PROD`, the start of that account's variables."""
    return f"{provider}_{account.upper().replace('-', '_')}"


def api_url(env: Config, variable: str, default: str, *, example: str, no_suffix: str) -> str:
    """The base URL in `variable`, without a trailing slash; refused if it already ends in the
    version segment the client adds itself (`no_suffix`), which would double it."""
    url = (env.string(variable) or default).rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ImproperlyConfigured(
            # The value itself is not echoed: a URL may carry credentials.
            f"{variable} must be an http(s) URL such as {example}."
        )
    if parts.path.rsplit("/", 1)[-1] == no_suffix:
        raise ImproperlyConfigured(
            f"{variable} must be the API's base without /{no_suffix}, e.g. {example}."
        )
    return url
