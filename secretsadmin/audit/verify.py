"""Checking the hash chain, from the first event to the head, in constant memory."""

import json
from collections.abc import Generator, Iterable, Iterator, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, replace
from typing import Any

from django.db import connection
from django.db.models import Field

from . import chain, summaries
from .models import AuditEvent

CHUNK = 5000
MEMO = 10_000  # distinct JSON texts remembered at most, so memory stays flat


@dataclass(frozen=True)
class Verification:
    checked: int
    head_sequence: int
    head_hash: str
    broken_at: int | None = None  # sequence of the first event that does not match
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None

    def summary(self) -> str:
        if self.ok:
            return f"{self.checked} events verified; head #{self.head_sequence} {self.head_hash}"
        return f"chain broken at event #{self.broken_at}: {self.problem}"


def verify(anchor: tuple[int, str] | None = None) -> Verification:
    """Verifies the whole log in sequence order.

    `anchor` is a (sequence, hash) pair kept outside the database: the event with that sequence
    must still carry that hash, which catches a log cut short or rewritten wholesale. An intact
    chain whose filters' summaries hide an event fails too, naming the first such event.
    """
    with closing(stored_links()) as found:  # stops reading at the first break
        result = check(found, anchor=anchor)
    if result.ok and (hidden := summaries.first_hidden()) is not None:
        sequence, why = hidden
        return replace(result, broken_at=sequence, problem=why)
    return result


# What the check needs of each event: (sequence, prev_hash, stored hash, recomputed hash).
Link = tuple[int, str, str, str]


def links(rows: Iterable[Mapping[str, Any]]) -> Iterator[Link]:
    """Links of rows holding every field, e.g. the lines of a JSON Lines export."""
    for row in rows:
        yield row["sequence"], row["prev_hash"], row["hash"], chain.digest(row)


def stored_links() -> Generator[Link]:
    """Links of every stored event, oldest first, a chunk at a time.

    Read with a plain cursor: Django's per-value converters cost more than the hashing itself.
    The query itself renders times and uuids as the chain's plain text; JSON arrives as text
    and is parsed once per distinct text. Every test of an untouched log checks this, on both
    databases.
    """
    names = [*chain.SORTED_FIELDS, *chain.OPTIONAL_FIELDS, "hash"]
    concrete = {field.attname: field for field in AuditEvent._meta.concrete_fields}
    fields = [concrete[name] for name in names]
    json_at = [i for i, field in enumerate(fields) if field.get_internal_type() == "JSONField"]
    if connection.vendor == "postgresql":
        return _links_of(_postgresql_rows(fields), names, json_at)
    return _links_of(_sqlite_rows(fields), names, json_at)


def _links_of(
    rows: Iterable[Sequence[Any]], names: list[str], json_at: list[int]
) -> Generator[Link]:
    """Links of rows holding `names` (content in SORTED_FIELDS order, the OPTIONAL_FIELDS, then
    the stored hash), every value in plain form but JSON still as text."""
    content_names = chain.SORTED_FIELDS
    optional = len(chain.OPTIONAL_FIELDS)
    sequence_at, prev_at = names.index("sequence"), names.index("prev_hash")
    parsed: dict[str, object] = {}  # roles, key lists and "{}" repeat: parse each text once
    for raw in rows:
        row = list(raw)
        for i in json_at:
            text = row[i]
            if isinstance(text, str):
                value = parsed.get(text, parsed)
                if value is parsed:
                    if len(parsed) >= MEMO:
                        parsed.clear()  # so memory stays flat
                    value = parsed[text] = _json(text)
                row[i] = value
        stored_hash = row.pop()
        content = dict(zip(content_names, row[: len(row) - optional], strict=True))
        extra = dict(zip(chain.OPTIONAL_FIELDS, row[len(row) - optional :], strict=True))
        yield (
            row[sequence_at],
            row[prev_at],
            stored_hash,
            chain.digest_prepared(chain.with_optional(content, extra)),
        )


def _json(text: str) -> object:
    try:
        return json.loads(text)
    except ValueError:  # not JSON: written behind the app's back; its hash will not match
        return text


def _sqlite_rows(fields: list["Field[Any, Any]"]) -> Iterator[tuple[Any, ...]]:
    with connection.chunked_cursor() as cursor:
        cursor.execute(_plain_select(fields, SQLITE_PLAIN))
        while chunk := cursor.fetchmany(CHUNK):
            yield from chunk


