"""A name typed into the sign-in form, kept safely: it may be a password typed in the wrong box.

A name that is an account's is kept as it is (who was guessed at is evidence); any other only as
a keyed fingerprint, which tells repeated tries of one name apart from many names without
keeping what was typed.
"""

import hashlib
import hmac

from django.conf import settings
from django.contrib.auth import get_user_model


def fingerprint(typed: str) -> str:
    """The same for a name however it was cased or padded; nothing of the name shows in it."""
    folded = typed.strip().casefold().encode()
    return hmac.new(settings.SECRET_KEY.encode(), folded, hashlib.sha256).hexdigest()[:32]


def recorded(typed: str) -> str:
    """What the audit log keeps of a name tried at sign-in."""
    name = typed.strip()[:150]
    if name and get_user_model().objects.filter(username=name).exists():
        return name
    return f"unknown name {fingerprint(typed)[:16]}" if typed.strip() else ""
