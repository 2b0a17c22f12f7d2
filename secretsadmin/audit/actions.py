"""The action names the log holds, and which of them an action filter means.

The code writes a few dozen constant names (`pipecat.secret_set.upsert`, `auth.denied`), so the
filter is worked out over that short list in Python and reaches the database as an exact
`action IN (...)`, which the action index serves on SQLite and on PostgreSQL under any collation
(a `LIKE 'x%'` would need a second index in a pattern operator class, on every append).
"""

from django.db import connections

from .models import AuditEvent

# One index probe per name ("loose index scan"): each step asks the action index for the first
# name after the last one found. A DISTINCT would read every event's entry, a million of them.
HELD = """
WITH RECURSIVE held(action) AS (
    SELECT (SELECT action FROM {table} ORDER BY action LIMIT 1)
    UNION ALL
    SELECT (SELECT e.action FROM {table} e WHERE e.action > held.action ORDER BY e.action LIMIT 1)
    FROM held WHERE held.action IS NOT NULL
)
SELECT action FROM held WHERE action IS NOT NULL
"""


def held(using: str = "default") -> list[str]:
    """Every action name in the log, sorted."""
    connection = connections[using]
    sql = HELD.format(table=connection.ops.quote_name(AuditEvent._meta.db_table))
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return sorted(row[0] for row in cursor.fetchall())


def matching(wanted: str, names: list[str]) -> list[str]:
    """The names an action filter selects, ignoring case: a whole name selects itself alone;
    anything else, the names that begin with it (`pipecat`, `pipecat.secret_set`, `auth.log`)."""
    wanted = wanted.lower()
    exact = [name for name in names if name.lower() == wanted]
    return exact or [name for name in names if name.lower().startswith(wanted)]


def offered(using: str = "default") -> list[str]:
    """What the action field suggests: each name in the log, and each family of names before a
    dot (`pipecat`, `pipecat.secret_set`), which selects the whole family."""
    names = held(using)
    families = {name.rsplit(".", n)[0] for name in names for n in range(1, name.count(".") + 1)}
    return sorted(families | set(names))
