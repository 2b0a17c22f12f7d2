"""Request bodies of the two create endpoints, checked the way the API answers them.

Messages follow the vendor's documented `ValidationError` (pydantic wording, one list of
problems per field). Choices where the vendor is silent: names are 1-255 printable characters
without surrounding spaces (the OpenStack Barbican limit behind the API); duplicate names are
allowed, as in Barbican; an expiration must lie in the future, as Barbican demands; unknown fields
are ignored.
"""

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime

from .timefmt import parse_datetime

SECRET_TYPES = ("certificate", "opaque", "passphrase", "private", "public", "symmetric")
TLS_SECRET_TYPE = SECRET_TYPES[0]
NAME_MAX_LENGTH = 255
REQUIRED = "Field required"


@dataclass(frozen=True)
class SecretDraft:
    """A validated create request; `payload` stays in memory and is never returned."""

    name: str
    secret_type: str
    payload: bytes
    content_type: str
    expiration: datetime | None = None
    algorithm: str | None = None
    bit_length: int | None = None
    mode: str | None = None


class ValidationFailed(Exception):
    def __init__(self, invalid_fields: dict[str, list[str]]) -> None:
        super().__init__(invalid_fields)
        self.invalid_fields = invalid_fields


class _Problems:
    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.fields.setdefault(field, []).append(message)

    def raise_any(self) -> None:
        if self.fields:
            raise ValidationFailed(self.fields)


def validate_generic(body: object, now: datetime) -> SecretDraft:
    """`POST /cloud/v1/secrets/...`: a base64 payload of one of the six secret types."""
    body = _require_object(body)
    problems = _Problems()
    name = _name(body, problems)
    secret_type = _required_str(body, "secret_type", problems)
    if secret_type is not None and secret_type not in SECRET_TYPES:
        allowed = ", ".join(f"'{t}'" for t in SECRET_TYPES[:-1])
        problems.add("secret_type", f"Input should be {allowed} or '{SECRET_TYPES[-1]}'")
    payload = _payload(body, problems)
    for field, only in (
        ("payload_content_encoding", "base64"),
        ("payload_content_type", "application/octet-stream"),
    ):
        value = _required_str(body, field, problems)
        if value is not None and value != only:
            problems.add(field, f"Input should be '{only}'")
    algorithm = _optional_str(body, "algorithm", problems)
    mode = _optional_str(body, "mode", problems)
    bit_length = _bit_length(body, problems)
    expiration = _expiration(body, now, problems)
    problems.raise_any()
    return SecretDraft(
        name=name,
        secret_type=secret_type,
        payload=payload,
        content_type="application/octet-stream",
        expiration=expiration,
        algorithm=algorithm,
        bit_length=bit_length,
        mode=mode,
    )


def validate_tls(body: object, now: datetime) -> SecretDraft:
    """`POST /cloud/v2/secrets/...`: a PEM certificate, its chain and its private key."""
    body = _require_object(body)
    problems = _Problems()
    name = _name(body, problems)
    pem = body.get("payload")
    if pem is None:
        problems.add("payload", REQUIRED)
    elif not isinstance(pem, dict):
        problems.add("payload", "Input should be a valid dictionary")
    else:
        _pem(pem, "certificate", "CERTIFICATE", problems, allow_empty=False)
        _pem(pem, "certificate_chain", "CERTIFICATE", problems, allow_empty=True)
        _pem(pem, "private_key", "PRIVATE KEY", problems, allow_empty=False)
    expiration = _expiration(body, now, problems)
    problems.raise_any()
    return SecretDraft(
        name=name,
        secret_type=TLS_SECRET_TYPE,
        payload=_bundle(pem),
        content_type="text/plain",
        expiration=expiration,
    )


def parse_page(limit: str | None, offset: str | None) -> tuple[int | None, int]:
    """`limit` (1-1000, absent for everything) and `offset` (0 or more) of a list request."""
    problems = _Problems()
    page_limit = _query_int(limit, "limit", 1, 1000, problems)
    page_offset = _query_int(offset, "offset", 0, None, problems)
    problems.raise_any()
    return page_limit, page_offset or 0


def _require_object(body: object) -> dict:
    if not isinstance(body, dict):
        raise ValidationFailed({"body": ["Input should be a valid dictionary"]})
    return body


def _required_str(body: dict, field: str, problems: _Problems) -> str | None:
    value = body.get(field)
    if value is None:
        problems.add(field, REQUIRED)
        return None
    if not isinstance(value, str):
        problems.add(field, "Input should be a valid string")
        return None
    return value


def _optional_str(body: dict, field: str, problems: _Problems) -> str | None:
    value = body.get(field)
    if value is not None and not isinstance(value, str):
        problems.add(field, "Input should be a valid string")
        return None
    return value


