"""Named Pipecat Cloud accounts (one per organisation) and the client's timeouts, from the
environment.

`PIPECAT_ACCOUNTS=prod,staging` names the accounts; each reads `PIPECAT_<NAME>_API_KEY` (or its
`_FILE`) and, optionally, `PIPECAT_<NAME>_API_URL`. Without `PIPECAT_ACCOUNTS`, `PIPECAT_API_KEY`
alone makes one account called `default`, as the single-account configuration always did.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured

from secretsadmin.config import Config, Secret

from ..config import Timeouts, api_url, check_account_name, timeouts, variable_prefix

DEFAULT_API_URL = "https://api.pipecat.daily.co"
DEFAULT_ACCOUNT = "default"


@dataclass(frozen=True)
class PipecatAccount:
    name: str
    api_url: str  # without a trailing slash, nor /v1
    api_key: Secret = field(repr=False)


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
        check_account_name("PIPECAT_ACCOUNTS", name, names)
        prefix = variable_prefix("PIPECAT", name)
        key = env.secret(f"{prefix}_API_KEY")
        if not key:
            raise ImproperlyConfigured(
                f"{prefix}_API_KEY (or {prefix}_API_KEY_FILE) must be set: PIPECAT_ACCOUNTS "
                f"names the account {name!r}."
            )
        url = _api_url(env, f"{prefix}_API_URL", shared_url)
        accounts.append(PipecatAccount(name, url, key))
    return tuple(accounts)


def pipecat_timeouts(env: Config) -> Timeouts:
    return timeouts(env, "PIPECAT")


def _api_url(env: Config, variable: str, default: str) -> str:
    # The client adds /v1 itself; a base that already ends in it would call /v1/v1/secrets.
    return api_url(env, variable, default, example=DEFAULT_API_URL, no_suffix="v1")
