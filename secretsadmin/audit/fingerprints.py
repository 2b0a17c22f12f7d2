"""Keyed fingerprints of secret values: kept in the log instead of the values, so that an auditor
holding a candidate value can later ask "was the value X at that time?" while the log itself
reveals nothing."""

import hashlib
import hmac
from collections.abc import Mapping
from enum import StrEnum

from django.conf import settings


class Verdict(StrEnum):
    MATCH = "match"
    DIFFERENT = "different"
    OTHER_KEY = "other key"  # made under an audit key that is no longer configured
    UNREADABLE = "unreadable"  # not a fingerprint the dashboard wrote: changed behind its back


def configured() -> bool:
    return _secret() is not None


def fingerprints(values: Mapping[str, str]) -> dict[str, str]:
    """`{key name: "<key id>:<hmac>"}` under AUDIT_HMAC_KEY, or nothing when no key is set.

    The key name is part of the message, so two keys holding one value are not seen to match;
    the key id says which audit key made a fingerprint, so a rotated key is not mistaken for
    "a different value".
    """
    secret = _secret()
    if secret is None or not values:
        return {}
    return {name: _fingerprint(secret, name, value) for name, value in sorted(values.items())}


def check(stored: object, name: str, candidate: str) -> Verdict:
    """Whether `candidate` is the value that `stored` fingerprinted under the key `name`."""
    if not isinstance(stored, str):
        return Verdict.UNREADABLE
    secret = _secret()
    if secret is None or stored.partition(":")[0] != key_id(secret):
        return Verdict.OTHER_KEY
    if hmac.compare_digest(stored, _fingerprint(secret, name, candidate)):
        return Verdict.MATCH
    return Verdict.DIFFERENT


def key_id(secret: bytes) -> str:
    return hmac.new(secret, b"secretsadmin audit key id", hashlib.sha256).hexdigest()[:8]


def current_key_id() -> str:
    secret = _secret()
    return key_id(secret) if secret is not None else ""


def _fingerprint(secret: bytes, name: str, value: str) -> str:
    mac = hmac.new(secret, f"{name}\0{value}".encode(), hashlib.sha256).hexdigest()
    return f"{key_id(secret)}:{mac}"


def _secret() -> bytes | None:
    key = getattr(settings, "AUDIT_HMAC_KEY", None)
    return key.reveal().encode() if key else None
