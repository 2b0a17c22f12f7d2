"""When a condition raises an alert, read from the environment:

- `ALERT_EXPIRY_DAYS` (30,14,7,1): the days before a secret's expiry at which it is raised, each
  once (and once more when it has expired);
- `ALERT_SET_STATUS_MINUTES` (30): how long a Pipecat set may stay failed or pending;
- `ALERT_PULL_SECRET_HOURS` (11): the age of an ECR image pull secret the dashboard saved (ECR's
  tokens last 12 hours);
- `ALERT_ROTATION_DAYS` (none): `account=days,...`, the accounts that ask for rotation and how
  old a key or secret may grow there.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured

from secretsadmin.config import Config


@dataclass(frozen=True)
class Thresholds:
    expiry_days: tuple[int, ...] = (30, 14, 7, 1)  # widest first
    set_status_minutes: float = 30.0
    pull_secret_hours: float = 11.0
    rotation_days: dict[str, int] = field(default_factory=dict)


def thresholds(env: Config, accounts: set[str]) -> Thresholds:
    days = env.strings("ALERT_EXPIRY_DAYS", ["30", "14", "7", "1"])
    try:
        expiry = tuple(sorted({int(d) for d in days}, reverse=True))
    except ValueError:
        raise ImproperlyConfigured(
            f"ALERT_EXPIRY_DAYS is a comma list of whole days, such as 30,14,7,1, not {days!r}"
        ) from None
    if not expiry or min(expiry) < 1:
        raise ImproperlyConfigured("ALERT_EXPIRY_DAYS needs at least one day, each 1 or more")
    return Thresholds(
        expiry_days=expiry,
        set_status_minutes=env.number("ALERT_SET_STATUS_MINUTES", 30.0, minimum=1.0),
        pull_secret_hours=env.number("ALERT_PULL_SECRET_HOURS", 11.0, minimum=0.5),
        rotation_days=_rotation(env.strings("ALERT_ROTATION_DAYS"), accounts),
    )


def _rotation(items: list[str], accounts: set[str]) -> dict[str, int]:
    found = {}
    for item in items:
        account, _, days = item.partition("=")
        if not days.strip().isdigit() or int(days) < 1:
            raise ImproperlyConfigured(
                f"ALERT_ROTATION_DAYS holds account=days pairs (prod=90), not {item!r}"
            )
        if account.strip() not in accounts:
            raise ImproperlyConfigured(
                f"ALERT_ROTATION_DAYS names {account.strip()!r}, which is no configured account"
            )
        found[account.strip()] = int(days)
    return found
