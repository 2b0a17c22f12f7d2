"""The audit log's typed columns, which must stay readable when what they hold is not their type.

The log is evidence: someone with the database at hand may write anything into a row, and the
log must still show every other row, and that one as it is, for verify to name as broken. Text
SQLite keeps in a time or uuid column, or PostgreSQL's `infinity` or a year before 1 or after
9999 (which Python's datetime cannot hold), made every read that met such a row fail: the log's
page, the event's, the exports. So these columns are read here: a value that is not of its type
comes back as `Unreadable`, the text as stored.
"""

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.expressions import Expression
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone
from django.utils.dateparse import parse_datetime

# A time as the chain writes it (`chain.plain_time`), with the era: a year before 1 is BC.
_PG_TEXT = (
    "COALESCE(to_char({0} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\" BC'), "
    "{0}::text)"  # no text of `infinity` above: to_char has none
)
_COMMON_ERA = " AD"


class Unreadable(str):
    """A stored value that is not of its column's type, as the database holds it."""

    __slots__ = ()


if TYPE_CHECKING:  # what each is set to, what it reads as; not subscriptable at run time
    _DateTimeField = models.DateTimeField[datetime | str, datetime | Unreadable]
    _UUIDField = models.UUIDField[uuid.UUID | str, uuid.UUID | Unreadable]
else:
    _DateTimeField = models.DateTimeField
    _UUIDField = models.UUIDField


class StoredTime(_DateTimeField):
    """A `DateTimeField` (the same column: it migrates as one) read through its text."""

    def deconstruct(self) -> Any:
        # The schema is a DateTimeField's: a migration has nothing to change.
        name, _, args, kwargs = super().deconstruct()
        return name, "django.db.models.DateTimeField", args, kwargs

    def get_internal_type(self) -> str:
        # Both backends convert a "DateTimeField" value themselves, and fail on one that is no
        # time, before `from_db_value` could look at it.
        return "StoredTime"

    def db_type(self, connection: BaseDatabaseWrapper) -> str | None:
        return connection.data_types["DateTimeField"] % self.db_type_parameters(connection)

    def select_format(self, compiler: SQLCompiler, sql: str, params: Any) -> tuple[str, Any]:
        if compiler.connection.vendor == "postgresql":
            return _PG_TEXT.format(sql), params
        # Cast, so that SQLite's driver does not parse the declared `datetime` column itself.
        return f"CAST({sql} AS TEXT)", params

    def from_db_value(
        self, value: object, expression: Expression, connection: BaseDatabaseWrapper
    ) -> datetime | Unreadable | None:
        if value is None or isinstance(value, datetime):
            return value
        return read_time(str(value), connection)


def read_time(text: str, connection: BaseDatabaseWrapper) -> datetime | Unreadable:
    """The time `text` names (a naive one in the connection's zone, as Django stores it on
    SQLite), or `Unreadable(text)`."""
    plain = text
    if connection.vendor == "postgresql":
        if not text.endswith(_COMMON_ERA):
            return Unreadable(text)  # BC, or infinite
        plain = text.removesuffix(_COMMON_ERA)
    try:
        value = parse_datetime(plain)
    except ValueError:  # the shape of a time, not one ("2026-13-45 25:61:00")
        return Unreadable(text)
    if value is None:
        return Unreadable(text)
    if timezone.is_naive(value):
        return timezone.make_aware(value, connection.timezone)
    return value


class StoredUUID(_UUIDField):
    """A `UUIDField` (the same column) that reads a value that is no uuid (SQLite keeps any text
    in its `char(32)`) as `Unreadable`."""

    def deconstruct(self) -> Any:
        name, _, args, kwargs = super().deconstruct()
        return name, "django.db.models.UUIDField", args, kwargs

    def get_internal_type(self) -> str:
        # SQLite's converter of a "UUIDField" value fails on one that is no uuid.
        return "StoredUUID"

    def db_type(self, connection: BaseDatabaseWrapper) -> str | None:
        return connection.data_types["UUIDField"] % self.db_type_parameters(connection)

    def from_db_value(
        self, value: object, expression: Expression, connection: BaseDatabaseWrapper
    ) -> uuid.UUID | Unreadable | None:
        if value is None or isinstance(value, uuid.UUID):
            return value
        try:
            return uuid.UUID(str(value))
        except ValueError:
            return Unreadable(str(value))