# How each database renders a value as the chain's plain text, in SQL: building datetime and UUID
# objects only to turn them back into text cost more than the read itself. Keyed by the fields'
# internal types (`fields.StoredTime`, `fields.StoredUUID`). Times are `datetime.isoformat` of
# the UTC time with microseconds; uuids have their dashes.
PG_PLAIN = {
    # A year before Christ has no `isoformat`: said so, it cannot match an event's hash.
    "StoredTime": (
        """to_char({0} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"') """
        """|| CASE WHEN to_char({0} AT TIME ZONE 'UTC', 'BC') = 'BC' THEN ' BC' ELSE '' END"""
    ),
    "StoredUUID": "{0}::text",
    "JSONField": "{0}::text",  # jsonb's text is parsed, not hashed
}
# Django keeps a UTC time as `2026-01-31 14:00:00[.123456]` text, a uuid as 32 hex digits. Text of
# another shape stays as it is, so it cannot match an event's hash (the time filters, comparing
# text, would not find it where it belongs).
SQLITE_PLAIN = {
    "StoredTime": (
        "CASE WHEN substr({0}, 11, 1) = ' ' THEN substr({0}, 1, 10) || 'T' || substr({0}, 12) "
        "|| CASE WHEN length({0}) = 19 THEN '.000000+00:00' ELSE '+00:00' END ELSE {0} END"
    ),
    "StoredUUID": (
        "substr({0}, 1, 8) || '-' || substr({0}, 9, 4) || '-' || substr({0}, 13, 4) || '-' "
        "|| substr({0}, 17, 4) || '-' || substr({0}, 21)"
    ),
}


def _plain_select(fields: list["Field[Any, Any]"], plain: dict[str, str]) -> str:
    quote = connection.ops.quote_name
    columns = []
    for field in fields:
        assert field.column is not None  # the stubs' None is for fields without a column
        columns.append(plain.get(field.get_internal_type(), "{0}").format(quote(field.column)))
    table, order = quote(AuditEvent._meta.db_table), quote("sequence")
    return f"SELECT {', '.join(columns)} FROM {table} ORDER BY {order}"  # noqa: S608 (our names)


def _postgresql_rows(fields: list["Field[Any, Any]"]) -> Iterator[tuple[Any, ...]]:
    """Streams the rows in chunks (libpq 17+): the server keeps sending while they are hashed,
    on the other core, where a server-side cursor would wait for each FETCH."""
    import psycopg

    sql = _plain_select(fields, PG_PLAIN)
    if psycopg.pq.version() < 170000:
        with connection.chunked_cursor() as cursor:
            cursor.execute(sql)
            while chunk := cursor.fetchmany(CHUNK):
                yield from chunk
        return
    with connection.cursor() as cursor:
        stream = cursor.cursor.stream(sql, size=CHUNK)
        try:
            for row in stream:  # noqa: UP028 (`yield from` would close it when we are closed)
                yield row
        finally:
            # Stopped early (a broken chain): read the rest rather than let psycopg cancel the
            # query, which would abort a transaction the caller may be in.
            for _ in stream:
                pass


def check(chain_links: Iterable[Link], *, anchor: tuple[int, str] | None = None) -> Verification:
    """Checks links that claim to be the chain from its first event."""
    checked, expected_sequence, prev_hash = 0, 1, chain.GENESIS
    anchor_seen = anchor is None

    def broken(sequence: int, problem: str) -> Verification:
        return Verification(checked, expected_sequence - 1, prev_hash, sequence, problem)

    for sequence, claimed_prev, stored_hash, recomputed in chain_links:
        if sequence != expected_sequence:
            if sequence < expected_sequence:
                problem = f"event #{sequence} is out of order (expected #{expected_sequence})"
            elif sequence == expected_sequence + 1:
                problem = f"event #{expected_sequence} is missing"
            else:
                problem = f"events #{expected_sequence} to #{sequence - 1} are missing"
            return broken(expected_sequence, problem)
        if claimed_prev != prev_hash:
            return broken(sequence, "its previous hash does not match the event before it")
        if recomputed != stored_hash:
            return broken(sequence, "its content does not match its hash (edited)")
        if anchor is not None and sequence == anchor[0]:
            if stored_hash != anchor[1]:
                return broken(sequence, "its hash differs from the one kept outside the database")
            anchor_seen = True
        checked, expected_sequence, prev_hash = checked + 1, sequence + 1, stored_hash

    if anchor is not None and not anchor_seen:
        return broken(
            anchor[0], f"the log ends at #{expected_sequence - 1}: events after it were removed"
        )
    return Verification(checked, expected_sequence - 1, prev_hash)
