"""Exports of audit events, as CSV for people and JSON Lines for machines, a row at a time.

Each JSON line is an event's canonical content plus its hash: a full export can be verified
without this dashboard (`manage.py audit_verify --file`, or any script that hashes the line).

Events are read CHUNK at a time by keyset, oldest first, each chunk a query of its own: neither
this process nor the database holds more than a chunk, and the first lines leave at once (a
server-side cursor outside a transaction would have PostgreSQL read the whole export first).
"""

import csv
from collections.abc import Iterator

from . import chain
from .models import AuditEvent
from .selectors import Selection

CHUNK = 2000
COLUMNS = (*chain.FIELDS, "hash")
# A spreadsheet would run a cell starting with these as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _rows(events: Selection) -> Iterator[dict[str, object]]:
    after = None
    while keys := events.oldest(CHUNK, after):
        chunk = AuditEvent.objects.filter(sequence__in=keys).order_by("sequence")
        for row in chunk.values_list(*COLUMNS):
            yield dict(zip(COLUMNS, row, strict=True))
        after = keys[-1]


def jsonl(events: Selection) -> Iterator[str]:
    for row in _rows(events):
        yield chain.dumps(chain.plain(row)) + "\n"


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
