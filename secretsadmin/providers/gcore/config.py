"""Named Gcore Cloud accounts (one project each, in some or all of its regions) and the client's
timeouts, from the environment.

`GCORE_ACCOUNTS=prod,staging` names the accounts; each reads `GCORE_<NAME>_API_KEY` (or its
`_FILE`) and, optionally, `GCORE_<NAME>_API_URL`, `GCORE_<NAME>_PROJECT` (a project id; unset, the
key's default project) and `GCORE_<NAME>_REGIONS` (region ids; unset, every region the API lists
as active). Without `GCORE_ACCOUNTS`, `GCORE_API_KEY` alone makes one account called `default`,
which reads `GCORE_PROJECT` and `GCORE_REGIONS`.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured

from secretsadmin.config import Config, Secret

from ..config import Timeouts, api_url, check_account_name, timeouts, variable_prefix

DEFAULT_API_URL = "https://api.gcore.com"
DEFAULT_ACCOUNT = "default"


@dataclass(frozen=True)
class GcoreAccount:
    name: str
    api_url: str  # without a trailing slash, nor /cloud
    api_key: Secret = field(repr=False)
    project_id: int | None = None  # None: the project the API marks as the key's default
    region_ids: tuple[int, ...] = ()  # empty: every region the API lists as active


def gcore_accounts(env: Config) -> tuple[GcoreAccount, ...]:
    shared_url = _api_url(env, "GCORE_API_URL", DEFAULT_API_URL)
    names = env.strings("GCORE_ACCOUNTS")
    if not names:
        key = env.secret("GCORE_API_KEY")
        if not key:
            return ()
        return (_account(env, DEFAULT_ACCOUNT, "GCORE", shared_url, key),)
    if env.secret("GCORE_API_KEY"):
        # Silently ignoring it would leave an operator wondering which project they see.
        raise ImproperlyConfigured(
            "GCORE_API_KEY is not used when GCORE_ACCOUNTS is set: give each account its own "
            "GCORE_<NAME>_API_KEY and remove GCORE_API_KEY."
        )
    accounts = []
    for name in names:
        check_account_name("GCORE_ACCOUNTS", name, names)
        prefix = variable_prefix("GCORE", name)
        key = env.secret(f"{prefix}_API_KEY")
        if not key:
            raise ImproperlyConfigured(
                f"{prefix}_API_KEY (or {prefix}_API_KEY_FILE) must be set: GCORE_ACCOUNTS "
                f"names the account {name!r}."
            )
        url = _api_url(env, f"{prefix}_API_URL", shared_url)
        accounts.append(_account(env, name, prefix, url, key))
    return tuple(accounts)


def gcore_timeouts(env: Config) -> Timeouts:
    return timeouts(env, "GCORE")


def _account(env: Config, name: str, prefix: str, url: str, key: Secret) -> GcoreAccount:
    project = _ids(env, f"{prefix}_PROJECT", "a project id such as 1234")
    if len(project) > 1:
        raise ImproperlyConfigured(
            f"{prefix}_PROJECT must name one project; make an account per project (GCORE_ACCOUNTS)."
        )
    regions = _ids(env, f"{prefix}_REGIONS", "region ids such as 76,38")
    return GcoreAccount(name, url, key, project[0] if project else None, regions)


def _ids(env: Config, variable: str, example: str) -> tuple[int, ...]:
    ids: list[int] = []
    for item in env.strings(variable):
        if not item.isascii() or not item.isdigit() or int(item) < 1:
            raise ImproperlyConfigured(f"{variable} must be {example}, not {item!r}.")
        if int(item) in ids:
            raise ImproperlyConfigured(f"{variable} names {item} twice.")
        ids.append(int(item))
    return tuple(ids)


def _api_url(env: Config, variable: str, default: str) -> str:
    # The client adds /cloud itself; a base that already ends in it would call /cloud/cloud/v1.
    return api_url(env, variable, default, example=DEFAULT_API_URL, no_suffix="cloud")
