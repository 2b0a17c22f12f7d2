"""One-time form tokens: a change form sent twice (a double click, a reload of the page that
posted it, a replayed request) makes its change once.

Every change form carries a token (`{% once_field %}`); the change is made only by the request
that spends it first. Spending is an insert into a table whose key is the token's nonce, so two
requests racing with the same token cannot both win, whichever worker or host serves them.

Why the database and not the cache: `cache.add` is atomic on Redis, but without `CACHE_URL` the
cache is local memory, one per process, so two posts reaching two gunicorn workers would both
find the token unspent; and a cache may evict a spent token early. The database is shared by every
worker, and a change writes to it anyway (its audit attempt), so a token costs one small insert
on a path that already writes. Tokens are signed with their time, which bounds how long a spent
one must be remembered: `MAX_AGE`, after which an unspent one is refused as too old.
"""

import secrets
from datetime import timedelta

from django.core import signing
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from .models import SpentToken

FIELD = "once"
SALT = "secretsadmin.core.once"
MAX_AGE = timedelta(hours=24)

ALREADY_SENT = (
    "This form was already sent, so it was not sent again (a second click, or a reload of the "
    "page that sent it). Check the set before sending anything more."
)
TOO_OLD = (
    "This form was opened more than a day ago, so it was not sent. Reload the page and send it "
    "again."
)
UNCHECKED = (
    "This form came without its one-time token (from a page older than this version of the "
    "dashboard, or another tool), so it was not sent. Reload the page and send it again."
)


class Refused(Exception):
    """The form's token is spent, too old or missing: nothing may be sent."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def issue() -> str:
    """A fresh token for one form."""
    return signing.TimestampSigner(salt=SALT).sign(secrets.token_hex(16))


def spend(request: HttpRequest) -> None:
    """Spends the token the request carries, or raises `Refused`. Call it just before the change
    is sent: a refused form (bad input) keeps its token for the corrected one."""
    token = request.POST.get(FIELD, "")
    try:
        nonce = signing.TimestampSigner(salt=SALT).unsign(token, max_age=MAX_AGE)
    except signing.SignatureExpired:
        raise Refused(TOO_OLD) from None
    except signing.BadSignature:
        raise Refused(UNCHECKED) from None
    now = timezone.now()
    try:
        with transaction.atomic():
            SpentToken.objects.create(nonce=nonce, spent_at=now)
    except IntegrityError:
        raise Refused(ALREADY_SENT) from None
    # A token older than MAX_AGE is refused before this table is asked, so its row can go.
    SpentToken.objects.filter(spent_at__lt=now - MAX_AGE).delete()
