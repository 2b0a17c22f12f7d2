"""Exports of audit events, as CSV for people and JSON Lines for machines, a row at a time.

Each JSON line is an event's canonical content plus its hash: a full export can be verified
without this dashboard (`manage.py audit_verify --file`, or any script that hashes the line).

Events are read by keyset, oldest first, FIRST and then CHUNK at a time, each chunk a query of
its own: neither this process nor the database holds more than a chunk, and the first lines
leave at once (a server-side cursor outside a transaction has PostgreSQL read the whole export
before the first row).
"""

import csv
from collections.abc import Iterator
from itertools import islice

from . import chain
from .models import AuditEvent
from .selectors import Selection

FIRST, CHUNK = 100, 2000
COLUMNS = (*chain.FIELDS, *chain.OPTIONAL_FIELDS, "hash")
# A spreadsheet would run a cell starting with these as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _rows(events: Selection) -> Iterator[dict[str, object]]:
    keys, size = events.every(first=FIRST, most=CHUNK), FIRST
    while chunk := list(islice(keys, size)):
        found = AuditEvent.objects.filter(sequence__in=chunk).order_by("sequence")
        for row in found.values_list(*COLUMNS):
            yield dict(zip(COLUMNS, row, strict=True))
        size = CHUNK


def jsonl(events: Selection) -> Iterator[str]:
    for row in _rows(events):
        yield line(row) + "\n"


def line(row: dict[str, object]) -> str:
    """An event (a row of COLUMNS) as one JSON line: its canonical content plus its hash."""
    # A line is the hashed content: an optional field is in it only when set.
    unset = [name for name in chain.OPTIONAL_FIELDS if row[name] is None]
    return chain.dumps(chain.plain({k: v for k, v in row.items() if k not in unset}))


class _Line:
    """csv.writer writes into this and gets the line back, so nothing accumulates."""

    def write(self, text: str) -> str:
        return text


def csv_lines(events: Selection) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield writer.writerow(COLUMNS)
    for row in _rows(events):
        yield writer.writerow(_cell(value) for value in chain.plain(row).values())


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list | dict):
        value = chain.dumps(value)
    text = str(value)
    # Quoted with ' like spreadsheets do; the JSON Lines export keeps the exact text.
    return "'" + text if text.startswith(FORMULA_START) else text
