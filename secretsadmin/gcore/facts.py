"""What the pages say about a Gcore Cloud secret: its type in words, and how soon it expires.

Gcore secrets are mostly the certificates and keys of HTTPS load balancers: what people fear is an
expiry nobody saw coming, so one within `SOON_DAYS` is highlighted with the days left, and one
past its date says since when.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from secretsadmin.providers.gcore import SecretType

SOON_DAYS = 30
TYPE_LABELS: dict[SecretType, str] = {
    "certificate": "Certificate",
    "opaque": "Opaque",
    "passphrase": "Passphrase",
    "private": "Private key",
    "public": "Public key",
    "symmetric": "Symmetric key",
}

type State = Literal["never", "expired", "soon", "later"]


@dataclass(frozen=True)
class Expiry:
    at: datetime | None
    state: State
    words: str  # "expires in 9 days", "expired 5 days ago", "never"

    @property
    def urgent(self) -> bool:
        """Expired, or expiring within SOON_DAYS: what the list highlights."""
        return self.state in ("expired", "soon")


def expiry(expiration: datetime | None, now: datetime) -> Expiry:
    """Whole days (hours within the last day) left before `expiration`, or gone since it."""
    if expiration is None:
        return Expiry(None, "never", "never")
    left = expiration - now
    if left <= timedelta(0):
        return Expiry(expiration, "expired", f"expired {_amount(-left)} ago")
    state: State = "soon" if left < timedelta(days=SOON_DAYS) else "later"
    return Expiry(expiration, state, f"expires in {_amount(left)}")


def _amount(span: timedelta) -> str:
    """Counted down, never up: 9 days and 23 hours left is "9 days"."""
    if span.days:
        return _count(span.days, "day")
    hours = span.seconds // 3600
    if hours:
        return _count(hours, "hour")
    return "less than an hour"


def _count(number: int, unit: str) -> str:
    return f"{number:,} {unit}{'' if number == 1 else 's'}"
