"""The hash chain: the canonical form of an event and the digest that links it to the last one.

An event's hash is SHA-256 over the canonical JSON of every field but the hash itself, and that
content includes `prev_hash`, so each hash covers the whole history before it. The form is plain
JSON (sorted keys, no spaces, UTF-8, times in UTC with microseconds) so that anyone can recompute
it from a JSON Lines export without this code.

Fields added after the first format (`OPTIONAL_FIELDS`) are in the content only when they hold a
value: every event written before them keeps its digest, and a line of an export has them only
when set.
"""

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from uuid import UUID

GENESIS = "0" * 64

# Every stored field but `hash`. Adding a field changes every digest: it needs a new chain format.
FIELDS = (
    "sequence",
    "uuid",
    "time",
    "request_id",
    "actor_id",
    "actor_username",
    "actor_email",
    "actor_roles",
    "auth_method",
    "source_ip",
    "user_agent",
    "action",
    "provider",
    "account",
    "region",
    "target",
    "target_id",
    "keys",
    "outcome",
    "upstream_status",
    "error_code",
    "error_message",
    "reason",
    "attempt_id",
    "fingerprints",
    "prev_hash",
)


# Hashed only when not null: an event's operation (the attempt of the operation it is a step of)
# and what the watcher observed of a change made elsewhere.
OPTIONAL_FIELDS = ("operation_id", "observed")

# Keys are put in sorted order below rather than sorted by the encoder, for speed: verify runs
# this a million times. The output is the same as `sort_keys=True`; for the values events hold
# it is also RFC 8785 (JSON Canonicalization Scheme).
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)
SORTED_FIELDS = tuple(sorted(FIELDS))


def plain_time(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        return plain_time(value)
    if isinstance(value, UUID):
        return str(value)
    return value


def plain(row: Mapping[str, object]) -> dict[str, object]:
    """A row with every value as JSON has it (as written to an export)."""
    return {name: _plain(value) for name, value in row.items()}


def dumps(content: object) -> str:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical(row: Mapping[str, object]) -> bytes:
    """The bytes that are hashed, from a mapping holding at least FIELDS (and OPTIONAL_FIELDS
    when set)."""
    content = with_optional({name: row[name] for name in SORTED_FIELDS}, row)
    # Only these two are not JSON already, from the database; from an export they are strings.
    content["time"] = _plain(content["time"])
    content["uuid"] = _plain(content["uuid"])
    return _encode(content)


def with_optional(content: dict[str, object], row: Mapping[str, object]) -> dict[str, object]:
    """`content` (SORTED_FIELDS, in order) with the OPTIONAL_FIELDS of `row` that are set, still
    in sorted order."""
    added = {name: row[name] for name in OPTIONAL_FIELDS if row.get(name) is not None}
    return dict(sorted({**content, **added}.items())) if added else content


def digest(row: Mapping[str, object]) -> str:
    return hashlib.sha256(canonical(row)).hexdigest()


def digest_prepared(content: dict[str, object]) -> str:
    """`digest` of a dict already holding exactly SORTED_FIELDS and the OPTIONAL_FIELDS set, in
    sorted order, as plain JSON values: verify's fast path, which builds it from database rows."""
    return hashlib.sha256(_encode(content)).hexdigest()


def _encode(content: dict[str, object]) -> bytes:
    fingerprints = content["fingerprints"]
    # The nested objects. Anything else there was put in behind the app's back: it is encoded
    # as found, so that its hash fails to match instead of verify failing to run.
    if isinstance(fingerprints, dict) and fingerprints:
        content["fingerprints"] = dict(sorted(fingerprints.items()))
    if "observed" in content:
        content["observed"] = _sorted(content["observed"])
    return _ENCODER.encode(content).encode()


def _sorted(value: object) -> object:
    """`value` with the keys of every object in it sorted (a database may reorder them)."""
    if isinstance(value, dict):
        return {key: _sorted(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_sorted(item) for item in value]
    return value


def content_of(event: object) -> dict[str, object]:
    """An event's fields as the chain sees them (attribute names, plain JSON values)."""
    content = {name: _plain(getattr(event, name)) for name in FIELDS}
    content.update({name: getattr(event, name) for name in OPTIONAL_FIELDS})
    return content