def _name(body: dict, problems: _Problems) -> str:
    name = _required_str(body, "name", problems)
    if name is None:
        return ""
    if not name.strip():
        problems.add("name", "String should have at least 1 character")
    elif name != name.strip():
        problems.add("name", "Name must not start or end with whitespace")
    elif len(name) > NAME_MAX_LENGTH:
        problems.add("name", f"String should have at most {NAME_MAX_LENGTH} characters")
    elif not name.isprintable():
        problems.add("name", "Name must contain printable characters only")
    return name


def _payload(body: dict, problems: _Problems) -> bytes:
    payload = _required_str(body, "payload", problems)
    if payload is None:
        return b""
    try:
        decoded = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        problems.add("payload", "Payload must be base64 encoded")
        return b""
    if not decoded:
        problems.add("payload", "Payload must not be empty")
    return decoded


def _bit_length(body: dict, problems: _Problems) -> int | None:
    value = body.get("bit_length")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        problems.add("bit_length", "Input should be a valid integer")
        return None
    if value <= 0:
        problems.add("bit_length", "Input should be greater than 0")
    return value


def _expiration(body: dict, now: datetime, problems: _Problems) -> datetime | None:
    value = body.get("expiration")
    if value is None:
        return None
    if not isinstance(value, str):
        problems.add("expiration", "Input should be a valid datetime")
        return None
    try:
        moment = parse_datetime(value)
    except ValueError:
        problems.add("expiration", "Input should be a valid datetime")
        return None
    if moment <= now:
        problems.add("expiration", "Expiration must be in the future")
    return moment


def _pem(pem: dict, field: str, label: str, problems: _Problems, allow_empty: bool) -> None:
    value = pem.get(field)
    path = f"payload.{field}"
    if value is None:
        problems.add(path, REQUIRED)
    elif not isinstance(value, str):
        problems.add(path, "Input should be a valid string")
    elif (value.strip() or not allow_empty) and not _is_pem(value, label):
        problems.add(path, "Input should be in PEM format")


def _is_pem(value: str, label: str) -> bool:
    # "BEGIN RSA PRIVATE KEY" and "BEGIN EC PRIVATE KEY" are PEM private keys too.
    for algorithm in ("RSA ", "EC ", "ENCRYPTED "):
        value = value.replace(f"BEGIN {algorithm}PRIVATE KEY", "BEGIN PRIVATE KEY")
    return f"-----BEGIN {label}-----" in value


def _bundle(pem: dict) -> bytes:
    return "".join(pem[f] for f in ("certificate", "certificate_chain", "private_key")).encode()


def _query_int(
    raw: str | None, field: str, minimum: int, maximum: int | None, problems: _Problems
) -> int | None:
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        problems.add(field, "Input should be a valid integer")
        return None
    if value < minimum:
        problems.add(field, f"Input should be greater than or equal to {minimum}")
    elif maximum is not None and value > maximum:
        problems.add(field, f"Input should be less than or equal to {maximum}")
    return value


def validate_pool_update(body: object, fields: frozenset[str]) -> dict:
    """A pool's changes: only `fields`, those read here of their type; the secrets they name are
    the caller's to find."""
    body = _require_object(body)
    problems = _Problems()
    for name in sorted(set(body) - fields):
        problems.add(name, "Extra inputs are not permitted")
    for name in ("secret_id", "ca_secret_id", "crl_secret_id"):
        if body.get(name) is not None and not isinstance(body[name], str):
            problems.add(name, "Input should be a valid string")
    if "name" in body and not (isinstance(body["name"], str) and 1 <= len(body["name"]) <= 255):
        problems.add("name", "String should have between 1 and 255 characters")
    if "admin_state_up" in body and not isinstance(body["admin_state_up"], bool):
        problems.add("admin_state_up", "Input should be a valid boolean")
    problems.raise_any()
    return dict(body)


def validate_listener_update(body: object, fields: frozenset[str]) -> dict:
    """A listener's changes: only `fields`, each of its type; the secrets they name are the
    caller's to find."""
    body = _require_object(body)
    problems = _Problems()
    for name in sorted(set(body) - fields):
        problems.add(name, "Extra inputs are not permitted")
    secret_id = body.get("secret_id")
    if secret_id is not None and not isinstance(secret_id, str):
        problems.add("secret_id", "Input should be a valid string")
    sni = body.get("sni_secret_id")
    if sni is not None and not (isinstance(sni, list) and all(isinstance(i, str) for i in sni)):
        problems.add("sni_secret_id", "Input should be a valid list of strings")
    if "name" in body and not (isinstance(body["name"], str) and 1 <= len(body["name"]) <= 255):
        problems.add("name", "String should have between 1 and 255 characters")
    limit = body.get("connection_limit")
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < -1):
        problems.add("connection_limit", "Input should be greater than or equal to -1")
    problems.raise_any()
    return dict(body)
