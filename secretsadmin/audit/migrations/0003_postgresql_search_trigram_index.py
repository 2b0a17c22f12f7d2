"""On PostgreSQL, a trigram index serves the free-text search of the review page.

`selectors.events(q=...)` searches several text fields for a substring. Without an index a rare
text reads the log from its newest event until a page of hits is found (or to the very start).
This indexes the trigrams of one text joining those fields (`selectors.SearchText`; the two
must stay identical, which a test checks through the query plan).

The index needs the pg_trgm extension. It is a trusted extension (PostgreSQL 13+), so a role
that may CREATE in the database can install it; otherwise a superuser has to, once:

    CREATE EXTENSION pg_trgm;

If it cannot be installed, this migration does not fail the deployment: search still works, only
slower, and a note says so. To add the index later, install the extension, then run
`manage.py migrate audit 0002 && manage.py migrate audit` (it only drops and rebuilds this index).

The index is built CONCURRENTLY (so the migration is not atomic): appends, which every audited
action makes, are not blocked while it builds over an existing log.
"""

import sys

from django.db import DatabaseError, migrations, transaction
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

INDEX = "audit_search_trgm_idx"

# selectors.TEXT_FIELDS, joined by selectors.SEPARATOR, as selectors.SearchText writes it, under
# the UPPER() of Django's `icontains`.
SEARCH_TEXT = (
    """("action" || E'\\x1f' || "actor_username" || E'\\x1f' || "actor_email" || E'\\x1f' || """
    """"account" || E'\\x1f' || "target" || E'\\x1f' || "target_id" || E'\\x1f' || """
    """"error_code" || E'\\x1f' || "error_message" || E'\\x1f' || "reason" || E'\\x1f' || """
    """("keys")::text)"""
)

CREATE = (
    f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} ON audit_auditevent "
    f"USING gin ((UPPER({SEARCH_TEXT}::text)) gin_trgm_ops)"
)
DROP = f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}"


def install(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm", params=None)
    except DatabaseError as error:
        sys.stderr.write(
            f"\nNote: audit free-text search index skipped: pg_trgm cannot be installed "
            f"({str(error).strip()}). Search works without it, only slower; see "
            f"{__name__} to add it later.\n"
        )
        return
    try:
        schema_editor.execute(CREATE, params=None)
    except DatabaseError:
        schema_editor.execute(DROP, params=None)  # a failed concurrent build leaves it invalid
        raise
    # Statistics of the indexed text, which the planner needs to choose between the index (a rare
    # text) and reading the newest events (a common one). An append-only table would otherwise
    # wait for autovacuum's next ANALYZE, after many more events.
    schema_editor.execute("ANALYZE audit_auditevent", params=None)


def remove(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("audit", "0002_postgresql_append_only")]

    operations = [migrations.RunPython(install, remove)]
